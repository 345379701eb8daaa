import type { ZodError } from "zod";

/** One readable sentence per problem, each naming the field: "metrics.auc: expected number". */
export function formatZodIssues(error: ZodError, root = "input"): string {
  return error.issues
    .map((issue) => `${[root, ...issue.path].filter((part) => part !== "").join(".")}: ${issue.message}`)
    .join("; ");
}
