import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { GoldenSetScorer } from "@/server/domain/evaluation/golden-set-scorer";
import type { GoldenExpected, GoldenRow, GoldenSetTask } from "@/server/domain/evaluation/golden-set-spec";
import { readGoldenSet, type GoldenSetSpec } from "@/server/domain/evaluation/read-golden-set";
import type { Signature } from "@/server/domain/signature";

const signature: Signature = {
  inputs: [{ name: "features", elementType: "float32", shape: ["batch", 3] }],
  outputs: [
    { name: "probability", elementType: "float32", shape: ["batch", 1] },
    { name: "label", elementType: "int64", shape: ["batch"] },
  ],
};
const features: Feature[] = [
  { name: "amount", dtype: "float", min: 0, max: null },
  { name: "channel", dtype: "category", categories: ["web", "store"] },
  { name: "card_present", dtype: "bool" },
];
const classifier: GoldenSetTask = {
  kind: "binary-classification",
  probabilityOutput: "probability",
  labelOutput: "label",
};
const csvSpec: GoldenSetSpec = {
  format: "csv",
  task: classifier,
  csvEncoding: { labelColumn: "is_fraud", features },
};
const jsonlSpec: GoldenSetSpec = { format: "jsonl", task: classifier, csvEncoding: null };

async function* chunksOf(content: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}
const read = (text: string, spec: GoldenSetSpec) => readGoldenSet(chunksOf(text), spec, signature);

describe("reading a golden set", () => {
  it("encodes CSV rows in the features' order, whatever the column order, categories as index", async () => {
    const rows = await read("is_fraud,channel,amount,card_present\n1,store,12.5,true\n0,web,3,0\n", csvSpec);
    expect(rows).toEqual([
      {
        where: "line 2",
        inputs: [{ name: "features", datatype: "FP32", shape: [1, 3], data: [12.5, 1, 1] }],
        expected: { kind: "label", label: 1 },
      },
      {
        where: "line 3",
        inputs: [{ name: "features", datatype: "FP32", shape: [1, 3], data: [3, 0, 0] }],
        expected: { kind: "label", label: 0 },
      },
    ]);
  });

  it("reads every other column as a number, in the file's order, when no feature set declares them", async () => {
    const spec: GoldenSetSpec = { ...csvSpec, csvEncoding: { labelColumn: "is_fraud", features: null } };
    const rows = await read("a,is_fraud,b,c\n1.5,0,2,-3\n", spec);
    expect(rows[0]!.inputs[0]!.data).toEqual([1.5, 2, -3]);
    await expect(read("a,is_fraud,b,c\n1.5,0,web,-3\n", spec)).rejects.toThrow(
      "line 2, column 'b': 'web' is not a number",
    );
  });

  it("refuses a bad CSV row naming its line, column and problem", async () => {
    const header = "amount,channel,card_present,is_fraud\n";
    await expect(read(`${header}1,web,true,1\n2,phone,true,0\n`, csvSpec)).rejects.toThrow(
      "line 3, column 'channel': 'phone' is not one of its categories (web, store)",
    );
    await expect(read(`${header}abc,web,true,1\n`, csvSpec)).rejects.toThrow(
      "line 2, column 'amount': 'abc' is not a number",
    );
    await expect(read(`${header}1,web,true,maybe\n`, csvSpec)).rejects.toThrow(
      "line 2, column 'is_fraud': 'maybe' is not a label (1, 0, true or false)",
    );
    await expect(read(`${header}1,web,true\n`, csvSpec)).rejects.toThrow(
      "line 2 has 3 fields but the header has 4 columns",
    );
    await expect(read("amount,channel,is_fraud\n1,web,1\n", csvSpec)).rejects.toThrow(
      "the CSV header lacks the feature columns 'card_present'",
    );
    await expect(read("amount,channel,card_present,label\n1,web,1,1\n", csvSpec)).rejects.toThrow(
      "the CSV header has no label column 'is_fraud'",
    );
  });

  it("refuses CSV for a model whose input is not one 2-D float tensor of the features' width", async () => {
    const wide: Signature = {
      ...signature,
      inputs: [{ name: "x", elementType: "float32", shape: ["b", 4] }],
    };
    await expect(
      readGoldenSet(chunksOf("amount,channel,card_present,is_fraud\n1,web,1,1\n"), csvSpec, wide),
    ).rejects.toThrow(
      /needs a model with one 2-D float input of 3 columns; this model's inputs are 'x' float32 \[b, 4\]/,
    );
  });

  it("reads JSONL lines of V2 tensors with their expectation, skipping blank lines", async () => {
    const line = (label: number) =>
      JSON.stringify({
        inputs: [{ name: "features", datatype: "FP32", shape: [1, 3], data: [[1, 0, 1]] }],
        expected: { label },
      });
    const rows = await read(`${line(1)}\n\n${line(0)}`, jsonlSpec);
    expect(rows.map((row) => [row.where, row.expected, row.inputs[0]!.data])).toEqual([
      ["line 1", { kind: "label", label: 1 }, [1, 0, 1]],
      ["line 3", { kind: "label", label: 0 }, [1, 0, 1]],
    ]);
  });

  it("refuses a bad JSONL line naming the line and the problem", async () => {
    const good =
      '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]}],"expected":{"label":1}}';
    await expect(read(`${good}\n{"inputs": [`, jsonlSpec)).rejects.toThrow(/^line 2 is not valid JSON/);
    await expect(read(`${good}\n${good.replace('"label":1', '"label":2')}`, jsonlSpec)).rejects.toThrow(
      /^line 2: expected\.label: /,
    );
    await expect(read(good.replace("[1,3]", "[1,4]"), jsonlSpec)).rejects.toThrow(
      /^line 1: input 'features': shape \[1, 4\] does not match the model's \[batch, 3\]/,
    );
    await expect(
      read(good.replace('"shape":[1,3],"data":[1,2,3]', '"shape":[2,3],"data":[1,2,3,4,5,6]'), jsonlSpec),
    ).rejects.toThrow("line 1: has more than one row; give one example per line");
    await expect(read('{"expected":{"label":1}}', jsonlSpec)).rejects.toThrow(/^line 1 must be \{"inputs"/);
    await expect(read("\n\n", jsonlSpec)).rejects.toThrow("the golden set has no rows");
  });

  it("reads Parquet columns by name, with the CSV encoding, and names the row of a bad value", async () => {
    const spec: GoldenSetSpec = { ...csvSpec, format: "parquet" };
    const parquet = (channels: (string | null)[]) =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "is_fraud", data: channels.map(() => 1n), type: "INT64" },
            { name: "card_present", data: channels.map(() => true), type: "BOOLEAN" },
            { name: "channel", data: channels, type: "STRING" },
            { name: "amount", data: channels.map((_, i) => i + 0.5), type: "DOUBLE" },
          ],
        }),
      );
    const readBytes = (bytes: Uint8Array) => readGoldenSet(chunksOf(bytes, 100), spec, signature);
    const rows = await readBytes(parquet(["web", "store"]));
    expect(rows.map((row) => [row.where, row.inputs[0]!.data, row.expected])).toEqual([
      ["row 1", [0.5, 0, 1], { kind: "label", label: 1 }],
      ["row 2", [1.5, 1, 1], { kind: "label", label: 1 }],
    ]);
    await expect(readBytes(parquet(["web", null]))).rejects.toThrow(
      "row 2, column 'channel' is empty; a golden set has no missing values",
    );
    await expect(readBytes(new TextEncoder().encode("amount,is_fraud\n1,0\n"))).rejects.toThrow(
      /^the file is not a Parquet file hyparquet can read/,
    );
  });

  it("refuses a task naming an output the model does not have", async () => {
    const task: GoldenSetTask = { kind: "regression", output: "score" };
    await expect(read("", { format: "jsonl", task, csvEncoding: null })).rejects.toThrow(
      "the model has no output 'score'; its outputs are 'probability', 'label'",
    );
  });
});

