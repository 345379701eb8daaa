import { readDemoFile } from "@/test/support/demo-files";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

/**
 * The demo's compute-heavy model (heavy-mlp, 21M parameters, ms per run) deployed as `heavy`,
 * for tests that need a worker busy with jobs when it is killed: the fraud model's jobs last
 * microseconds, so a killed worker rarely holds one.
 */
export async function createHeavyDeployment(): Promise<void> {
  const api = callerFor();
  await api.model.create({ name: "heavy-mlp" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "heavy-mlp", file: await readDemoFile("heavy-mlp.onnx") }),
  );
  await api.deployment.create({ name: "heavy", modelName: "heavy-mlp", versionNumber: 1 });
}

/** An infer request of one row to the deployment createHeavyDeployment made, serialized. */
export function heavyInferRequest(): { deployment: string; body: Buffer } {
  const data = Array.from({ length: 512 }, (_, index) => Math.sin(index));
  const inputs = [{ name: "input", shape: [1, 512], datatype: "FP32", data }];
  return { deployment: "heavy", body: Buffer.from(JSON.stringify({ inputs })) };
}
