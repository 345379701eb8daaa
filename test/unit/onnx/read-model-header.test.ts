import { describe, expect, it } from "vitest";
import { OnnxGraphBuilder, attr } from "@/server/onnx/onnx-builder";
import { readModelHeader } from "@/server/onnx/read-model-header";
import {
  externalConstantModel,
  externalInitializerModel,
  externalInSubgraphModel,
} from "@/test/fixtures/external-data-models";
import {
  boolInputModel,
  fixedBatchOneModel,
  int64InputModel,
  multiOutputModel,
  stringInputModel,
  twoInputModel,
} from "@/test/fixtures/odd-models";

describe("readModelHeader", () => {
  it("reads the header of a model and finds no external data in models that carry their weights", () => {
    const header = readModelHeader(fixedBatchOneModel());
    expect(header).toMatchObject({
      irVersion: 8,
      producerName: "mlops-console",
      producerVersion: "test-fixtures",
      hasGraph: true,
      externalData: [],
    });
    expect(header.opsetImports).toEqual([{ domain: "", version: 17 }]);
    for (const model of [
      twoInputModel(),
      int64InputModel(),
      boolInputModel(),
      stringInputModel(),
      multiOutputModel(),
    ])
      expect(readModelHeader(model).externalData).toEqual([]);
  });

  it("finds an initializer, a node attribute and a subgraph tensor stored in external files", () => {
    expect(readModelHeader(externalInitializerModel("package.json")).externalData).toEqual([
      { tensor: "weights", location: "package.json" },
    ]);
    expect(readModelHeader(externalConstantModel("../../etc/hostname")).externalData).toEqual([
      { tensor: "c", location: "../../etc/hostname" },
    ]);
    expect(readModelHeader(externalInSubgraphModel("/etc/hostname")).externalData).toEqual([
      { tensor: "deep", location: "/etc/hostname" },
    ]);
  });

  it("refuses subgraphs nested deeper than any real model", () => {
    // Only the then-branch nests, so the file grows with the depth, not twice per level.
    const leaf = new OnnxGraphBuilder("leaf").toGraph();
    let inner = new OnnxGraphBuilder("level-0");
    for (let level = 1; level <= 70; level++) {
      const outer = new OnnxGraphBuilder(`level-${level}`);
      const flag = outer.input("flag", "bool", []);
      outer.op("If", [flag], { then_branch: attr.graph(inner.toGraph()), else_branch: attr.graph(leaf) });
      inner = outer;
    }
    expect(() => readModelHeader(inner.toBytes({ producerVersion: "deep" }))).toThrow(
      /nested more than 64 deep/,
    );
  });
});