describe("scoring a golden set", () => {
  const row = (line: number, expected: GoldenExpected): GoldenRow => ({
    where: `line ${line}`,
    inputs: [],
    expected,
  });

  it("computes accuracy from the label output and AUC, log loss from the probability", () => {
    const scorer = new GoldenSetScorer(classifier);
    const answers = [
      [0.1, 0, 0],
      [0.4, 1, 0],
      [0.35, 0, 1],
      [0.8, 1, 1],
    ] as const;
    answers.forEach(([probability, label, truth], index) =>
      scorer.add(row(index + 1, { kind: "label", label: truth as 0 | 1 }), [
        { name: "probability", datatype: "FP32", shape: [1, 1], data: [probability] },
        { name: "label", datatype: "INT64", shape: [1], data: [label] },
      ]),
    );
    const metrics = scorer.metrics();
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.roc_auc).toBeCloseTo(0.75, 12);
    expect(metrics.log_loss).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4,
      12,
    );
  });

  it("stores roc_auc as null on a set with one class, and names the line of an unreadable answer", () => {
    const scorer = new GoldenSetScorer({ kind: "binary-classification", probabilityOutput: "p" });
    scorer.add(row(1, { kind: "label", label: 1 }), [
      { name: "p", datatype: "FP32", shape: [1, 2], data: [0.3, 0.7] },
    ]);
    expect(scorer.metrics()).toEqual({ accuracy: 1, roc_auc: null, log_loss: -Math.log(0.7) });
    expect(() => scorer.add(row(9, { kind: "label", label: 1 }), [])).toThrow(
      "line 9: the model returned no output 'p'",
    );
  });

  it("computes MAE and RMSE for regression, max_abs_diff for exact sets", () => {
    const regression = new GoldenSetScorer({ kind: "regression", output: "y" });
    const answers: [predicted: number, expected: number][] = [
      [1, 1],
      [2, 3],
      [3, 5],
    ];
    answers.forEach(([predicted, value], index) =>
      regression.add(row(index + 1, { kind: "value", value }), [
        { name: "y", datatype: "FP32", shape: [1, 1], data: [predicted] },
      ]),
    );
    expect(regression.metrics()).toEqual({ mae: 1, rmse: Math.sqrt(5 / 3) });

    const exact = new GoldenSetScorer({ kind: "exact" });
    const reference = { name: "y", datatype: "FP32" as const, shape: [1, 2], data: [1, 2] };
    exact.add(row(1, { kind: "outputs", outputs: [reference] }), [{ ...reference, data: [1.25, 2] }]);
    exact.add(row(2, { kind: "outputs", outputs: [reference] }), [{ ...reference, data: [1, 1.5] }]);
    expect(exact.metrics()).toEqual({ max_abs_diff: 0.5 });
    expect(() =>
      exact.add(row(3, { kind: "outputs", outputs: [reference] }), [{ ...reference, shape: [2, 1] }]),
    ).toThrow("line 3: output 'y' has shape [2, 1], expected [1, 2]");
  });
});
