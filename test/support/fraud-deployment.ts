import { readDemoFile } from "@/test/support/demo-files";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

/**
 * The smallest deployment the gateway tests serve: model `card-fraud` with the demo's v1,
 * deployed as `name` (one version at 100%), through the API as a user would make it.
 */
export async function createFraudDeployment(name = "fraud"): Promise<void> {
  const api = callerFor();
  await api.model.create({ name: "card-fraud" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v1.onnx") }),
  );
  await api.deployment.create({ name, modelName: "card-fraud", versionNumber: 1 });
}

/** One row of the fraud model's 14 features: a valid infer request's input. */
const FRAUD_ROW = [0.4, -1.2, 2.5, 0.1, 0, 1, -0.3, 0.8, 1.9, -2.2, 0.05, 0.7, -0.6, 1.1];

/** An infer request of one row to a deployment createFraudDeployment made, serialized. */
export function fraudInferRequest(deployment = "fraud"): { deployment: string; body: Buffer } {
  const inputs = [{ name: "features", shape: [1, 14], datatype: "FP32", data: FRAUD_ROW }];
  return { deployment, body: Buffer.from(JSON.stringify({ inputs })) };
}
