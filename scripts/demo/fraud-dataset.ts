import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { createPrng, type Prng } from "@/server/domain/prng";

const MERCHANT_CATEGORIES = ["grocery", "restaurant", "fuel", "online", "travel", "electronics"] as const;
const COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN"] as const;
type MerchantCategory = (typeof MERCHANT_CATEGORIES)[number];
type Country = (typeof COUNTRIES)[number];

export const LABEL_COLUMN = "is_fraud";

/** Column order of the models' "features" input. */
export const FRAUD_FEATURES: Feature[] = [
  { name: "amount", dtype: "float", min: 0, max: 50_000 },
  { name: "hour", dtype: "int", min: 0, max: 23 },
  { name: "merchant_category", dtype: "category", categories: [...MERCHANT_CATEGORIES] },
  { name: "country", dtype: "category", categories: [...COUNTRIES] },
  { name: "card_present", dtype: "bool" },
  { name: "customer_age", dtype: "int", min: 18, max: 100 },
  { name: "account_age_days", dtype: "int", min: 0, max: 20_000 },
  { name: "txn_count_24h", dtype: "int", min: 0, max: null },
  { name: "avg_amount_30d", dtype: "float", min: 0, max: null },
  { name: "distance_from_home_km", dtype: "float", min: 0, max: 20_100 },
  { name: "device_trust_score", dtype: "float", min: 0, max: 1 },
  { name: "failed_logins_7d", dtype: "int", min: 0, max: null },
  { name: "is_weekend", dtype: "bool" },
  { name: "amount_to_avg_ratio", dtype: "float", min: 0, max: null },
];

export interface FraudFeatures {
  amount: number;
  hour: number;
  merchant_category: MerchantCategory;
  country: Country;
  card_present: boolean;
  customer_age: number;
  account_age_days: number;
  txn_count_24h: number;
  avg_amount_30d: number;
  distance_from_home_km: number;
  device_trust_score: number;
  failed_logins_7d: number;
  is_weekend: boolean;
  amount_to_avg_ratio: number;
}

export interface FraudExample {
  features: FraudFeatures;
  isFraud: boolean;
}

const categoryWeights = [0.3, 0.22, 0.15, 0.2, 0.05, 0.08];
const countryWeights = [0.55, 0.12, 0.1, 0.08, 0.08, 0.07];
const amountScaleByCategory: Record<MerchantCategory, number> = {
  grocery: 1,
  restaurant: 0.8,
  fuel: 0.9,
  online: 1.4,
  travel: 4,
  electronics: 3,
};
// Daytime-heavy shopping with a thin night tail, where fraud concentrates.
const hourWeights = [
  3, 2.5, 2, 1.5, 1.2, 0.6, 1.2, 2.5, 4, 5, 5.5, 6, 6.5, 6, 5.5, 5.5, 6, 6.5, 6.5, 6, 5, 4, 3, 2,
];

// Values are rounded as the CSV prints them, so a model scored from the CSV sees what training saw.
const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function drawFeatures(prng: Prng): FraudFeatures {
  const merchant_category = MERCHANT_CATEGORIES[prng.weightedIndex(categoryWeights)] as MerchantCategory;
  const country = COUNTRIES[prng.weightedIndex(countryWeights)] as Country;
  const presentProbability =
    merchant_category === "online" ? 0.02 : merchant_category === "travel" ? 0.5 : 0.92;
  const card_present = prng.bernoulli(presentProbability);
  const avg_amount_30d = round(clamp(Math.exp(prng.normal(3.6, 0.6)), 1, 5_000), 2);
  const amount = round(
    clamp(
      avg_amount_30d * amountScaleByCategory[merchant_category] * Math.exp(prng.normal(0, 0.7)),
      0.5,
      50_000,
    ),
    2,
  );
  const hasFailedLogins = prng.bernoulli(0.15);
  return {
    amount,
    hour: prng.weightedIndex(hourWeights),
    merchant_category,
    country,
    card_present,
    customer_age: Math.round(clamp(prng.normal(42, 14), 18, 95)),
    account_age_days: Math.round(clamp(Math.exp(prng.normal(6.2, 1.1)), 0, 15_000)),
    txn_count_24h: Math.floor(clamp(Math.exp(prng.normal(1, 0.7)), 0, 80)),
    avg_amount_30d,
    distance_from_home_km: round(
      clamp(Math.exp(card_present ? prng.normal(1.5, 1.2) : prng.normal(2.5, 1.8)), 0, 20_000),
      1,
    ),
    device_trust_score: round(sigmoid(prng.normal(1.5, 1.3)), 3),
    failed_logins_7d: hasFailedLogins ? 1 + Math.floor(clamp(Math.exp(prng.normal(0, 0.9)), 0, 19)) : 0,
    is_weekend: prng.bernoulli(2 / 7),
    amount_to_avg_ratio: round(amount / avg_amount_30d, 4),
  };
}

/**
 * Fraud log-odds. Mostly interactions and thresholds on purpose: a linear model only sees their
 * marginal traces, so a small MLP has room to beat it.
 */
function fraudLogit(f: FraudFeatures): number {
  const night = f.hour <= 4;
  const riskyDevice = !f.card_present && f.device_trust_score < 0.5;
  const riskyPair =
    (f.merchant_category === "electronics" || f.merchant_category === "online") &&
    (f.country === "BR" || f.country === "IN");
  const cardTesting = f.txn_count_24h > 5 && f.amount < 15;
  return (
    -7.6 +
    5 * Number(riskyDevice) +
    5 * Number(night && f.distance_from_home_km > 20) +
    4.5 * Number(f.amount_to_avg_ratio > 3 && f.account_age_days < 365) +
    2.5 * Number(f.failed_logins_7d >= 2) +
    3.2 * Number(riskyPair) +
    4.5 * Number(cardTesting) +
    1.5 * Number(f.customer_age < 25 || f.customer_age > 75) +
    2.5 * Number(f.is_weekend && f.merchant_category === "travel" && !f.card_present)
  );
}

export function generateFraudExamples(count: number, seed: number): FraudExample[] {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => {
    const features = drawFeatures(prng);
    const noisyLogit = fraudLogit(features) + prng.normal(0, 0.5);
    return { features, isFraud: prng.bernoulli(sigmoid(noisyLogit)) };
  });
}

/** The model's input row: one float per feature, categories as their index, booleans as 0/1. */
export function encodeFraudFeatures(features: FraudFeatures): Float32Array {
  return Float32Array.from(FRAUD_FEATURES, (feature) => {
    const value = features[feature.name as keyof FraudFeatures];
    if (feature.dtype === "category") return feature.categories.indexOf(value as string);
    return typeof value === "boolean" ? Number(value) : (value as number);
  });
}

/** Header = feature names (plus the label column when asked); booleans print as true/false. */
export function fraudExamplesToCsv(
  examples: readonly FraudExample[],
  options: { withLabel: boolean },
): string {
  const header = FRAUD_FEATURES.map((feature) => feature.name);
  if (options.withLabel) header.push(LABEL_COLUMN);
  const lines = examples.map(({ features, isFraud }) => {
    const cells = FRAUD_FEATURES.map((feature) => String(features[feature.name as keyof FraudFeatures]));
    if (options.withLabel) cells.push(isFraud ? "1" : "0");
    return cells.join(",");
  });
  return [header.join(","), ...lines].join("\n") + "\n";
}
