import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import { fixedBatchOneModel, twoInputModel } from "@/test/fixtures/odd-models";
import { readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

const api = callerFor();
const FEATURE_SET = "card-fraud";
let sample: Uint8Array;
let sampleText: string;
let manifestFeatures: Feature[];

beforeAll(async () => {
  await createTeam("other-team");
  sample = await readDemoFile("fraud-sample.csv");
  sampleText = new TextDecoder().decode(sample);
  const manifest = JSON.parse(new TextDecoder().decode(await readDemoFile("manifest.json"))) as {
    featureSet: { name: string; features: Feature[] };
  };
  expect(manifest.featureSet.name).toBe(FEATURE_SET);
  manifestFeatures = manifest.featureSet.features;
  await api.featureSet.create({ name: FEATURE_SET, description: "Card transaction features" });
});

type FeatureSource = { kind: "infer" } | { kind: "previous" } | { kind: "explicit"; features: unknown };

function createVersion(
  featureSetName: string,
  csv: string | Uint8Array,
  featureSource?: FeatureSource | string,
) {
  const parts: Record<string, string | Uint8Array> = {
    featureSetName,
    file: typeof csv === "string" ? new TextEncoder().encode(csv) : csv,
  };
  if (featureSource !== undefined)
    parts.featureSource = typeof featureSource === "string" ? featureSource : JSON.stringify(featureSource);
  return api.featureSet.createVersion(uploadForm(parts));
}

/** The demo sample with `edit` applied to its header and data rows (it has no quoted values, so splitting on commas is exact). */
function editedSample(edit: (header: string[], rows: string[][]) => void): string {
  const [headerLine = "", ...lines] = sampleText.trimEnd().split("\n");
  const header = headerLine.split(",");
  const rows = lines.map((line) => line.split(","));
  edit(header, rows);
  return [header, ...rows].map((row) => row.join(",")).join("\n") + "\n";
}

function setCell(header: string[], rows: string[][], row: number, column: string, value: string) {
  const index = header.indexOf(column);
  const target = rows[row - 1];
  if (index < 0 || target === undefined) throw new Error(`no cell at row ${row}, column '${column}'`);
  target[index] = value;
}

async function storedArtifactFiles(): Promise<string[]> {
  const entries = await readdir(process.env.ARTIFACT_DIR!, { recursive: true, withFileTypes: true }).catch(
    () => [],
  );
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe("feature sets", () => {
  it("are created, listed and read by name", async () => {
    const created = await api.featureSet.create({ name: "churn-features" });
    expect(created).toMatchObject({ name: "churn-features", description: "" });
    const list = await api.featureSet.list();
    expect(list.map((featureSet) => featureSet.name)).toEqual(["card-fraud", "churn-features"]);
    expect(list[0]).toMatchObject({
      name: "card-fraud",
      description: "Card transaction features",
      versionCount: 0,
      latestVersion: null,
    });
    const featureSet = await api.featureSet.byName({ name: FEATURE_SET });
    expect(featureSet).toMatchObject({
      name: FEATURE_SET,
      description: "Card transaction features",
      versions: [],
    });
  });

  it("refuse a duplicate or malformed name with a message naming it", async () => {
    await expect(api.featureSet.create({ name: FEATURE_SET })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "a feature set named 'card-fraud' already exists",
    });
    await expect(api.featureSet.create({ name: "Card Features!" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Name may contain lowercase letters, digits and inner hyphens only\.$/),
    });
    await expect(api.featureSet.create({ name: "a".repeat(64) })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Name must be at most 63 characters.",
    });
    await expect(api.featureSet.create({ name: "-leading" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Name may contain /),
    });
    expect((await api.featureSet.list()).map((featureSet) => featureSet.name)).toEqual([
      "card-fraud",
      "churn-features",
    ]);
  });

  it("answer NOT_FOUND for an unknown feature set or version", async () => {
    await expect(api.featureSet.byName({ name: "ghost" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'ghost' does not exist",
    });
    await expect(api.featureSet.versionByNumber({ name: "ghost", number: 1 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'ghost' has no version 1",
    });
    await expect(createVersion("ghost", sample)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'ghost' does not exist",
    });
    await expect(api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'card-fraud' has no version 1",
    });
  });

  it("are scoped to the caller's team", async () => {
    const other = callerFor("other-team");
    expect(await other.featureSet.list()).toEqual([]);
    await expect(other.featureSet.byName({ name: FEATURE_SET })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'card-fraud' does not exist",
    });
    await expect(
      other.featureSet.createVersion(uploadForm({ featureSetName: FEATURE_SET, file: sample })),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Names are unique per team only.
    await other.featureSet.create({ name: FEATURE_SET, description: "someone else's" });
    expect((await other.featureSet.list()).map((featureSet) => featureSet.description)).toEqual([
      "someone else's",
    ]);
    expect((await api.featureSet.byName({ name: FEATURE_SET })).description).toBe(
      "Card transaction features",
    );
  });
});

