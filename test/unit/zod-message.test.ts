import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatInputIssues, formatZodIssues } from "@/server/domain/zod-message";

const Input = z
  .object({
    change: z.object({ weightPercent: z.number().int().min(1).max(99), kind: z.enum(["promote", "canary"]) }),
    name: z.string().min(1).max(5),
    tags: z.array(z.string()).max(1),
    email: z.email(),
    rate: z.number().positive(),
    source: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("infer") }),
      z.object({ kind: z.literal("explicit") }),
    ]),
    settings: z
      .object({ maxBatchSize: z.number().optional() })
      .refine((value) => Object.keys(value).length > 0, {
        message: "name at least one setting to change",
      }),
  })
  .strict();

const messageOf = (input: unknown) => formatInputIssues(Input.safeParse(input).error!);

describe("formatInputIssues", () => {
  it("says what each field must be, in words, one sentence each", () => {
    expect(
      messageOf({
        change: { weightPercent: 150, kind: "shadow" },
        name: "",
        tags: ["a", "b"],
        email: "nobody",
        rate: 0,
        source: { kind: "guess" },
        settings: {},
        extra: true,
      }),
    ).toBe(
      "Weight percent must be at most 99. Kind must be one of promote or canary. Name must not be empty. " +
        "Tags must have at most 1 item. Email must be a valid email. Rate must be more than 0. " +
        "Kind must be one of infer or explicit. Name at least one setting to change. " +
        "The request has unknown field 'extra'.",
    );
  });

  it("names missing fields and wrong types", () => {
    expect(formatInputIssues(z.object({ maxBatchSize: z.number().int() }).safeParse({}).error!)).toBe(
      "Max batch size is required.",
    );
    expect(
      formatInputIssues(z.object({ maxBatchSize: z.number().int() }).safeParse({ maxBatchSize: 1.5 }).error!),
    ).toBe("Max batch size must be a whole number.");
    expect(
      formatInputIssues(z.object({ rows: z.array(z.number()) }).safeParse({ rows: [1, "x"] }).error!),
    ).toBe("Rows (item 2) must be a number.");
  });
});

describe("formatZodIssues", () => {
  it("keeps the variable's name for the environment, where operators look for it", () => {
    const error = z.object({ GATEWAY_PORT: z.coerce.number() }).safeParse({ GATEWAY_PORT: "x" }).error!;
    expect(formatZodIssues(error, "")).toBe("GATEWAY_PORT: Invalid input: expected number, received NaN");
  });
});
