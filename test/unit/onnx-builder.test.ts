import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { OnnxGraphBuilder, attr, floatTensor } from "@/server/onnx/onnx-builder";

const { ModelProto } = onnxProto.onnx;

describe("OnnxGraphBuilder", () => {
  it("writes producer, IR version and only the opsets in use", () => {
    const g = new OnnxGraphBuilder("identity");
    g.op("Identity", [g.input("x", "float32", ["batch"])], {}, "y");
    g.output("y", "float32", ["batch"]);
    const model = ModelProto.decode(g.toBytes({ producerVersion: "1.2.3" }));
    expect(model.producerName).toBe("mlops-console");
    expect(model.producerVersion).toBe("1.2.3");
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map(({ domain, version }) => [domain, Number(version)])).toEqual([["", 17]]);
    expect(model.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0]?.dimParam).toBe("batch");
  });

  it("encodes every attribute kind so onnxruntime reads it", async () => {
    const g = new OnnxGraphBuilder("attributes");
    const x = g.input("x", "float32", [2, 2]);
    const shift = g.op("Constant", [], { value: attr.tensor(floatTensor([2, 2], [1, 2, 3, 4])) });
    const scale = g.op("Constant", [], { value_floats: attr.floats([10, 100]) });
    const transposed = g.op("Transpose", [g.op("Add", [x, shift])], { perm: attr.ints([1, 0]) });
    g.op("LeakyRelu", [g.op("Mul", [transposed, scale])], { alpha: attr.float(0.5) }, "y");
    g.op("Constant", [], { value_string: attr.string("hello") }, "greeting");
    g.op("Constant", [], { value_strings: attr.strings(["a", "b"]) }, "letters");
    g.output("y", "float32", [2, 2]);
    g.output("greeting", "string", []);
    g.output("letters", "string", [2]);
    const session = await ort.InferenceSession.create(g.toBytes({ producerVersion: "test" }));
    const { y, greeting, letters } = await session.run({
      x: new ort.Tensor("float32", Float32Array.of(-5, 0, 0, 0), [2, 2]),
    });
    // x + shift = [[-4, 2], [3, 4]]; transposed [[-4, 3], [2, 4]]; scaled per column [[-40, 300], [20, 400]].
    expect(Array.from(y!.data as Float32Array)).toEqual([-20, 300, 20, 400]);
    expect(greeting!.data).toEqual(["hello"]);
    expect(letters!.data).toEqual(["a", "b"]);
  });
});
