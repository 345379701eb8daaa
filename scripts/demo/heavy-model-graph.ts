import { OnnxGraphBuilder, floatTensor } from "@/server/onnx/onnx-builder";
import { createPrng } from "@/server/domain/prng";

/** About 21M parameters: a few milliseconds per batch-1 run on one CPU core, enough to load a server. */
export const HEAVY_LAYER_SIZES = [512, 4096, 4096, 512, 10] as const;

export function heavyParameterCount(): number {
  const sizes = HEAVY_LAYER_SIZES;
  return sizes.slice(1).reduce((count, size, l) => count + ((sizes[l] as number) + 1) * size, 0);
}

/**
 * A benchmark MLP with seeded random weights (input "input" float32 [batch, 512], output
 * "logits" float32 [batch, 10]). Its outputs mean nothing; its cost is the point.
 */
export function buildHeavyModelGraph(options: {
  seed: number;
  producerVersion: string;
  docString: string;
}): Uint8Array {
  const sizes = HEAVY_LAYER_SIZES;
  const prng = createPrng(options.seed);
  const g = new OnnxGraphBuilder("heavy-mlp");
  let hidden = g.input("input", "float32", ["batch", sizes[0] as number]);
  const layerCount = sizes.length - 1;
  for (let l = 0; l < layerCount; l++) {
    const inputSize = sizes[l] as number;
    const outputSize = sizes[l + 1] as number;
    // He-uniform keeps activations in range through the ReLU stack; uniform draws are the cheap ones.
    const limit = Math.sqrt(6 / inputSize);
    const weights = new Float32Array(inputSize * outputSize);
    for (let k = 0; k < weights.length; k++) weights[k] = prng.uniform(-limit, limit);
    const bias = new Float32Array(outputSize);
    const product = g.op("MatMul", [
      hidden,
      g.initializer(`layer_${l}_weights`, floatTensor([inputSize, outputSize], weights)),
    ]);
    const isLast = l === layerCount - 1;
    const z = g.op(
      "Add",
      [product, g.initializer(`layer_${l}_bias`, floatTensor([outputSize], bias))],
      {},
      isLast ? "logits" : undefined,
    );
    hidden = isLast ? z : g.op("Relu", [z]);
  }
  g.output("logits", "float32", ["batch", sizes[layerCount] as number]);
  return g.toBytes({ producerVersion: options.producerVersion, docString: options.docString });
}
