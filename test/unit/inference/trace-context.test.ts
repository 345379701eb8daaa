import { describe, expect, it } from "vitest";
import {
  formatServerTiming,
  formatTraceParent,
  parseTraceParent,
} from "@/server/domain/inference/trace-context";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

describe("parseTraceParent", () => {
  it("reads a version-00 header", () => {
    expect(parseTraceParent(`00-${TRACE_ID}-${PARENT_ID}-01`)).toEqual({
      traceId: TRACE_ID,
      parentId: PARENT_ID,
      flags: "01",
    });
  });

  it("reads the shared fields of a later version, which may carry more after them", () => {
    expect(parseTraceParent(`cc-${TRACE_ID}-${PARENT_ID}-00-what-comes-next`)).toEqual({
      traceId: TRACE_ID,
      parentId: PARENT_ID,
      flags: "00",
    });
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["uppercase hex", `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ["a short trace id", `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT_ID}-01`],
    ["an all-zero parent id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ["version 00 with more fields", `00-${TRACE_ID}-${PARENT_ID}-01-extra`],
    ["not hex", `00-${"g".repeat(32)}-${PARENT_ID}-01`],
    ["huge", `00-${TRACE_ID}-${PARENT_ID}-01-${"x".repeat(600)}`],
  ])("ignores a header that is %s", (_what, header) => {
    expect(parseTraceParent(header)).toBeNull();
  });

  it("writes the span's header with the trace's id and flags", () => {
    const trace = parseTraceParent(`00-${TRACE_ID}-${PARENT_ID}-01`)!;
    const header = formatTraceParent(trace, "a1b2c3d4e5f60718");
    expect(header).toBe(`00-${TRACE_ID}-a1b2c3d4e5f60718-01`);
    expect(parseTraceParent(header)).toEqual({
      traceId: TRACE_ID,
      parentId: "a1b2c3d4e5f60718",
      flags: "01",
    });
  });
});

describe("formatServerTiming", () => {
  it("lists stages in ms with two decimals, a negative rounding error as 0", () => {
    expect(
      formatServerTiming([
        ["parse", 0.3],
        ["batch", -0.0004],
        ["total", 6.123],
      ]),
    ).toBe("parse;dur=0.30, batch;dur=0.00, total;dur=6.12");
  });
});
