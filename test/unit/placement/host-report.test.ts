import { describe, expect, it } from "vitest";
import { AppError } from "@/server/domain/app-error";
import {
  parseHostReport,
  placementCapacityBytes,
  type HostReportInput,
} from "@/server/domain/placement/host-report";

const GiB = 1024 ** 3;
const gpuHost = (extra: Partial<HostReportInput> = {}): HostReportInput => ({
  name: "gpu-1",
  device: { kind: "cuda", gpuModel: "NVIDIA A10G", gpuMemoryBytes: 24 * GiB },
  memoryBytes: 64 * GiB,
  executionProviders: ["cuda", "cpu"],
  costMicrosPerHour: 1_006_000,
  labels: { zone: "eu-west-1a" },
  ...extra,
});

const refusal = (raw: unknown): string => {
  try {
    parseHostReport(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_REQUEST");
    return (error as Error).message;
  }
  throw new Error("the report was accepted");
};

describe("host report", () => {
  it("accepts a GPU host and packs into its GPU memory, a CPU host into its RAM", () => {
    const gpu = parseHostReport(gpuHost());
    expect(placementCapacityBytes(gpu)).toBe(24 * GiB);
    const cpu = parseHostReport({
      name: "cpu-1",
      device: { kind: "cpu", cpuCores: 16 },
      memoryBytes: 32 * GiB,
      executionProviders: ["cpu"],
      costMicrosPerHour: 0,
    });
    expect(cpu.labels).toEqual({});
    expect(placementCapacityBytes(cpu)).toBe(32 * GiB);
  });

  it("refuses negative memory, naming the field", () => {
    expect(refusal(gpuHost({ memoryBytes: -1 }))).toBe(
      "host report refused: host.memoryBytes: memoryBytes must be more than 0 bytes",
    );
    expect(
      refusal(gpuHost({ device: { kind: "cuda", gpuModel: "NVIDIA A10G", gpuMemoryBytes: -5 } })),
    ).toContain("host.device.gpuMemoryBytes: gpuMemoryBytes must be more than 0 bytes");
  });

  it("refuses memory given in the wrong unit", () => {
    expect(refusal(gpuHost({ memoryBytes: 64 * 1024 ** 5 }))).toContain("must be in bytes");
    expect(refusal(gpuHost({ memoryBytes: 1.5 }))).toContain("whole number of bytes");
  });

  it("refuses an unknown provider, listing the known ones", () => {
    const message = refusal(gpuHost({ executionProviders: ["cuda", "rocm-ish"] }));
    expect(message).toContain("host.executionProviders.1: unknown execution provider 'rocm-ish'");
    expect(message).toContain("known: cpu, cuda, tensorrt");
  });

  it("refuses a cuda host whose probe never ran on CUDA, and a cpu host whose probe did", () => {
    expect(refusal(gpuHost({ executionProviders: ["cpu"] }))).toContain(
      "host.executionProviders: a cuda host must list 'cuda'",
    );
    expect(
      refusal(gpuHost({ device: { kind: "cpu", cpuCores: 8 }, executionProviders: ["cuda", "cpu"] })),
    ).toContain("host.device.kind: the probe ran on CUDA");
  });

  it("refuses an unknown device kind, no providers, a price in dollars and bad labels", () => {
    expect(refusal(gpuHost({ device: { kind: "tpu" } as never }))).toContain(
      "device.kind must be cpu or cuda",
    );
    expect(refusal(gpuHost({ executionProviders: [] }))).toContain("at least one provider");
    expect(refusal(gpuHost({ executionProviders: ["cuda", "cuda"] }))).toContain("twice");
    expect(refusal(gpuHost({ costMicrosPerHour: 1.006 }))).toContain("whole micro-dollars");
    expect(refusal(gpuHost({ costMicrosPerHour: -1 }))).toContain("must not be negative");
    expect(refusal(gpuHost({ labels: { "bad key!": "x" } }))).toContain(
      "host.labels.bad key!: label key 'bad key!' must be",
    );
    expect(refusal(gpuHost({ labels: { zone: "-x-" } }))).toContain("label values");
  });
});
