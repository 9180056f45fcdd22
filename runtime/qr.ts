/**
 * Thin QR decomposition by Householder reflections, used by the orthogonal
 * initialiser.
 *
 * Householder rather than Gram–Schmidt because its Q is orthonormal to
 * machine precision whatever the conditioning of A (Gram–Schmidt loses
 * orthogonality in proportion to cond(A)). The signs are then normalised so
 * that diag(R) ≥ 0, which makes the factorisation unique for full-rank A and
 * is what torch.nn.init.orthogonal_ does to get a Haar-distributed Q.
 */

export interface QrFactors {
  /** rows×cols, row-major, orthonormal columns. */
  readonly q: Float64Array;
  /** cols×cols, row-major, upper triangular with a non-negative diagonal. */
  readonly r: Float64Array;
}

/** Factors A (rows×cols, row-major, rows ≥ cols) as A = Q·R. */
export function householderQr(a: Float64Array, rows: number, cols: number): QrFactors {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || cols < 1 || rows < cols) {
    throw new RangeError(`householderQr needs integers rows ≥ cols ≥ 1, got ${rows}×${cols}`);
  }
  if (a.length !== rows * cols) {
    throw new RangeError(`householderQr: matrix has ${a.length} entries, expected ${rows}×${cols}`);
  }
  const m = rows;
  const n = cols;
  // Reduced in place to R; column k of `reflectors` holds v_k (rows k..m-1) of H_k = I − 2vvᵀ/(vᵀv).
  const work = Float64Array.from(a);
  const reflectors = new Float64Array(m * n);
  const twoOverVtv = new Float64Array(n); // stays 0 (H_k = I) when column k is zero from the diagonal down

  for (let k = 0; k < n; k++) {
    let normSq = 0;
    for (let i = k; i < m; i++) normSq += work[i * n + k]! ** 2;
    if (normSq === 0) continue;
    const x0 = work[k * n + k]!;
    // Reflect x onto alpha·e1 with alpha of the opposite sign to x0, so v0 = x0 − alpha never cancels.
    const alpha = x0 >= 0 ? -Math.sqrt(normSq) : Math.sqrt(normSq);
    for (let i = k; i < m; i++) reflectors[i * n + k] = work[i * n + k]!;
    reflectors[k * n + k] = x0 - alpha;
    // vᵀv = Σ_{i>0} x_i² + (x0 − alpha)² = 2(‖x‖² − alpha·x0), a sum of two non-negative terms.
    twoOverVtv[k] = 1 / (normSq - alpha * x0);
    applyReflector(reflectors, k, twoOverVtv[k]!, work, m, n, k);
  }

  // Q = H_0 H_1 … H_{n-1} · I[:, 0..n): apply the reflectors to the identity, last one first.
  // Columns before k are still e_j, zero in the rows H_k touches, so H_k starts at column k.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    if (twoOverVtv[k] !== 0) applyReflector(reflectors, k, twoOverVtv[k]!, q, m, n, k);
  }

  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) r[i * n + j] = work[i * n + j]!;
  }
  // Flip signs so diag(R) ≥ 0: negating row i of R and column i of Q leaves Q·R unchanged.
  for (let i = 0; i < n; i++) {
    if (r[i * n + i]! >= 0) continue;
    for (let j = i; j < n; j++) r[i * n + j] = -r[i * n + j]!;
    for (let row = 0; row < m; row++) q[row * n + i] = -q[row * n + i]!;
  }
  return { q, r };
}

/** target[k.., firstCol..] ← H_k · target[k.., firstCol..], where H_k = I − (2/vᵀv)·v vᵀ. */
function applyReflector(
  reflectors: Float64Array,
  k: number,
  twoOverVtv: number,
  target: Float64Array,
  m: number,
  n: number,
  firstCol: number,
): void {
  for (let j = firstCol; j < n; j++) {
    let vDotColumn = 0;
    for (let i = k; i < m; i++) vDotColumn += reflectors[i * n + k]! * target[i * n + j]!;
    const factor = twoOverVtv * vDotColumn;
    for (let i = k; i < m; i++) target[i * n + j]! -= factor * reflectors[i * n + k]!;
  }
}
