import type { ZodError } from "zod";

/** One problem per field, each naming the field's path: "WORKER_ROLES: unknown role 'x'" (for env). */
export function formatZodIssues(error: ZodError, root = "input"): string {
  return error.issues
    .map((issue) => `${[root, ...issue.path].filter((part) => part !== "").join(".")}: ${issue.message}`)
    .join("; ");
}

type Issue = ZodError["issues"][number];

/**
 * One sentence per problem, for people filling in a form or reading a CLI's error: the field in
 * words and what it must be ("Weight percent must be at most 99."), not a path and zod's wording
 * ("input.change.weightPercent: Too big: expected number to be <=99").
 */
export function formatInputIssues(error: ZodError): string {
  return error.issues.map((issue) => `${sentenceOf(issue)}.`).join(" ");
}

/** zod's own wording begins so; a message of ours (a refinement, a check's message) does not. */
const ZOD_DEFAULT_MESSAGE = /^(Too (big|small)|Invalid|Unrecognized key)/;

function sentenceOf(issue: Issue): string {
  // Our own messages already read as a sentence about the field.
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return upperFirst(issue.message);
  const known = requirement(issue);
  return known === null
    ? `${fieldLabel(issue.path)}: ${issue.message}`
    : `${fieldLabel(issue.path)} ${known}`;
}

function fieldLabel(path: readonly PropertyKey[]): string {
  const name = [...path].reverse().find((part): part is string => typeof part === "string");
  const index = path.at(-1);
  const words = name ? humanize(name) : "The request";
  return typeof index === "number" ? `${words} (item ${index + 1})` : words;
}

/** "weightPercent" and "max_batch_size" read as "Weight percent" and "Max batch size". */
function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return upperFirst(words);
}

const TYPE_NAMES: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  date: "a date",
  bigint: "a whole number",
};

function requirement(issue: Issue): string | null {
  switch (issue.code) {
    case "invalid_type":
      if ((issue as { input?: unknown }).input === undefined && issue.message.endsWith("received undefined"))
        return "is required";
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case "too_big":
      return bound("at most", "less than", issue.maximum, issue.inclusive, issue.origin);
    case "too_small":
      if (Number(issue.minimum) === 1 && issue.inclusive && ["string", "array", "set"].includes(issue.origin))
        return "must not be empty";
      return bound("at least", "more than", issue.minimum, issue.inclusive, issue.origin);
    case "invalid_value":
      return `must be ${oneOf(issue.values.map((value) => String(value)))}`;
    case "invalid_format":
      return issue.format === "regex" ? "is not in the expected format" : `must be a valid ${issue.format}`;
    case "invalid_union": {
      const { options } = issue as { options?: unknown[] };
      return options
        ? `must be ${oneOf(options.map((option) => String(option)))}`
        : "does not match any allowed form";
    }
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "unrecognized_keys":
      return `has unknown ${issue.keys.length === 1 ? "field" : "fields"} ${issue.keys.map((key) => `'${key}'`).join(", ")}`;
    default:
      return null;
  }
}

function bound(
  inclusiveWord: string,
  exclusiveWord: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
  origin: string,
): string {
  const words = inclusive === false ? exclusiveWord : inclusiveWord;
  if (origin === "string") return `must be ${words} ${String(limit)} characters`;
  if (origin === "array" || origin === "set")
    return `must have ${words} ${String(limit)} ${Number(limit) === 1 ? "item" : "items"}`;
  return `must be ${words} ${String(limit)}`;
}

function oneOf(values: string[]): string {
  if (values.length === 1) return values[0]!;
  return `one of ${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}

const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
