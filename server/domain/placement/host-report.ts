import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { MAX_HOST_COST_MICROS_PER_HOUR } from "@/server/domain/monitoring/cost";
import { formatZodIssues } from "@/server/domain/zod-message";

/**
 * What a worker says about its host when it announces itself and on each heartbeat (producer:
 * workers/host.ts; consumers: services/host, which stores it, and the placement planner, which
 * reads `placementCapacityBytes`). A report that cannot be true (negative memory, a provider
 * onnxruntime does not have, a CUDA host whose probe never ran on CUDA) is refused whole, naming
 * the field, so nothing is placed on a host the planner misunderstands.
 */

/** The devices a deployment can ask for and a host can offer (Prisma's Device enum). */
export const DEVICE_KINDS = ["cpu", "cuda"] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const ZDeviceKind = z.enum(DEVICE_KINDS);

/**
 * onnxruntime's execution providers that can run in Node (onnxruntime-common's
 * ExecutionProviderOptionMap without the browser-only wasm, webgl and webnn).
 */
export const EXECUTION_PROVIDERS = [
  "cpu",
  "cuda",
  "tensorrt",
  "dml",
  "coreml",
  "webgpu",
  "qnn",
  "xnnpack",
  "nnapi",
] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** 16 TiB: more memory than any one machine or accelerator has, so a larger figure is a unit mistake. */
export const MAX_HOST_MEMORY_BYTES = 16 * 1024 ** 4;

const ZMemoryBytes = (what: string) =>
  z
    .number({ error: `${what} must be a number of bytes` })
    .int(`${what} must be a whole number of bytes`)
    .positive(`${what} must be more than 0 bytes`)
    .max(MAX_HOST_MEMORY_BYTES, `${what} is over 16 TiB: the figure must be in bytes`);

const ZExecutionProvider = z
  .string()
  .refine((name) => (EXECUTION_PROVIDERS as readonly string[]).includes(name), {
    error: (issue) =>
      `unknown execution provider '${String(issue.input)}'; known: ${EXECUTION_PROVIDERS.join(", ")}`,
  });

/** Labels select hosts (a team's, a zone's); keys and values as Kubernetes allows them. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const ZLabelValue = z
  .string()
  .regex(
    /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/,
    "label values are up to 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit",
  );

const ZCudaDevice = z.object({
  kind: z.literal("cuda"),
  /** As nvidia-smi names it, e.g. "NVIDIA A10G". */
  gpuModel: z.string().trim().min(1, "gpuModel is required on a cuda host").max(200),
  gpuMemoryBytes: ZMemoryBytes("gpuMemoryBytes"),
});
const ZCpuDevice = z.object({
  kind: z.literal("cpu"),
  cpuCores: z
    .number({ error: "cpuCores must be a number" })
    .int("cpuCores must be a whole number")
    .positive("cpuCores must be at least 1")
    .max(4096),
});

export const ZHostReport = z
  .object({
    /** The host's unique name (WORKER_HOST_NAME): a restarted host reports under the same one. */
    name: z
      .string()
      .trim()
      .min(1, "name is required")
      .max(253, "name must be at most 253 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "name may contain letters, digits, '.', '_' and '-' only"),
    device: z.discriminatedUnion("kind", [ZCudaDevice, ZCpuDevice], {
      error: "device.kind must be cpu or cuda",
    }),
    /** The host's main memory (RAM). */
    memoryBytes: ZMemoryBytes("memoryBytes"),
    /** Providers that really created a session on a probe model here, best first. */
    executionProviders: z
      .array(ZExecutionProvider)
      .min(1, "executionProviders must name at least one provider that ran the probe")
      .refine((names) => new Set(names).size === names.length, "executionProviders lists a provider twice"),
    costMicrosPerHour: z
      .number({ error: "costMicrosPerHour must be a number" })
      .int("costMicrosPerHour must be whole micro-dollars")
      .nonnegative("costMicrosPerHour must not be negative")
      .max(
        MAX_HOST_COST_MICROS_PER_HOUR,
        "costMicrosPerHour is over $10,000 an hour: it is in micro-dollars",
      ),
    labels: z
      .record(z.string(), ZLabelValue)
      .superRefine((labels, ctx) => {
        // Checked here rather than as the record's key schema, whose message zod replaces.
        for (const key of Object.keys(labels))
          if (!LABEL_KEY.test(key))
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: `label key '${key}' must be a name of up to 63 letters, digits, '-', '_' or '.', optionally after a 'domain/' prefix`,
            });
      })
      .default({}),
  })
  .superRefine((report, ctx) => {
    // A GPU only counts where a session ran on it: never announce CUDA and then run on the CPU.
    if (report.device.kind === "cuda" && !report.executionProviders.includes("cuda"))
      ctx.addIssue({
        code: "custom",
        path: ["executionProviders"],
        message: "a cuda host must list 'cuda' among the providers that ran the probe",
      });
    if (
      report.device.kind === "cpu" &&
      report.executionProviders.some((name) => name === "cuda" || name === "tensorrt")
    )
      ctx.addIssue({
        code: "custom",
        path: ["device", "kind"],
        message: "the probe ran on CUDA, so the device is cuda (with its GPU model and memory), not cpu",
      });
  });
export type HostReport = z.infer<typeof ZHostReport>;
export type HostReportInput = z.input<typeof ZHostReport>;

/** The memory replicas are packed into: the GPU's on a cuda host, the RAM on a cpu host. */
export function placementCapacityBytes(report: Pick<HostReport, "device" | "memoryBytes">): number {
  return report.device.kind === "cuda" ? report.device.gpuMemoryBytes : report.memoryBytes;
}

/**
 * The report, or an AppError (BAD_REQUEST) naming every bad field, e.g. "host report memoryBytes:
 * memoryBytes must be more than 0 bytes", so the worker's log says what to fix.
 */
export function parseHostReport(raw: unknown): HostReport {
  const parsed = ZHostReport.safeParse(raw);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", `host report refused: ${formatZodIssues(parsed.error, "host")}`);
  return parsed.data;
}
