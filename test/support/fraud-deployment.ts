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
