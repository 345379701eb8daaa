import type { WireTensor } from "@/server/domain/inference/datatypes";
import type {
  BoolFeature,
  CategoricalFeature,
  Feature,
  NumericFeature,
} from "@/server/domain/feature-set/feature-spec";
import { Reservoir } from "@/server/domain/feature-set/reservoir";
import type { LiveValues } from "@/server/domain/drift/feature-drift";

/** Live values kept per numeric feature and window: KS and Wasserstein run on this many at most. */
export const LIVE_RESERVOIR_VALUES = 100_000;

/** One feature's data quality in a window, as shares of the rows seen. */
export interface FeatureQuality {
  name: string;
  rowCount: number;
  missingShare: number;
  /** Numeric values below the feature's min or above its max. */
  outOfRangeShare: number;
  /** Categories (or booleans) the feature set does not declare. */
  unseenShare: number;
}

type NumericAccumulator = {
  feature: NumericFeature;
  reservoir: Reservoir;
  missing: number;
  outOfRange: number;
};
type CategoricalAccumulator = {
  feature: CategoricalFeature | BoolFeature;
  counts: Map<string, number>;
  missing: number;
  unseen: number;
};
type Accumulator = NumericAccumulator | CategoricalAccumulator;

/**
 * A deployment version's live traffic in one window, folded sample by sample into bounded state:
 * a reservoir per numeric feature, counts per categorical one, quality counts for both. Samples
 * are the logged requests' input tensors; each row's features are read as the registry links a
 * model to its feature set (server/domain/feature-set/link-check.ts): the inputs' values per row
 * in signature order, one per feature (categories as their index, booleans as 0 or 1), or with
 * categorical features one-hot encoded.
 */
export class LiveWindow {
  private readonly accumulators: Accumulator[];
  private readonly oneHotWidth: number;
  rowCount = 0;
  /** Samples whose tensors do not fit the feature set (other widths, unequal row counts). */
  unreadableSampleCount = 0;

  constructor(
    private readonly features: Feature[],
    /** The model's input names in signature order. */
    private readonly inputOrder: string[],
    { reservoirValues = LIVE_RESERVOIR_VALUES, seed = 1 }: { reservoirValues?: number; seed?: number } = {},
  ) {
    this.accumulators = features.map((feature, index): Accumulator => {
      if (feature.dtype === "category" || feature.dtype === "bool")
        return { feature, counts: new Map(), missing: 0, unseen: 0 };
      return { feature, reservoir: new Reservoir(reservoirValues, seed + index), missing: 0, outOfRange: 0 };
    });
    this.oneHotWidth = features.reduce(
      (sum, feature) => sum + (feature.dtype === "category" ? feature.categories.length : 1),
      0,
    );
  }

  addSample(inputs: readonly WireTensor[]): void {
    const ordered = this.inputOrder.map((name) => inputs.find((input) => input.name === name));
    if (ordered.some((input) => input === undefined)) return void this.unreadableSampleCount++;
    const layouts = (ordered as WireTensor[]).map(layoutOf);
    const rows = layouts[0]?.rows ?? 0;
    const width = layouts.reduce((sum, layout) => sum + layout.width, 0);
    const oneHot = width === this.oneHotWidth && width !== this.features.length;
    if (layouts.some((layout) => layout.rows !== rows) || (width !== this.features.length && !oneHot))
      return void this.unreadableSampleCount++;
    const row = new Array<number | string | boolean>(width);
    for (let r = 0; r < rows; r++) {
      let column = 0;
      for (const [index, layout] of layouts.entries()) {
        const data = (ordered[index] as WireTensor).data;
        for (let c = 0; c < layout.width; c++) row[column++] = data[r * layout.width + c]!;
      }
      this.addRow(row, oneHot);
    }
  }

  private addRow(row: (number | string | boolean)[], oneHot: boolean): void {
    this.rowCount++;
    let column = 0;
    for (const accumulator of this.accumulators) {
      if (oneHot && "counts" in accumulator && accumulator.feature.dtype === "category") {
        const { feature } = accumulator;
        const block = row.slice(column, column + feature.categories.length).map(Number);
        column += feature.categories.length;
        const hot = block.indexOf(Math.max(...block));
        this.addCategory(accumulator, block.every((value) => value === 0) ? null : hot);
        continue;
      }
      const cell = row[column++];
      if ("reservoir" in accumulator) this.addNumber(accumulator, Number(cell));
      else this.addCategory(accumulator, Number(cell));
    }
  }

  private addNumber(accumulator: NumericAccumulator, value: number): void {
    if (Number.isNaN(value)) return void accumulator.missing++;
    const { min, max } = accumulator.feature;
    if ((min !== null && value < min) || (max !== null && value > max)) accumulator.outOfRange++;
    accumulator.reservoir.offer(value);
  }

  /** `index`: the category's index (for a bool, 0 or 1); null or NaN when missing. */
  private addCategory(accumulator: CategoricalAccumulator, index: number | null) {
    if (index === null || Number.isNaN(index)) return void accumulator.missing++;
    const categories =
      accumulator.feature.dtype === "category" ? accumulator.feature.categories : ["false", "true"];
    const category = Number.isInteger(index) ? categories[index] : undefined;
    if (category === undefined) accumulator.unseen++;
    const name = category ?? `(value ${index})`;
    accumulator.counts.set(name, (accumulator.counts.get(name) ?? 0) + 1);
  }

  /** The window's values per feature, in feature order, as the drift tests take them. */
  liveValues(): LiveValues[] {
    return this.accumulators.map((accumulator) =>
      "reservoir" in accumulator
        ? { kind: "numeric", sorted: accumulator.reservoir.sorted(), missingCount: accumulator.missing }
        : { kind: "categorical", counts: accumulator.counts, missingCount: accumulator.missing },
    );
  }

  quality(): FeatureQuality[] {
    const share = (count: number) => (this.rowCount === 0 ? 0 : count / this.rowCount);
    return this.accumulators.map((accumulator) => ({
      name: accumulator.feature.name,
      rowCount: this.rowCount,
      missingShare: share(accumulator.missing),
      outOfRangeShare: "reservoir" in accumulator ? share(accumulator.outOfRange) : 0,
      unseenShare: "counts" in accumulator ? share(accumulator.unseen) : 0,
    }));
  }
}

/** Rows and values per row of an input: the last dimension is the feature axis (rank 1: one value). */
function layoutOf(tensor: WireTensor): { rows: number; width: number } {
  const { shape } = tensor;
  if (shape.length <= 1) return { rows: shape[0] ?? 1, width: 1 };
  const width = shape[shape.length - 1]!;
  return { rows: width === 0 ? 0 : tensor.data.length / width, width };
}
