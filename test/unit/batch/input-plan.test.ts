import { describe, expect, it } from "vitest";
import { encodeRow, planInputs } from "@/server/domain/batch/input-plan";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import type { Signature } from "@/server/domain/signature";

const signature: Signature = {
  inputs: [{ name: "features", elementType: "float32", shape: ["batch", 3] }],
  outputs: [{ name: "probability", elementType: "float32", shape: ["batch", 2] }],
};
const features: Feature[] = [
  { name: "amount", dtype: "float", min: null, max: null },
  { name: "country", dtype: "category", categories: ["US", "GB"] },
  { name: "present", dtype: "bool" },
];

describe("the input plan of a batch job", () => {
  it("fills the one input from the feature set's features, wherever they are in the file", () => {
    const plan = planInputs({
      signature,
      columns: ["id", "present", "country", "amount"],
      mapping: null,
      features,
    });
    expect(plan[0]!.columns.map((column) => column.index)).toEqual([3, 2, 1]);
    const cells = ["7", "true", "GB", "12.5"];
    expect(encodeRow(plan, (index) => cells[index])).toEqual({ ok: true, values: [[12.5, 1, 1]] });
  });

  it("names the column and the value of a row that cannot be scored", () => {
    const plan = planInputs({
      signature,
      columns: ["amount", "country", "present"],
      mapping: null,
      features,
    });
    const at = (cells: unknown[]) => encodeRow(plan, (index) => cells[index]);
    expect(at(["abc", "US", "1"])).toEqual({ ok: false, reason: "column 'amount': 'abc' is not a number" });
    expect(at(["1", "FR", "1"])).toEqual({
      ok: false,
      reason: "column 'country': 'FR' is not one of its categories (US, GB)",
    });
    expect(at([1, "US", null])).toEqual({ ok: false, reason: "column 'present' is empty" });
    expect(at([1, "US", true])).toEqual({ ok: true, values: [[1, 0, 1]] });
  });

  it("refuses a mapping that names a column the file lacks, an unknown input, or the wrong width", () => {
    const columns = ["a", "b", "c"];
    expect(() =>
      planInputs({ signature, columns, mapping: { features: ["a", "b", "x"] }, features: null }),
    ).toThrow(
      "the file has no column 'x', which the mapping names for input 'features' (float32 [batch, 3]); its columns are 'a', 'b', 'c'",
    );
    expect(() => planInputs({ signature, columns, mapping: { other: ["a"] }, features: null })).toThrow(
      "the mapping names 'other', which the model does not take; its inputs are 'features'",
    );
    expect(() => planInputs({ signature, columns: ["a", "b"], mapping: null, features: null })).toThrow(
      "input 'features' (float32 [batch, 3]) takes 3 columns; the mapping gives 2",
    );
  });

  it("refuses integer inputs a fraction, and inputs that are not 2-D numbers", () => {
    const ints: Signature = {
      ...signature,
      inputs: [{ name: "ids", elementType: "int64", shape: [null, 1] }],
    };
    const plan = planInputs({ signature: ints, columns: ["n"], mapping: null, features: null });
    expect(encodeRow(plan, () => "1.5")).toEqual({
      ok: false,
      reason: "column 'n': 1.5 is not an integer (input 'ids')",
    });
    const text: Signature = {
      ...signature,
      inputs: [{ name: "text", elementType: "string", shape: [null] }],
    };
    expect(() => planInputs({ signature: text, columns: ["t"], mapping: null, features: null })).toThrow(
      "input 'text' (string [?]) is not a 2-D numeric tensor",
    );
  });
});
