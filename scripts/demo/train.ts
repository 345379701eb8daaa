import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { bestF1Threshold } from "./binary-metrics";
import { createPrng, type Prng } from "@/server/domain/prng";

/**
 * What the model does before its first layer, fitted on the training set: numeric and boolean
 * columns standardized, categorical columns (given as category indexes) one-hot encoded.
 * The design row is [standardized numeric columns..., one-hot of each categorical column...].
 */
interface Preprocessing {
  numericColumns: number[];
  mean: number[];
  std: number[];
  categoricalColumns: { column: number; size: number }[];
}

/** Row-major weights: weights[i * outputSize + j] links input i to output j. */
interface DenseLayer {
  inputSize: number;
  outputSize: number;
  weights: Float64Array;
  bias: Float64Array;
  activation: "relu" | "sigmoid";
}

export interface BinaryModel {
  preprocessing: Preprocessing;
  /** Hidden layers use ReLU; the last layer is one sigmoid unit. No hidden layer = logistic regression. */
  layers: DenseLayer[];
  /** Probability at or above which the model says "positive". */
  threshold: number;
}

export interface TrainOptions {
  hiddenUnits: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  seed: number;
}

function fitPreprocessing(inputs: readonly Float32Array[], features: readonly Feature[]): Preprocessing {
  const numericColumns: number[] = [];
  const categoricalColumns: Preprocessing["categoricalColumns"] = [];
  features.forEach((feature, column) => {
    if (feature.dtype === "category") categoricalColumns.push({ column, size: feature.categories.length });
    else numericColumns.push(column);
  });
  const mean = numericColumns.map(
    (column) => inputs.reduce((sum, row) => sum + (row[column] as number), 0) / inputs.length,
  );
  const std = numericColumns.map((column, k) => {
    const variance =
      inputs.reduce((sum, row) => sum + ((row[column] as number) - (mean[k] as number)) ** 2, 0) /
      inputs.length;
    // A constant column would divide by zero; leaving it unscaled is harmless.
    return Math.sqrt(variance) || 1;
  });
  return { numericColumns, mean, std, categoricalColumns };
}

function designWidth(preprocessing: Preprocessing): number {
  return (
    preprocessing.numericColumns.length +
    preprocessing.categoricalColumns.reduce((sum, { size }) => sum + size, 0)
  );
}

function designRow(preprocessing: Preprocessing, input: Float32Array): Float64Array {
  const row = new Float64Array(designWidth(preprocessing));
  const { numericColumns, mean, std } = preprocessing;
  numericColumns.forEach((column, k) => {
    row[k] = ((input[column] as number) - (mean[k] as number)) / (std[k] as number);
  });
  let offset = numericColumns.length;
  for (const { column, size } of preprocessing.categoricalColumns) {
    // Same clamping as the ONNX graph, so an unknown index scores identically in both.
    const index = Math.min(size - 1, Math.max(0, Math.trunc(input[column] as number)));
    row[offset + index] = 1;
    offset += size;
  }
  return row;
}

function createLayer(
  inputSize: number,
  outputSize: number,
  activation: DenseLayer["activation"],
  prng: Prng,
): DenseLayer {
  const scale = Math.sqrt(2 / inputSize); // He initialization, suited to ReLU
  const weights = Float64Array.from({ length: inputSize * outputSize }, () => prng.normal(0, scale));
  return { inputSize, outputSize, weights, bias: new Float64Array(outputSize), activation };
}

/** Activations of every layer, input first. */
function forward(layers: readonly DenseLayer[], input: Float64Array): Float64Array[] {
  const activations = [input];
  for (const layer of layers) {
    const previous = activations[activations.length - 1] as Float64Array;
    const output = Float64Array.from(layer.bias);
    for (let i = 0; i < layer.inputSize; i++) {
      const value = previous[i] as number;
      if (value === 0) continue; // one-hot and ReLU outputs are mostly zeros
      for (let j = 0; j < layer.outputSize; j++)
        output[j] = (output[j] as number) + value * (layer.weights[i * layer.outputSize + j] as number);
    }
    for (let j = 0; j < layer.outputSize; j++) {
      const z = output[j] as number;
      output[j] = layer.activation === "relu" ? Math.max(0, z) : 1 / (1 + Math.exp(-z));
    }
    activations.push(output);
  }
  return activations;
}

export function predictProbability(model: BinaryModel, input: Float32Array): number {
  const activations = forward(model.layers, designRow(model.preprocessing, input));
  return (activations[activations.length - 1] as Float64Array)[0] as number;
}

