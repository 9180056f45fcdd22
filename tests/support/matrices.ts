/** Matrices with known spectra for tests. */
import { householderQr } from "../../runtime/qr.js";
import { Rng } from "../../runtime/rng.js";

/** A random orthogonal matrix Q (n×n, row-major) from the QR of a Gaussian matrix: every |λ| is 1, and ‖Qv‖ = ‖v‖. */
export function orthogonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: n * n }, () => rng.normal());
  return householderQr(a, n, n).q;
}