describe("feature set versions", () => {
  it("infer the features and the drift baseline from the demo sample", async () => {
    const created = await createVersion(FEATURE_SET, sample, { kind: "infer" });
    expect(created).toEqual({
      number: 1,
      featureCount: 14,
      sampleRowCount: 2000,
      ignoredColumns: [],
      warnings: [],
    });

    const version = await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 });
    expect(version).toMatchObject({
      number: 1,
      sampleRowCount: 2000,
      featureSet: { name: FEATURE_SET },
      linkedModelVersions: [],
    });
    expect(version.sampleSha256).toBe(createHash("sha256").update(sample).digest("hex"));
    expect(version.features.map((feature) => feature.name)).toEqual(
      manifestFeatures.map((feature) => feature.name),
    );
    version.features.forEach((inferred, index) => {
      const declared = manifestFeatures[index]!;
      // Inference sees only the sample: same dtype, categories as a set, and only the sign as a range
      // (every demo numeric feature is non-negative), never the sample's own min and max.
      expect(inferred.dtype, inferred.name).toBe(declared.dtype);
      if (inferred.dtype === "category" && declared.dtype === "category") {
        expect(new Set(inferred.categories), inferred.name).toEqual(new Set(declared.categories));
      }
      if (
        (inferred.dtype === "int" || inferred.dtype === "float") &&
        (declared.dtype === "int" || declared.dtype === "float")
      ) {
        expect({ min: inferred.min, max: inferred.max }, inferred.name).toEqual({ min: 0, max: null });
      }
    });

    const { baseline } = version;
    expect(baseline.rowCount).toBe(2000);
    expect(baseline.features.map((feature) => feature.name)).toEqual(
      version.features.map((feature) => feature.name),
    );
    baseline.features.forEach((featureBaseline, index) => {
      const feature = version.features[index]!;
      expect(featureBaseline.count + featureBaseline.missingCount, feature.name).toBe(2000);
      expect(featureBaseline.missingCount, feature.name).toBe(0);
      if (featureBaseline.kind === "numeric") {
        expect(feature.dtype === "int" || feature.dtype === "float", feature.name).toBe(true);
        const distribution = featureBaseline.distribution!;
        expect(distribution, feature.name).not.toBeNull();
        expect(distribution.binCounts.length).toBe(distribution.binEdges.length - 1);
        expect(
          distribution.binCounts.reduce((sum, count) => sum + count, 0),
          feature.name,
        ).toBe(featureBaseline.count);
        expect([...distribution.binEdges].sort((a, b) => a - b)).toEqual(distribution.binEdges);
        expect(distribution.binEdges[0]).toBe(distribution.min);
        expect(distribution.binEdges.at(-1)).toBe(distribution.max);
        expect(distribution.min, feature.name).toBeGreaterThanOrEqual(0);
        expect(distribution.mean).toBeGreaterThanOrEqual(distribution.min);
        expect(distribution.mean).toBeLessThanOrEqual(distribution.max);
        const { p01, p05, p25, p50, p75, p95, p99 } = distribution.quantiles;
        expect([p01, p05, p25, p50, p75, p95, p99]).toEqual(
          [p01, p05, p25, p50, p75, p95, p99].sort((a, b) => a - b),
        );
      } else {
        expect(feature.dtype === "category" || feature.dtype === "bool", feature.name).toBe(true);
        const categories = feature.dtype === "category" ? feature.categories : ["true", "false"];
        expect(featureBaseline.frequencies.map((frequency) => frequency.category)).toEqual(categories);
        expect(
          featureBaseline.frequencies.reduce((sum, frequency) => sum + frequency.count, 0),
          feature.name,
        ).toBe(featureBaseline.count);
        expect(
          featureBaseline.frequencies.reduce((sum, frequency) => sum + frequency.share, 0),
          feature.name,
        ).toBeCloseTo(1, 9);
      }
    });
    // Inferred categories lead with the most frequent.
    const country = baseline.features.find((feature) => feature.name === "country");
    if (country?.kind !== "categorical") throw new Error("country should be categorical");
    const counts = country.frequencies.map((frequency) => frequency.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it("are listed with the latest version", async () => {
    const [cardFraud] = await api.featureSet.list();
    expect(cardFraud).toMatchObject({
      name: FEATURE_SET,
      versionCount: 1,
      latestVersion: { number: 1, featureCount: 14, sampleRowCount: 2000 },
    });
    const featureSet = await api.featureSet.byName({ name: FEATURE_SET });
    expect(featureSet.versions).toMatchObject([
      { number: 1, sampleRowCount: 2000, linkedModelVersionCount: 0 },
    ]);
    expect(featureSet.versions[0]!.features).toHaveLength(14);
  });

  it("take the previous version's features and validate the sample against them", async () => {
    const v1 = await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 });
    expect(await createVersion(FEATURE_SET, sample, { kind: "previous" })).toEqual({
      number: 2,
      featureCount: 14,
      sampleRowCount: 2000,
      ignoredColumns: [],
      warnings: [],
    });
    const v2 = await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 2 });
    expect(v2.features).toEqual(v1.features);
    expect(v2.baseline).toEqual(v1.baseline);
  });

  it("take explicit features", async () => {
    expect(
      await createVersion(FEATURE_SET, sample, { kind: "explicit", features: manifestFeatures }),
    ).toEqual({ number: 3, featureCount: 14, sampleRowCount: 2000, ignoredColumns: [], warnings: [] });
    const v3 = await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 3 });
    expect(v3.features).toEqual(manifestFeatures);
    // Explicit categories keep their declared order in the baseline.
    const merchant = v3.baseline.features.find((feature) => feature.name === "merchant_category");
    const declared = manifestFeatures.find((feature) => feature.name === "merchant_category");
    if (merchant?.kind !== "categorical" || declared?.dtype !== "category")
      throw new Error("merchant_category should be categorical");
    expect(merchant.frequencies.map((frequency) => frequency.category)).toEqual(declared.categories);
  });

  it("match sample columns by name: reordered columns and extra ones are fine", async () => {
    const reordered = editedSample((header, rows) => {
      header.reverse().push("note");
      for (const row of rows) row.reverse().push("free text");
    });
    const created = await createVersion(FEATURE_SET, reordered, { kind: "previous" });
    expect(created).toEqual({
      number: 4,
      featureCount: 14,
      sampleRowCount: 2000,
      ignoredColumns: ["note"],
      warnings: [],
    });
    const [v3, v4] = await Promise.all(
      [3, 4].map((number) => api.featureSet.versionByNumber({ name: FEATURE_SET, number })),
    );
    expect(v4!.features).toEqual(v3!.features);
    expect(v4!.baseline).toEqual(v3!.baseline);
  });

  it("are numbered densely, also when created concurrently", async () => {
    expect(
      (await api.featureSet.byName({ name: FEATURE_SET })).versions.map((version) => version.number),
    ).toEqual([4, 3, 2, 1]);
    await api.featureSet.create({ name: "race" });
    const results = await Promise.all([1, 2, 3, 4].map(() => createVersion("race", "x,y\n1,a\n2,b\n")));
    expect(results.map((result) => result.number).sort()).toEqual([1, 2, 3, 4]);
  });

  it("are not visible to another team", async () => {
    const other = callerFor("other-team");
    await expect(other.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'card-fraud' has no version 1",
    });
    expect((await other.featureSet.byName({ name: FEATURE_SET })).versions).toEqual([]);
  });
});

