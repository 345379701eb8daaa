import { describe, expect, it } from "vitest";
import { readableLogLine } from "@/scripts/demo/log-line";

describe("readableLogLine", () => {
  it("shows a pino line as level, message and the other fields", () => {
    const line = JSON.stringify({
      level: 30,
      time: 1,
      pid: 7,
      msg: "gateway listening",
      url: "http://x",
      port: 8080,
    });
    expect(readableLogLine(line)).toBe("INFO  gateway listening url=http://x port=8080");
  });

  it("shows an error's message, not its stack", () => {
    const line = JSON.stringify({
      level: 50,
      msg: "unexpected error",
      err: { message: "boom", stack: "at x" },
    });
    expect(readableLogLine(line)).toBe('ERROR unexpected error err="boom"');
  });

  it("passes other lines through", () => {
    expect(readableLogLine("▲ Next.js 16")).toBe("▲ Next.js 16");
    expect(readableLogLine("{not json")).toBe("{not json");
    expect(readableLogLine('{"a":1}')).toBe('{"a":1}');
  });
});
