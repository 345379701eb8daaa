import { describe, expect, it } from "vitest";
import { ZDriftReportBody } from "@/server/services/drift/drift-report-body";

describe("drift report body", () => {
  it("reads a report written before outputs were judged as one with no outputs and no reference", () => {
    const before = {
      rows: 800,
      unreadableSamples: 0,
      dataset: { status: "ok", driftedCount: 0, judgedCount: 1, driftedShare: 0 },
      features: [
        {
          name: "amount",
          kind: "numeric",
          method: "ks",
          score: 0.4,
          threshold: 0.05,
          psi: 0.01,
          status: "ok",
          sampleCount: 800,
          missingCount: 0,
          quality: { rowCount: 800, missingShare: 0, outOfRangeShare: 0, unseenShare: 0 },
        },
      ],
    };
    expect(ZDriftReportBody.parse(before)).toEqual({
      ...before,
      outputs: [],
      outputReference: null,
      unreadableOutputSamples: 0,
    });
  });
});