describe("a bad sample or request is refused with a message naming the problem, and no version is written", () => {
  const previous: FeatureSource = { kind: "previous" };
  const explicit = (): FeatureSource => ({ kind: "explicit", features: manifestFeatures });
  const cases: [string, () => Parameters<typeof createVersion>, string, string | RegExp][] = [
    [
      "a column the previous version requires is missing",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => {
          const index = header.indexOf("device_trust_score");
          header.splice(index, 1);
          for (const row of rows) row.splice(index, 1);
        }),
        previous,
      ],
      "BAD_REQUEST",
      "the sample is missing 1 feature column: 'device_trust_score'",
    ],
    [
      "a column whose name differs only in case",
      () => [FEATURE_SET, editedSample((header) => void header.splice(0, 1, "Amount")), previous],
      "BAD_REQUEST",
      "the sample is missing 1 feature column: 'amount' ('Amount' differs from 'amount' only in case)",
    ],
    [
      "a value that is not a number in a numeric column",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => setCell(header, rows, 3, "amount", "twelve")),
        previous,
      ],
      "BAD_REQUEST",
      "the sample has 1 invalid value ('amount': 1): row 3 (line 4), column 'amount': 'twelve' is not a number (leave the cell empty for a missing value)",
    ],
    [
      "a fraction in an integer column",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => setCell(header, rows, 7, "hour", "3.5")),
        explicit(),
      ],
      "BAD_REQUEST",
      "the sample has 1 invalid value ('hour': 1): row 7 (line 8), column 'hour': '3.5' is not an integer",
    ],
    [
      "a value above an explicit maximum",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => setCell(header, rows, 10, "device_trust_score", "1.5")),
        explicit(),
      ],
      "BAD_REQUEST",
      "the sample has 1 invalid value ('device_trust_score': 1): row 10 (line 11), column 'device_trust_score': 1.5 is above the maximum 1",
    ],
    [
      "a value below an explicit minimum",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => setCell(header, rows, 2000, "customer_age", "17")),
        explicit(),
      ],
      "BAD_REQUEST",
      "the sample has 1 invalid value ('customer_age': 1): row 2000 (line 2001), column 'customer_age': 17 is below the minimum 18",
    ],
    [
      "an unknown category",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => setCell(header, rows, 5, "country", "XX")),
        explicit(),
      ],
      "BAD_REQUEST",
      "the sample has 1 invalid value ('country': 1): row 5 (line 6), column 'country': 'XX' is not a declared category ('US', 'GB', 'DE', 'FR', 'BR', 'IN')",
    ],
    [
      "a value that is not a boolean",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => setCell(header, rows, 1, "card_present", "yes")),
        explicit(),
      ],
      "BAD_REQUEST",
      "the sample has 1 invalid value ('card_present': 1): row 1 (line 2), column 'card_present': 'yes' is not a boolean (expected true, false, 1 or 0)",
    ],
    [
      "many bad values, counted per column with the first five quoted",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => {
          rows.forEach((_, index) => setCell(header, rows, index + 1, "amount", "n/a"));
          setCell(header, rows, 4, "country", "XX");
        }),
        previous,
      ],
      "BAD_REQUEST",
      "the sample has 2001 invalid values ('amount': 2000, 'country': 1); the first 5: " +
        [1, 2, 3, 4]
          .map(
            (row) =>
              `row ${row} (line ${row + 1}), column 'amount': 'n/a' is not a number (leave the cell empty for a missing value); `,
          )
          .join("") +
        "row 4 (line 5), column 'country': 'XX' is not a declared category ('US', 'GB', 'DE', 'FR', 'BR', 'IN')",
    ],
    [
      "a bad value after a quoted value spanning lines, pointing at the file line",
      () => [
        FEATURE_SET,
        editedSample((header, rows) => {
          header.push("note");
          rows.forEach((row, index) => row.push(index === 0 ? '"first line\nsecond line"' : ""));
          setCell(header, rows, 2, "country", "XX");
        }),
        explicit(),
      ],
      "BAD_REQUEST",
      /^the sample has 1 invalid value \('country': 1\): row 2 \(line 4\), column 'country': 'XX' is not a declared category/,
    ],
    [
      "an empty file",
      () => [FEATURE_SET, ""],
      "BAD_REQUEST",
      "the CSV file is empty: a header row is required",
    ],
    [
      "blank lines only",
      () => [FEATURE_SET, "\n\n  \n"],
      "BAD_REQUEST",
      "the CSV file is empty: a header row is required",
    ],
    [
      "a header without rows",
      () => [FEATURE_SET, sampleText.split("\n")[0]! + "\n"],
      "BAD_REQUEST",
      "the CSV file has a header but no data rows",
    ],
    [
      "a ragged row",
      () => [FEATURE_SET, editedSample((_header, rows) => void rows[4]!.pop())],
      "BAD_REQUEST",
      "line 6 has 13 fields but the header has 14 columns",
    ],
    [
      "an empty header name",
      () => [FEATURE_SET, "a,,c\n1,2,3\n"],
      "BAD_REQUEST",
      "header column 2 has an empty name",
    ],
    [
      "a repeated header name",
      () => [FEATURE_SET, "a,b,a\n1,2,3\n"],
      "BAD_REQUEST",
      "header column name 'a' appears more than once",
    ],
    [
      "an unclosed quote",
      () => [FEATURE_SET, 'a,b\n1,"2\n3,4\n'],
      "BAD_REQUEST",
      /^the file is not valid CSV: /,
    ],
    [
      "bytes that are not UTF-8",
      () => [
        FEATURE_SET,
        Uint8Array.from([
          ...new TextEncoder().encode("city,amount\nM"),
          0xfc,
          ...new TextEncoder().encode("nchen,3\n"),
        ]),
      ],
      "BAD_REQUEST",
      "the sample is not UTF-8 text; upload a CSV file",
    ],
    [
      "featureSource that is not JSON",
      () => [FEATURE_SET, sample, "{kind:"],
      "BAD_REQUEST",
      /^the 'featureSource' part is not valid JSON: /,
    ],
    [
      "featureSource of an unknown kind",
      () => [FEATURE_SET, sample, '{"kind":"guess"}'],
      "BAD_REQUEST",
      "Kind must be one of infer, previous or explicit.",
    ],
    [
      "explicit features that are empty",
      () => [FEATURE_SET, sample, { kind: "explicit", features: [] }],
      "BAD_REQUEST",
      "A feature set needs at least one feature.",
    ],
    [
      "explicit features with a repeated name",
      () => [FEATURE_SET, sample, { kind: "explicit", features: [manifestFeatures[0], manifestFeatures[0]] }],
      "BAD_REQUEST",
      "Duplicate feature name 'amount'.",
    ],
    [
      "an explicit feature of an unknown dtype",
      () => [FEATURE_SET, sample, { kind: "explicit", features: [{ name: "amount", dtype: "decimal" }] }],
      "BAD_REQUEST",
      /^Dtype must be one of /,
    ],
  ];

  it.each(cases)("%s", async (_label, makeArgs, code, message) => {
    const versionsBefore = await getDb().featureSetVersion.count();
    await expect(createVersion(...makeArgs())).rejects.toMatchObject({
      code,
      message: typeof message === "string" ? message : expect.stringMatching(message),
    });
    expect(await getDb().featureSetVersion.count()).toBe(versionsBefore);
  });

  it("featureSource previous without an earlier version", async () => {
    const versionsBefore = await getDb().featureSetVersion.count();
    await expect(createVersion("churn-features", sample, { kind: "previous" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "feature set 'churn-features' has no earlier version to take the features from",
    });
    expect(await getDb().featureSetVersion.count()).toBe(versionsBefore);
  });

  it("an upload without a file or a feature set name", async () => {
    const versionsBefore = await getDb().featureSetVersion.count();
    await expect(
      api.featureSet.createVersion(uploadForm({ featureSetName: FEATURE_SET })),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "the upload has no 'file' file part" });
    await expect(
      api.featureSet.createVersion(uploadForm({ featureSetName: FEATURE_SET, file: "amount\n1\n" })),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "the upload has no 'file' file part" });
    await expect(api.featureSet.createVersion(uploadForm({ file: sample }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "the upload has no 'featureSetName' part",
    });
    await expect(
      api.featureSet.createVersion(uploadForm({ featureSetName: "", file: sample })),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "the upload has no 'featureSetName' part" });
    expect(await getDb().featureSetVersion.count()).toBe(versionsBefore);
  });

  it("left card-fraud at four versions", async () => {
    expect(
      (await api.featureSet.byName({ name: FEATURE_SET })).versions.map((version) => version.number),
    ).toEqual([4, 3, 2, 1]);
  });

  it("reach the client without team ids or row ids", async () => {
    await expectNoInternals(
      await api.featureSet.list(),
      await api.featureSet.byName({ name: FEATURE_SET }),
      await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 }),
      await api.featureSet.create({ name: "leak-check" }),
      await createVersion("leak-check", "a,b\n1,2\n"),
    );
  });
});

