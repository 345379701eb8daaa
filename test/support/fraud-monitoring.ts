import {
  encodeFraudFeatures,
  FRAUD_FEATURES,
  fraudExamplesToCsv,
  generateFraudExamples,
  type FraudFeatures,
} from "@/scripts/demo/fraud-dataset";
import { getDb } from "@/server/db";
import { readDemoFile } from "@/test/support/demo-files";
import { type callerFor, uploadForm } from "@/test/support/trpc-caller";

// The model-quality tests' shared setup: the demo's fraud model, a feature set it is linked to,
// a golden set that names its outputs, and traffic that drifts.

type Api = ReturnType<typeof callerFor>;

/**
 * card-fraud v1 linked to feature set card-features v1 (800 rows drawn with seed 1: KS and
 * chi-square), deployed as `name` logging every request. Returns the deployment's row id.
 */
export async function createWatchedFraudDeployment(api: Api, name: string): Promise<string> {
  await api.model.create({ name: "card-fraud" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v1.onnx") }),
  );
  await api.featureSet.create({ name: "card-features" });
  const csv = fraudExamplesToCsv(generateFraudExamples(800, 1), { withLabel: false });
  await api.featureSet.createVersion(
    uploadForm({
      featureSetName: "card-features",
      // Declared, not inferred: categories in the order the model's input encodes them (by index).
      featureSource: JSON.stringify({ kind: "explicit", features: FRAUD_FEATURES }),
      file: new TextEncoder().encode(csv),
    }),
  );
  await api.modelVersion.linkFeatureSet({
    modelName: "card-fraud",
    number: 1,
    featureSet: { name: "card-features", version: 1 },
  });
  await api.deployment.create({ name, modelName: "card-fraud", versionNumber: 1, predictionSampleRate: 1 });
  return (await getDb().deployment.findFirstOrThrow({ where: { name } })).id;
}

/** Eight of the fourteen features moved: spend up, trust down, older accounts, later hours. */
export function shiftedFraudFeatures(features: FraudFeatures): FraudFeatures {
  return {
    ...features,
    amount: features.amount * 4,
    avg_amount_30d: features.avg_amount_30d * 4,
    distance_from_home_km: features.distance_from_home_km * 4,
    txn_count_24h: features.txn_count_24h + 6,
    device_trust_score: features.device_trust_score / 2,
    account_age_days: features.account_age_days * 3,
    hour: (features.hour + 8) % 24,
    merchant_category: "electronics",
  };
}

/** A JSONL golden set "holdout" of card-fraud: its task names the outputs labels are scored against. */
export async function uploadFraudGoldenSet(api: Api): Promise<void> {
  const lines = generateFraudExamples(20, 99).map(({ features, isFraud }) =>
    JSON.stringify({
      inputs: [
        {
          name: "features",
          datatype: "FP32",
          shape: [1, 14],
          data: Array.from(encodeFraudFeatures(features)),
        },
      ],
      expected: { label: Number(isFraud) },
    }),
  );
  await api.goldenSet.upload(
    uploadForm({
      modelName: "card-fraud",
      name: "holdout",
      format: "jsonl",
      task: JSON.stringify({
        kind: "binary-classification",
        probabilityOutput: "probability",
        labelOutput: "label",
      }),
      file: new TextEncoder().encode(lines.join("\n")),
    }),
  );
}

/** One request through the gateway with the caller's `id` and one row per example, as the demo encodes them. */
export function postFraudRows(gatewayUrl: string, deploymentName: string, id: string, rows: FraudFeatures[]) {
  return fetch(`${gatewayUrl}/v2/models/${deploymentName}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id,
      inputs: [
        {
          name: "features",
          datatype: "FP32",
          shape: [rows.length, 14],
          data: rows.flatMap((features) => Array.from(encodeFraudFeatures(features))),
        },
      ],
    }),
  });
}
