/**
 * Numeric comparison relative to the scale of what is compared: each element may differ by
 * `tolerance` times the largest magnitude in the expected array (so tiny entries next to
 * large ones are not held to an impossible standard, and an all-zero array must match exactly).
 * A caller may pass the scale when it is set by more than the expected array itself.
 */
export function maxRelativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale = largestMagnitude(expected),
): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (Number.isNaN(diff)) return Infinity;
    worst = Math.max(worst, scale === 0 ? diff : diff / scale);
  }
  return worst;
}

export function largestMagnitude(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]!));
  return largest;
}

export function flatten(nested: unknown): number[] {
  return Array.isArray(nested) ? nested.flatMap(flatten) : [nested as number];
}
