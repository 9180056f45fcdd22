/**
 * Element-wise activations and their backward passes.
 *
 * Forward: y = f(x) over n entries (y may be the same range as x).
 * Backward: dx += dy ⊙ f′, accumulating like every backward kernel. f′ is
 * computed from the saved *output* y wherever that is the cheap form, so the
 * forward input need not be kept:
 *
 *     sigmoid′ = y(1 − y)    tanh′ = 1 − y²    relu′ = [y > 0]    exp′ = y
 *
 * log is the exception: log′ = 1/x needs the input (exp(y) would recompute it
 * less accurately).
 */

import type { FloatArray } from "../floatArray.js";
import { accumulate, copy } from "./elementwise.js";

export function sigmoid(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  // 1/(1 + e^−x) is safe without branching: for very negative x, e^−x → ∞ and y → 0, never NaN.
  for (let i = 0; i < n; i++) y[yOff + i] = 1 / (1 + Math.exp(-x[xOff + i]));
}

export function tanh(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] = Math.tanh(x[xOff + i]);
}

export function relu(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let i = 0; i < n; i++) {
    const xi = x[xOff + i];
    y[yOff + i] = xi < 0 ? 0 : xi; // written so that NaN passes through instead of becoming 0
  }
}

export function exp(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] = Math.exp(x[xOff + i]);
}

export function log(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] = Math.log(x[xOff + i]);
}

export function identity(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  copy(n, x, xOff, y, yOff);
}

/** dx += dy ⊙ y(1 − y), from the output y. */
export function sigmoidBackward(
  n: number,
  dy: FloatArray,
  dyOff: number,
  y: FloatArray,
  yOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let i = 0; i < n; i++) {
    const yi = y[yOff + i];
    dx[dxOff + i] += dy[dyOff + i] * yi * (1 - yi);
  }
}

/** dx += dy ⊙ (1 − y²), from the output y. */
export function tanhBackward(
  n: number,
  dy: FloatArray,
  dyOff: number,
  y: FloatArray,
  yOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let i = 0; i < n; i++) {
    const yi = y[yOff + i];
    dx[dxOff + i] += dy[dyOff + i] * (1 - yi * yi);
  }
}

/** dx += dy where y > 0, from the output y (the subgradient at 0 is taken as 0). */
export function reluBackward(
  n: number,
  dy: FloatArray,
  dyOff: number,
  y: FloatArray,
  yOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let i = 0; i < n; i++) {
    if (y[yOff + i] > 0) dx[dxOff + i] += dy[dyOff + i];
  }
}

/** dx += dy ⊙ y, from the output y = eˣ. */
export function expBackward(
  n: number,
  dy: FloatArray,
  dyOff: number,
  y: FloatArray,
  yOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let i = 0; i < n; i++) dx[dxOff + i] += dy[dyOff + i] * y[yOff + i];
}

/** dx += dy ⊘ x, from the input x. */
export function logBackward(
  n: number,
  dy: FloatArray,
  dyOff: number,
  x: FloatArray,
  xOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let i = 0; i < n; i++) dx[dxOff + i] += dy[dyOff + i] / x[xOff + i];
}

/** dx += dy; takes (and ignores) a saved value only to share the signature of the other backward kernels. */
export function identityBackward(
  n: number,
  dy: FloatArray,
  dyOff: number,
  _unused: FloatArray,
  _unusedOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  accumulate(n, dy, dyOff, dx, dxOff);
}

export type ActivationForward = (n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number) => void;
export type ActivationBackward = (
  n: number,
  dy: FloatArray,
  dyOff: number,
  saved: FloatArray,
  savedOff: number,
  dx: FloatArray,
  dxOff: number,
) => void;

export interface Activation {
  readonly forward: ActivationForward;
  readonly backward: ActivationBackward;
  /** Which forward value `backward` reads as `saved`, so callers know what to keep for the backward pass. */
  readonly backwardReads: "output" | "input" | "nothing";
}

export type ActivationName = "sigmoid" | "tanh" | "relu" | "exp" | "log" | "identity";

/** Lookup table for interpreters and code generators that pick an activation by name. */
export const ACTIVATIONS: Readonly<Record<ActivationName, Activation>> = {
  sigmoid: { forward: sigmoid, backward: sigmoidBackward, backwardReads: "output" },
  tanh: { forward: tanh, backward: tanhBackward, backwardReads: "output" },
  relu: { forward: relu, backward: reluBackward, backwardReads: "output" },
  exp: { forward: exp, backward: expBackward, backwardReads: "output" },
  log: { forward: log, backward: logBackward, backwardReads: "input" },
  identity: { forward: identity, backward: identityBackward, backwardReads: "nothing" },
};
