import type { PredictionOutput, RowPredictions } from "./prediction-columns";

export interface OutputComparison {
  rows: number;
  /** Rows where any label output differs. */
  changedLabelShare: number | null;
  /** Mean |a - b| over every score value of every row. */
  meanAbsScoreDelta: number | null;
}

/**
 * The difference between two jobs' predictions on the same input, row by row, folded as the two
 * output files stream past: memory stays constant whatever their size.
 */
export class OutputComparer {
  private rows = 0;
  private changedRows = 0;
  private scoreValues = 0;
  private scoreDeltaSum = 0;
  private readonly labels: string[];
  private readonly scores: string[];

  constructor(outputs: PredictionOutput[]) {
    this.labels = outputs.filter((output) => output.kind === "label").map((output) => output.name);
    this.scores = outputs.filter((output) => output.kind === "score").map((output) => output.name);
  }

  add(a: RowPredictions, b: RowPredictions): void {
    this.rows++;
    if (this.labels.some((name) => String(a[name]) !== String(b[name]))) this.changedRows++;
    for (const name of this.scores) {
      const left = [a[name]].flat();
      const right = [b[name]].flat();
      for (let k = 0; k < Math.min(left.length, right.length); k++) {
        this.scoreDeltaSum += Math.abs(Number(left[k]) - Number(right[k]));
        this.scoreValues++;
      }
    }
  }

  result(): OutputComparison {
    return {
      rows: this.rows,
      changedLabelShare: this.labels.length > 0 && this.rows > 0 ? this.changedRows / this.rows : null,
      meanAbsScoreDelta: this.scoreValues > 0 ? this.scoreDeltaSum / this.scoreValues : null,
    };
  }
}
