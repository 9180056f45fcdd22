/**
 * Nested JSON arrays ↔ flat row-major typed arrays, with errors that give the path of the
 * offending element (`W[3][1]`) and what was expected there.
 */
import { DataError } from "./data-error.js";

/** Flattens `value`, which must be nested arrays of exactly `shape`, into `out` (numbers checked by `check`). */
export function flattenNested(
  value: unknown,
  shape: readonly number[],
  path: string,
  check: (x: number, path: string) => void,
  out: { [i: number]: number },
): void {
  let offset = 0;
  const walk = (v: unknown, depth: number, here: string) => {
    if (depth === shape.length) {
      if (typeof v !== "number") throw new DataError(`${here} must be a number, not ${describe(v)}`);
      check(v, here);
      out[offset++] = v;
      return;
    }
    if (!Array.isArray(v))
      throw new DataError(
        `${here} must be an array of ${shape[depth]} (shape [${shape.join(", ")}]), not ${describe(v)}`,
      );
    if (v.length !== shape[depth])
      throw new DataError(`${here} has ${v.length} entries, expected ${shape[depth]} (shape [${shape.join(", ")}])`);
    v.forEach((x, i) => walk(x, depth + 1, `${here}[${i}]`));
  };
  walk(value, 0, path);
}

/** Builds nested arrays of `shape` from a flat row-major array. */
export function nest(flat: ArrayLike<number>, shape: readonly number[], offset = 0): unknown[] {
  const [first, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first! }, (_, i) =>
    rest.length === 0 ? flat[offset + i]! : nest(flat, rest, offset + i * stride),
  );
}

/** The outer lengths of a nested array, following first elements (`[[1,2],[3,4]]` → [2, 2]). */
export function outerShape(value: unknown, depth: number): number[] {
  const shape: number[] = [];
  let v = value;
  for (let d = 0; d < depth && Array.isArray(v); d++) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + "…" : v)}`;
  return `${typeof v === "object" ? "an object" : String(v)}`;
}

export function finite(x: number, path: string): void {
  if (!Number.isFinite(x)) throw new DataError(`${path} is ${x}; values must be finite`);
}
