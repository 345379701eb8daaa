import { describe, expect, it } from "vitest";
import { AppError } from "@/server/domain/app-error";
import { errorKindOf, trafficObservation } from "@/server/gateway/observe-inference";

const job = { hostName: "h", executionProvider: "cpu", computeUs: 40, batchRows: 6, queueWaitUs: 7 };

describe("trafficObservation", () => {
  it("counts an answered request with its job's queue wait, compute and batch", () => {
    expect(
      trafficObservation("ver-1", "primary", {
        ok: true,
        answer: { result: { requestId: "r", ok: true, outputs: [] }, job },
        latencyUs: 900,
      }),
    ).toEqual({
      versionId: "ver-1",
      role: "primary",
      error: null,
      latencyUs: 900,
      ran: { rows: 6, queueWaitUs: 7, computeUs: 40 },
    });
  });

  it("counts a caller's request with the latency it is given, from its first bytes", () => {
    const execution = {
      ok: true as const,
      answer: { result: { requestId: "r", ok: true as const, outputs: [] }, job },
      latencyUs: 900,
    };
    expect(trafficObservation("ver-1", "primary", execution, 1_250)).toMatchObject({
      latencyUs: 1_250,
      ran: { rows: 6 },
    });
    const failed = {
      ok: false as const,
      error: new AppError("DEADLINE_EXCEEDED", "late"),
      latencyUs: 30_000,
    };
    expect(trafficObservation("ver-1", "primary", failed, 31_000)).toMatchObject({
      latencyUs: 31_000,
      error: "deadline",
    });
  });

  it("counts a request the model could not run as a model error that still ran in a batch", () => {
    const observation = trafficObservation("ver-1", "shadow", {
      ok: true,
      answer: { result: { requestId: "r", ok: false, error: "bad shape" }, job },
      latencyUs: 900,
    });
    expect(observation).toMatchObject({
      role: "shadow",
      error: "modelError",
      ran: { rows: 6, computeUs: 40 },
    });
  });

  it("counts a request that never ran (deadline, queue down) by its kind, with no batch", () => {
    const deadline = new AppError("DEADLINE_EXCEEDED", "no answer within 5 ms");
    expect(trafficObservation("ver-1", "primary", { ok: false, error: deadline, latencyUs: 30_000 })).toEqual(
      {
        versionId: "ver-1",
        role: "primary",
        error: "deadline",
        latencyUs: 30_000,
        ran: null,
      },
    );
  });
});

describe("errorKindOf", () => {
  it("charts the caller's input, overload, deadlines and the service apart", () => {
    expect(errorKindOf(new AppError("BAD_REQUEST", "x"))).toBe("badInput");
    expect(errorKindOf(new AppError("PAYLOAD_TOO_LARGE", "x"))).toBe("badInput");
    expect(errorKindOf(new AppError("UNSUPPORTED_MEDIA_TYPE", "x"))).toBe("badInput");
    // A version the deployment does not serve.
    expect(errorKindOf(new AppError("NOT_FOUND", "x"))).toBe("badInput");
    expect(errorKindOf(new AppError("TOO_MANY_REQUESTS", "x"))).toBe("overload");
    expect(errorKindOf(new AppError("DEADLINE_EXCEEDED", "x"))).toBe("deadline");
    expect(errorKindOf(new AppError("UNAVAILABLE", "x"))).toBe("unavailable");
    expect(errorKindOf(new Error("socket closed"))).toBe("unavailable");
  });
});
