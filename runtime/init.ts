/**
 * Parameter initialisers. Every initialiser draws from the given {@link Rng}
 * in a fixed order, so a seed determines the initial parameters exactly.
 *
 * Shapes are [n] for a vector or [rows, cols] for a matrix, stored row-major.
 * A weight matrix W of shape [M, N] maps an N-vector to an M-vector (y = W x),
 * so its fan-in is cols and its fan-out is rows.
 */

import { householderQr } from "./qr.js";
import type { Rng } from "./rng.js";

export type InitSpec =
  | { kind: "zeros" }
  | { kind: "ones" }
  | { kind: "constant"; value: number }
  | { kind: "uniform"; low: number; high: number }
  | { kind: "normal"; mean: number; std: number }
  | { kind: "xavier" }
  | { kind: "orthogonal"; gain: number };

export function initialise(spec: InitSpec, shape: readonly number[], rng: Rng): Float64Array {
  const { rows, cols } = matrixView(shape);
  const size = rows * cols;
  switch (spec.kind) {
    case "zeros":
      return new Float64Array(size);
    case "ones":
      return new Float64Array(size).fill(1);
    case "constant":
      requireFinite("constant value", spec.value);
      return new Float64Array(size).fill(spec.value);
    case "uniform":
      requireFinite("uniform low", spec.low);
      requireFinite("uniform high", spec.high);
      if (spec.low > spec.high) {
        throw new RangeError(`uniform init needs low ≤ high, got low=${spec.low}, high=${spec.high}`);
      }
      return drawUniform(size, spec.low, spec.high, rng);
    case "normal":
      requireFinite("normal mean", spec.mean);
      requireFinite("normal std", spec.std);
      if (spec.std < 0) throw new RangeError(`normal init needs std ≥ 0, got ${spec.std}`);
      return Float64Array.from({ length: size }, () => rng.normal(spec.mean, spec.std));
    case "xavier": {
      // Glorot & Bengio (2010): Var = 2/(fan_in + fan_out) keeps activation and gradient
      // variances equal across layers; U(−a, a) has variance a²/3, hence a = √(6/(fan_in + fan_out)).
      const fanIn = shape.length === 1 ? size : cols;
      const fanOut = shape.length === 1 ? size : rows;
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return drawUniform(size, -a, a, rng);
    }
    case "orthogonal":
      requireFinite("orthogonal gain", spec.gain);
      return drawOrthogonal(rows, cols, spec.gain, rng);
  }
}

/** A vector [n] is handled as the n×1 matrix, as torch does; its orthogonal draw is then a unit vector. */
function matrixView(shape: readonly number[]): { rows: number; cols: number } {
  const validDims = shape.every((d) => Number.isInteger(d) && d >= 1);
  if ((shape.length !== 1 && shape.length !== 2) || !validDims) {
    throw new RangeError(`init shape must be [n] or [rows, cols] of positive integers, got [${shape.join(", ")}]`);
  }
  return { rows: shape[0]!, cols: shape.length === 2 ? shape[1]! : 1 };
}

function requireFinite(what: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
}

function drawUniform(size: number, low: number, high: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: size }, () => rng.uniform(low, high));
}

/**
 * Saxe et al. (2014), as torch.nn.init.orthogonal_: QR of a Gaussian matrix taken
 * on its tall orientation, with the signs fixed by diag(R) > 0 so Q is Haar-distributed
 * rather than biased by the QR algorithm's sign conventions. A wide matrix is the
 * transpose of a tall draw, so it has orthonormal rows instead of columns.
 */
function drawOrthogonal(rows: number, cols: number, gain: number, rng: Rng): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  // The entries are i.i.d., so drawing the tall m×n matrix directly is the same as drawing and transposing.
  const gaussian = Float64Array.from({ length: m * n }, () => rng.normal());
  const { q } = householderQr(gaussian, m, n);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const target = tall ? i * cols + j : j * cols + i;
      out[target] = gain * q[i * n + j]!;
    }
  }
  return out;
}