describe("linking model versions to feature set versions", () => {
  let fraudV1: Uint8Array;
  let fraudV2: Uint8Array;

  beforeAll(async () => {
    fraudV1 = await readDemoFile("fraud-v1.onnx");
    fraudV2 = await readDemoFile("fraud-v2.onnx");
    await api.model.create({ name: "card-fraud", task: "binary-classification" });
    await api.model.create({ name: "odd" });
    await api.featureSet.create({ name: "four-wide" });
    await createVersion("four-wide", "a,b,c,d\n1,2,3,4\n5,6,7,8\n");
  });

  function upload(modelName: string, file: Uint8Array, metadata?: unknown) {
    return api.modelVersion.upload(
      uploadForm({
        modelName,
        file,
        ...(metadata === undefined ? {} : { metadata: JSON.stringify(metadata) }),
      }),
    );
  }

  it("links a model whose input width matches the feature count", async () => {
    expect((await upload("card-fraud", fraudV1)).number).toBe(1);
    expect((await api.modelVersion.byNumber({ modelName: "card-fraud", number: 1 })).featureSet).toBeNull();
    const linked = await api.modelVersion.linkFeatureSet({
      modelName: "card-fraud",
      number: 1,
      featureSet: { name: FEATURE_SET, version: 1 },
    });
    expect(linked.featureSet).toEqual({ name: FEATURE_SET, version: 1 });
    expect((await api.modelVersion.byNumber({ modelName: "card-fraud", number: 1 })).featureSet).toEqual({
      name: FEATURE_SET,
      version: 1,
    });
    expect(
      (await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 })).linkedModelVersions,
    ).toEqual([{ modelName: "card-fraud", number: 1 }]);
    expect(
      (await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 2 })).linkedModelVersions,
    ).toEqual([]);
    const versions = (await api.featureSet.byName({ name: FEATURE_SET })).versions;
    expect(versions.map((version) => [version.number, version.linkedModelVersionCount])).toEqual([
      [4, 0],
      [3, 0],
      [2, 0],
      [1, 1],
    ]);
  });

  it("refuses a model whose input width does not match, naming both, and keeps the existing link", async () => {
    expect((await upload("odd", fixedBatchOneModel())).number).toBe(1);
    const linked = await api.modelVersion.linkFeatureSet({
      modelName: "odd",
      number: 1,
      featureSet: { name: "four-wide", version: 1 },
    });
    expect(linked.featureSet).toEqual({ name: "four-wide", version: 1 });
    await expect(
      api.modelVersion.linkFeatureSet({
        modelName: "odd",
        number: 1,
        featureSet: { name: FEATURE_SET, version: 1 },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message:
        "cannot link feature set 'card-fraud' v1 to odd v1: model input 'x' has shape [1, 4] (4 values per row) " +
        "but the feature set has 14 features (24 values with its categorical features one-hot encoded)",
    });
    expect((await api.modelVersion.byNumber({ modelName: "odd", number: 1 })).featureSet).toEqual({
      name: "four-wide",
      version: 1,
    });
    expect(
      (await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 })).linkedModelVersions,
    ).toEqual([{ modelName: "card-fraud", number: 1 }]);
  });

  it("unlinks with null", async () => {
    const unlinked = await api.modelVersion.linkFeatureSet({ modelName: "odd", number: 1, featureSet: null });
    expect(unlinked.featureSet).toBeNull();
    expect((await api.modelVersion.byNumber({ modelName: "odd", number: 1 })).featureSet).toBeNull();
    expect(
      (await api.featureSet.versionByNumber({ name: "four-wide", number: 1 })).linkedModelVersions,
    ).toEqual([]);
    // Unlinking an unlinked version is a no-op.
    expect(
      (await api.modelVersion.linkFeatureSet({ modelName: "odd", number: 1, featureSet: null })).featureSet,
    ).toBeNull();
  });

  it("links at upload through metadata.featureSet", async () => {
    const created = await upload("card-fraud", fraudV2, { featureSet: { name: FEATURE_SET, version: 3 } });
    expect(created.number).toBe(2);
    expect((await api.modelVersion.byNumber({ modelName: "card-fraud", number: 2 })).featureSet).toEqual({
      name: FEATURE_SET,
      version: 3,
    });
    expect(
      (await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 3 })).linkedModelVersions,
    ).toEqual([{ modelName: "card-fraud", number: 2 }]);
  });

  it("refuses an upload whose metadata.featureSet does not fit, writing no version and no file", async () => {
    const versionsBefore = await getDb().modelVersion.count();
    const filesBefore = await storedArtifactFiles();
    await expect(
      upload("odd", twoInputModel(), { featureSet: { name: FEATURE_SET, version: 1 } }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message:
        "cannot link feature set 'card-fraud' v1: model inputs 'a' [batch, 3], 'b' [batch, 2] take 5 values per row " +
        "but the feature set has 14 features (24 values with its categorical features one-hot encoded)",
    });
    await expect(
      upload("odd", twoInputModel(), { featureSet: { name: "ghost", version: 1 } }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'ghost' has no version 1",
    });
    await expect(
      upload("odd", twoInputModel(), { featureSet: { name: FEATURE_SET, version: 99 } }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'card-fraud' has no version 99",
    });
    expect(await getDb().modelVersion.count()).toBe(versionsBefore);
    expect(await storedArtifactFiles()).toEqual(filesBefore);
  });

  it("answers NOT_FOUND for an unknown feature set, feature set version or model version", async () => {
    const link = (featureSet: { name: string; version: number }, number = 1) =>
      api.modelVersion.linkFeatureSet({ modelName: "card-fraud", number, featureSet });
    await expect(link({ name: FEATURE_SET, version: 99 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'card-fraud' has no version 99",
    });
    await expect(link({ name: "ghost", version: 1 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'ghost' has no version 1",
    });
    await expect(link({ name: FEATURE_SET, version: 1 }, 9)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "model 'card-fraud' has no version 9",
    });
    await expect(link({ name: FEATURE_SET, version: 0 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Version must be /),
    });
    expect((await api.modelVersion.byNumber({ modelName: "card-fraud", number: 1 })).featureSet).toEqual({
      name: FEATURE_SET,
      version: 1,
    });
  });

  it("does not reach another team's feature sets", async () => {
    const other = callerFor("other-team");
    await other.model.create({ name: "card-fraud" });
    await other.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: fraudV1 }));
    // other-team has its own, empty 'card-fraud' feature set: the default team's versions stay out of reach.
    await expect(
      other.modelVersion.linkFeatureSet({
        modelName: "card-fraud",
        number: 1,
        featureSet: { name: FEATURE_SET, version: 1 },
      }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "feature set 'card-fraud' has no version 1",
    });
    await expect(
      other.modelVersion.linkFeatureSet({
        modelName: "card-fraud",
        number: 1,
        featureSet: { name: "four-wide", version: 1 },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(
      (await api.featureSet.versionByNumber({ name: FEATURE_SET, number: 1 })).linkedModelVersions,
    ).toEqual([{ modelName: "card-fraud", number: 1 }]);
  });
});