/** Adam over one flat parameter array, so weights and biases share one update rule. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  update(params: Float64Array, grads: Float64Array, offset: number, beta1 = 0.9, beta2 = 0.999): void {
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] as number;
      const k = offset + i;
      this.m[k] = beta1 * (this.m[k] as number) + (1 - beta1) * g;
      this.v[k] = beta2 * (this.v[k] as number) + (1 - beta2) * g * g;
      const mHat = (this.m[k] as number) / (1 - beta1 ** this.step);
      const vHat = (this.v[k] as number) / (1 - beta2 ** this.step);
      params[i] = (params[i] as number) - (this.learningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
  }

  nextStep(): void {
    this.step++;
  }
}

/** Adds the gradient of the log loss of one example to the layers' gradient buffers. */
function backpropagate(
  layers: readonly DenseLayer[],
  activations: Float64Array[],
  label: number,
  gradW: Float64Array[],
  gradB: Float64Array[],
): void {
  // For a sigmoid output under log loss, d(loss)/dz is simply p - y.
  let delta = Float64Array.of(((activations[layers.length] as Float64Array)[0] as number) - label);
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l] as DenseLayer;
    const input = activations[l] as Float64Array;
    const gw = gradW[l] as Float64Array;
    const gb = gradB[l] as Float64Array;
    const previousDelta = new Float64Array(layer.inputSize);
    for (let i = 0; i < layer.inputSize; i++) {
      const value = input[i] as number;
      // A zero input (inactive ReLU or one-hot off) adds nothing and passes no gradient back.
      if (value === 0) continue;
      let sum = 0;
      for (let j = 0; j < layer.outputSize; j++) {
        const d = delta[j] as number;
        gw[i * layer.outputSize + j] = (gw[i * layer.outputSize + j] as number) + value * d;
        if (l > 0) sum += d * (layer.weights[i * layer.outputSize + j] as number);
      }
      previousDelta[i] = sum;
    }
    for (let j = 0; j < layer.outputSize; j++) gb[j] = (gb[j] as number) + (delta[j] as number);
    delta = previousDelta;
  }
}

function shuffledIndexes(count: number, prng: Prng): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** Mini-batch Adam on log loss; fully deterministic for a given seed. */
export function trainBinaryModel(
  inputs: readonly Float32Array[],
  labels: readonly number[],
  features: readonly Feature[],
  options: TrainOptions,
): BinaryModel {
  const prng = createPrng(options.seed);
  const preprocessing = fitPreprocessing(inputs, features);
  const rows = inputs.map((input) => designRow(preprocessing, input));
  const sizes = [designWidth(preprocessing), ...options.hiddenUnits, 1];
  const layers = sizes
    .slice(1)
    .map((size, l) =>
      createLayer(sizes[l] as number, size, l === sizes.length - 2 ? "sigmoid" : "relu", prng),
    );
  const gradW = layers.map((layer) => new Float64Array(layer.weights.length));
  const gradB = layers.map((layer) => new Float64Array(layer.bias.length));
  const offsets: number[] = [];
  let parameterCount = 0;
  for (const layer of layers) {
    offsets.push(parameterCount, parameterCount + layer.weights.length);
    parameterCount += layer.weights.length + layer.bias.length;
  }
  const adam = new Adam(parameterCount, options.learningRate);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffledIndexes(rows.length, prng);
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      gradW.forEach((g) => g.fill(0));
      gradB.forEach((g) => g.fill(0));
      for (const index of batch)
        backpropagate(
          layers,
          forward(layers, rows[index] as Float64Array),
          labels[index] as number,
          gradW,
          gradB,
        );
      adam.nextStep();
      layers.forEach((layer, l) => {
        const gw = gradW[l] as Float64Array;
        for (let k = 0; k < gw.length; k++)
          gw[k] = (gw[k] as number) / batch.length + options.l2 * (layer.weights[k] as number);
        const gb = (gradB[l] as Float64Array).map((g) => g / batch.length);
        adam.update(layer.weights, gw, offsets[2 * l] as number);
        adam.update(layer.bias, gb, offsets[2 * l + 1] as number);
      });
    }
  }

  const model: BinaryModel = { preprocessing, layers, threshold: 0.5 };
  const trainProbabilities = inputs.map((input) => predictProbability(model, input));
  return { ...model, threshold: bestF1Threshold(trainProbabilities, labels) };
}
