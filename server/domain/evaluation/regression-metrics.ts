/** Errors of predicted values against expected ones, in the values' own unit. */

export function meanAbsoluteError(predicted: ArrayLike<number>, expected: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < expected.length; i++)
    sum += Math.abs((predicted[i] as number) - (expected[i] as number));
  return sum / expected.length;
}

export function rootMeanSquaredError(predicted: ArrayLike<number>, expected: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < expected.length; i++) sum += ((predicted[i] as number) - (expected[i] as number)) ** 2;
  return Math.sqrt(sum / expected.length);
}

/** The largest |predicted - expected|: for sets whose outputs must match a reference exactly. */
export function maxAbsoluteDifference(predicted: ArrayLike<number>, expected: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < expected.length; i++)
    largest = Math.max(largest, Math.abs((predicted[i] as number) - (expected[i] as number)));
  return largest;
}
