import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";
import { NumericBaselineBuilder } from "@/server/domain/feature-set/baseline";
import { Reservoir } from "@/server/domain/feature-set/reservoir";
import type { LiveValues } from "@/server/domain/drift/feature-drift";
import { LIVE_RESERVOIR_VALUES } from "@/server/domain/drift/live-window";
import {
  MAX_OUTPUT_COLUMNS,
  outputColumnsOf,
  type LoggedOutput,
  type OutputColumn,
} from "@/server/domain/drift/output-columns";

type Accumulator =
  | { kind: "numeric"; reservoir: Reservoir; missing: number }
  | { kind: "categorical"; counts: Map<string, number>; missing: number };

/**
 * A version's logged outputs in one window, folded sample by sample into bounded state, as
 * LiveWindow folds its inputs: a reservoir per numeric output column, counts per categorical one.
 * Columns are taken as the samples show them (output-columns.ts), in the order first seen, at most
 * MAX_OUTPUT_COLUMNS of them.
 */
export class OutputWindow {
  private readonly columns = new Map<string, Accumulator>();
  rowCount = 0;
  /** Samples whose tensors do not split into columns, or whose column changed kind. */
  unreadableSampleCount = 0;

  constructor(private readonly options: { reservoirValues?: number; seed?: number } = {}) {}

  addSample(outputs: readonly LoggedOutput[]): void {
    const columns = outputColumnsOf(outputs);
    const changedKind = (column: OutputColumn) => {
      const known = this.columns.get(column.name);
      return known !== undefined && known.kind !== column.kind;
    };
    if (columns === null || columns.some(changedKind)) return void this.unreadableSampleCount++;
    this.rowCount += Math.max(0, ...columns.map((column) => column.values.length));
    for (const column of columns) {
      const accumulator = this.accumulatorFor(column);
      if (accumulator) add(accumulator, column.values);
    }
  }

  private accumulatorFor(column: OutputColumn): Accumulator | undefined {
    const known = this.columns.get(column.name);
    if (known || this.columns.size >= MAX_OUTPUT_COLUMNS) return known;
    const { reservoirValues = LIVE_RESERVOIR_VALUES, seed = 1 } = this.options;
    const accumulator: Accumulator =
      column.kind === "numeric"
        ? { kind: "numeric", reservoir: new Reservoir(reservoirValues, seed + this.columns.size), missing: 0 }
        : { kind: "categorical", counts: new Map(), missing: 0 };
    this.columns.set(column.name, accumulator);
    return accumulator;
  }

  /** The output columns seen, in the order first seen. */
  columnNames(): string[] {
    return [...this.columns.keys()];
  }

  /** The window's values of an output column, as the drift tests take them; undefined if never seen. */
  liveValues(name: string): LiveValues | undefined {
    const accumulator = this.columns.get(name);
    if (!accumulator) return undefined;
    return accumulator.kind === "numeric"
      ? { kind: "numeric", sorted: accumulator.reservoir.sorted(), missingCount: accumulator.missing }
      : { kind: "categorical", counts: accumulator.counts, missingCount: accumulator.missing };
  }

  /**
   * The window as an output reference: one baseline per column, the shape a feature set's
   * baseline has, so featureDrift() judges outputs as it judges features. A numeric column's
   * baseline is built over the window's kept values (all of them up to LIVE_RESERVOIR_VALUES);
   * a categorical one's categories are the ones the window saw, in text order.
   */
  reference(): FeatureBaseline[] {
    return [...this.columns].map(([name, accumulator]): FeatureBaseline => {
      if (accumulator.kind === "categorical") {
        const count = [...accumulator.counts.values()].reduce((sum, value) => sum + value, 0);
        const frequencies = [...accumulator.counts]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([category, categoryCount]) => ({
            category,
            count: categoryCount,
            share: categoryCount / count,
          }));
        return { kind: "categorical", name, count, missingCount: accumulator.missing, frequencies };
      }
      const sorted = accumulator.reservoir.sorted();
      const builder = new NumericBaselineBuilder(name, Math.max(sorted.length, 1), 1);
      for (const value of sorted) builder.add(value);
      return { ...builder.build(), missingCount: accumulator.missing };
    });
  }
}

function add(accumulator: Accumulator, values: readonly (number | string | null)[]): void {
  for (const value of values) {
    if (value === null || (typeof value === "number" && Number.isNaN(value))) accumulator.missing++;
    else if (accumulator.kind === "numeric") accumulator.reservoir.offer(value as number);
    else accumulator.counts.set(value as string, (accumulator.counts.get(value as string) ?? 0) + 1);
  }
}
