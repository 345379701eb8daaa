import { OnnxGraphBuilder, attr, floatTensor, int64Tensor } from "@/server/onnx/onnx-builder";
import type { BinaryModel } from "./train";

function identityMatrix(size: number): number[] {
  return Array.from({ length: size * size }, (_, k) => (Math.floor(k / size) === k % size ? 1 : 0));
}

/**
 * The whole scoring path in one graph, so a caller sends raw feature rows: input "features"
 * float32 [batch, columns] (categories as indexes, booleans as 0/1); outputs "probability"
 * float32 [batch, 1] and "label" int64 [batch] (probability >= the model's threshold).
 */
export function buildFraudModelGraph(
  model: BinaryModel,
  options: { name: string; columnCount: number; producerVersion: string; docString: string },
): Uint8Array {
  const g = new OnnxGraphBuilder(options.name);
  const { numericColumns, mean, std, categoricalColumns } = model.preprocessing;
  const features = g.input("features", "float32", ["batch", options.columnCount]);

  const numeric = g.op(
    "Gather",
    [features, g.initializer("numeric_columns", int64Tensor([numericColumns.length], numericColumns))],
    { axis: attr.int(1) },
  );
  const centered = g.op("Sub", [numeric, g.initializer("mean", floatTensor([mean.length], mean))]);
  const parts = [g.op("Div", [centered, g.initializer("std", floatTensor([std.length], std))])];

  for (const { column, size } of categoricalColumns) {
    // A scalar index drops the column axis: [batch] of category indexes.
    const value = g.op("Gather", [features, g.initializer(`column_${column}`, int64Tensor([], [column]))], {
      axis: attr.int(1),
    });
    // Clamped so an out-of-range index scores as a known category instead of failing the batch.
    const bounds = [
      g.initializer(`column_${column}_min`, floatTensor([], [0])),
      g.initializer(`column_${column}_max`, floatTensor([], [size - 1])),
    ];
    const index = g.op("Cast", [g.op("Clip", [value, ...bounds])], { to: attr.elementType("int64") });
    const identity = g.initializer(`one_hot_${column}`, floatTensor([size, size], identityMatrix(size)));
    parts.push(g.op("Gather", [identity, index], { axis: attr.int(0) }));
  }

  let hidden = g.op("Concat", parts, { axis: attr.int(1) });
  model.layers.forEach((layer, l) => {
    const weights = g.initializer(
      `layer_${l}_weights`,
      floatTensor([layer.inputSize, layer.outputSize], layer.weights),
    );
    const bias = g.initializer(`layer_${l}_bias`, floatTensor([layer.outputSize], layer.bias));
    const z = g.op("Add", [g.op("MatMul", [hidden, weights]), bias]);
    const activation = layer.activation === "relu" ? "Relu" : "Sigmoid";
    hidden = g.op(activation, [z], {}, l === model.layers.length - 1 ? "probability" : undefined);
  });

  const positive = g.op("GreaterOrEqual", [
    hidden,
    g.initializer("threshold", floatTensor([], [model.threshold])),
  ]);
  const label = g.op("Cast", [positive], { to: attr.elementType("int64") });
  g.op("Squeeze", [label, g.initializer("label_axes", int64Tensor([1], [1]))], {}, "label");

  g.output("probability", "float32", ["batch", 1]);
  g.output("label", "int64", ["batch"]);
  return g.toBytes({ producerVersion: options.producerVersion, docString: options.docString });
}
