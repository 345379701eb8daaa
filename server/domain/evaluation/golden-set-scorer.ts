import { AppError } from "@/server/domain/app-error";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { formatShape } from "@/server/domain/signature";
import { accuracy, logLoss, rocAuc } from "./classification-metrics";
import type { GoldenRow, GoldenSetTask } from "./golden-set-spec";
import type { EvaluationMetrics } from "./metric-names";
import { maxAbsoluteDifference, meanAbsoluteError, rootMeanSquaredError } from "./regression-metrics";

/** The outputs to ask the model for on a row: only those the task scores. */
export function outputNamesFor(task: GoldenSetTask, row: GoldenRow): string[] {
  if (task.kind === "binary-classification")
    return [task.probabilityOutput, ...(task.labelOutput ? [task.labelOutput] : [])];
  if (task.kind === "regression") return [task.output];
  return row.expected.kind === "outputs" ? row.expected.outputs.map((tensor) => tensor.name) : [];
}

/**
 * Collects what the model answered for each row, then computes the task's metrics. A model
 * answer the task cannot read (a missing output, a probability of three values) fails the
 * evaluation naming the row, rather than being scored as wrong.
 */
export class GoldenSetScorer {
  private readonly expected: number[] = [];
  private readonly scores: number[] = [];
  private readonly predicted: number[] = [];
  private largestDifference = 0;
  private rows = 0;

  constructor(private readonly task: GoldenSetTask) {}

  add(row: GoldenRow, outputs: WireTensor[]): void {
    this.rows++;
    const { task } = this;
    if (task.kind === "binary-classification" && row.expected.kind === "label") {
      const probability = numbersOf(outputNamed(outputs, task.probabilityOutput, row), row);
      if (probability.length !== 1 && probability.length !== 2)
        throw unreadable(
          row,
          `output '${task.probabilityOutput}' has ${probability.length} values; expected 1 or 2`,
        );
      const score = probability[probability.length - 1]!;
      this.scores.push(score);
      this.predicted.push(
        task.labelOutput
          ? numbersOf(outputNamed(outputs, task.labelOutput, row), row)[0]!
          : Number(score >= 0.5),
      );
      this.expected.push(row.expected.label);
    } else if (task.kind === "regression" && row.expected.kind === "value") {
      const values = numbersOf(outputNamed(outputs, task.output, row), row);
      if (values.length !== 1)
        throw unreadable(row, `output '${task.output}' has ${values.length} values; expected 1`);
      this.predicted.push(values[0]!);
      this.expected.push(row.expected.value);
    } else if (task.kind === "exact" && row.expected.kind === "outputs") {
      for (const reference of row.expected.outputs) {
        const actual = outputNamed(outputs, reference.name, row);
        if (actual.shape.join() !== reference.shape.join())
          throw unreadable(
            row,
            `output '${reference.name}' has shape ${formatShape(actual.shape)}, expected ${formatShape(reference.shape)}`,
          );
        this.largestDifference = Math.max(
          this.largestDifference,
          maxAbsoluteDifference(numbersOf(actual, row), numbersOf(reference, row)),
        );
      }
    } else {
      throw unreadable(row, `its expectation does not fit a ${task.kind} set`);
    }
  }

  metrics(): EvaluationMetrics {
    if (this.rows === 0) throw new AppError("BAD_REQUEST", "the golden set has no rows to score");
    switch (this.task.kind) {
      case "binary-classification":
        return {
          accuracy: accuracy(this.predicted, this.expected),
          roc_auc: finiteOrNull(rocAuc(this.scores, this.expected)),
          log_loss: logLoss(this.scores, this.expected),
        };
      case "regression":
        return {
          mae: meanAbsoluteError(this.predicted, this.expected),
          rmse: rootMeanSquaredError(this.predicted, this.expected),
        };
      case "exact":
        return { max_abs_diff: finiteOrNull(this.largestDifference) };
    }
  }
}

function outputNamed(outputs: WireTensor[], name: string, row: GoldenRow): WireTensor {
  const output = outputs.find((tensor) => tensor.name === name);
  if (!output) throw unreadable(row, `the model returned no output '${name}'`);
  return output;
}

function numbersOf(tensor: WireTensor, row: GoldenRow): number[] {
  if (tensor.datatype === "BYTES")
    throw unreadable(row, `output '${tensor.name}' holds strings, not numbers`);
  // Strings in other tensors are non-finite floats ("NaN", "Infinity"), which Number reads.
  return tensor.data.map(Number);
}

const finiteOrNull = (value: number) => (Number.isFinite(value) ? value : null);

function unreadable(row: GoldenRow, problem: string): AppError {
  return new AppError("UNPROCESSABLE", `${row.where}: ${problem}`);
}
