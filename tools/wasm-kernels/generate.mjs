// @ts-check
/**
 * Writes the WebAssembly text (WAT) of rnnc's SIMD kernels: the matrix
 * products and the gate activations (sigmoid, tanh, exp over rows).
 *
 * The kernels are register-tiled: each micro-kernel keeps a small tile of
 * results in v128 locals for a whole pass over the reduction dimension, so
 * every vector loaded feeds several multiply–adds. Writing the unrolled tiles
 * by hand for two element types and their edge variants would be thousands of
 * lines of WAT, so this generator emits them from one description per kernel.
 * The output is plain text, deterministic, and committed beside the .wasm so
 * a reviewer can read what runs (runtime/kernels/wasm/kernels.wat).
 *
 * Conventions of every exported kernel (they mirror runtime/kernels/matmul.ts):
 *   - sizes first, then byte addresses into the imported memory, then flags;
 *   - a weight W of shape [M, N] is row-major, a batch block X is [B, N];
 *   - forward:  Y[B,M] (= or +=) X[B,N] · Wᵀ              (<t>_matmul)
 *   - adjoints: dX[B,N] += dY[B,M] · W                      (<t>_matmul_bwd_x)
 *               dW[M,N] += dY[B,M]ᵀ · X                     (<t>_matmul_bwd_w; last, the
 *                                                            address of SCRATCH_BYTES it overwrites)
 *   - activations: Y[r, i] = f(X[r, i]) over a strided block  (<t>_<f>_rows)
 *   - softmax: Y[r, :] = softmax(X[r, :]) over contiguous rows    (<t>_softmax_rows)
 *     and its row maxima m and sums Σ e^(x − m) as float64 pairs (<t>_max_exp_sums)
 * Addresses need no alignment (v128 loads are unaligned-safe; aligned data is
 * just faster). Outputs must not overlap inputs.
 *
 * Register budget: x86-64 has 16 vector registers, and V8 keeps v128 locals in
 * them, so a tile holds at most 8 accumulators plus the operands of one step;
 * larger tiles spill and get slower (measured with bench/kernels.ts).
 */

/**
 * An element type and its vector shape; `fma`: the products' multiply–adds are relaxed SIMD's
 * fused `relaxed_madd` (the relaxed module) instead of a multiply and an add.
 * @typedef {{ t: "f32" | "f64", v: string, i: string, L: number, S: number, shift: number, fma: boolean }} DType
 */

/** @type {DType} */
const F32 = { t: "f32", v: "f32x4", i: "i32x4", L: 4, S: 4, shift: 2, fma: false };
/** @type {DType} */
const F64 = { t: "f64", v: "f64x2", i: "i64x2", L: 2, S: 8, shift: 3, fma: false };

/** a·b + c on vectors of d: one fused relaxed_madd where d.fma (rounded once, or twice where the CPU has no FMA), else mul then add. */
const madd = (/** @type {DType} */ d, /** @type {string} */ a, /** @type {string} */ b, /** @type {string} */ c) =>
  d.fma ? `(${d.v}.relaxed_madd ${a} ${b} ${c})` : `(${d.v}.add ${c} (${d.v}.mul ${a} ${b}))`;

/**
 * a·b + c on scalars of d, rounded as `madd` rounds each lane (relaxed SIMD has no scalar
 * form: lane 0 of the vector operation), so an edge column sums as the vector columns do.
 */
const scalarMadd = (
  /** @type {DType} */ d,
  /** @type {string} */ a,
  /** @type {string} */ b,
  /** @type {string} */ c,
) =>
  d.fma
    ? `(${d.v}.extract_lane 0 ${madd(d, `(${d.v}.splat ${a})`, `(${d.v}.splat ${b})`, `(${d.v}.splat ${c})`)})`
    : `(${d.t}.add ${c} (${d.t}.mul ${a} ${b}))`;

/**
 * Tile shapes (see the register budget above). Forward: FWD_RB batch rows ×
 * FWD_RI weight rows of dot products. Combine: COMB_RR output rows × COMB_CV
 * vectors of columns for dX, COMB_RR_W × COMB_CV for dW. COMB_KC is the
 * reduction block of both, sized so one block of the streamed operand stays in
 * cache; COMB_RC the output-row block of dX (see combDriver).
 * FWD_UNROLL: steps per pass of the forward loop; 1, because with 2 or 4 V8
 * schedules the loads of every step first, runs out of registers and spills
 * (measured 5–15% slower).
 */
export const TILES = {
  FWD_RB: 2,
  FWD_RI: 4,
  FWD_UNROLL: 1,
  COMB_RR: 4,
  COMB_RR_W: 5,
  COMB_CV: 2,
  COMB_KC: 128,
  COMB_RC: 64,
};

/**
 * Bytes of the scratch memory that <t>_matmul_bwd_w takes as its last argument: the
 * packed coefficients of one row tile over one reduction block (see combDriver), f64.
 */
export const SCRATCH_BYTES = TILES.COMB_KC * TILES.COMB_RR_W * 8;

// --- s-expression helpers -------------------------------------------------

const get = (/** @type {string} */ n) => `(local.get $${n})`;
const set = (/** @type {string} */ n, /** @type {string} */ e) => `(local.set $${n} ${e})`;
const c32 = (/** @type {number} */ k) => `(i32.const ${k})`;
const add = (/** @type {string} */ a, /** @type {string} */ b) => `(i32.add ${a} ${b})`;
const sub = (/** @type {string} */ a, /** @type {string} */ b) => `(i32.sub ${a} ${b})`;
const mul = (/** @type {string} */ a, /** @type {string} */ b) => `(i32.mul ${a} ${b})`;
const shl = (/** @type {string} */ a, /** @type {number} */ k) => (k === 0 ? a : `(i32.shl ${a} ${c32(k)})`);
/** a + k for a constant k, without the add when k is 0. */
const plus = (/** @type {string} */ a, /** @type {number} */ k) => (k === 0 ? a : add(a, c32(k)));
/** a + k·b for a constant k, without the multiply when k is 0 or 1. */
const addScaled = (/** @type {string} */ a, /** @type {number} */ k, /** @type {string} */ b) =>
  k === 0 ? a : k === 1 ? add(a, b) : add(a, mul(c32(k), b));
const range = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => i);
const off = (/** @type {number} */ o) => (o === 0 ? "" : ` offset=${o}`);

/** `for (v = start; v < end; v += step) body`, unsigned compare. */
function forLoop(
  /** @type {string} */ v,
  /** @type {string} */ start,
  /** @type {string} */ end,
  /** @type {string} */ step,
  /** @type {string[]} */ body,
) {
  return [
    set(v, start),
    `(block $${v}_end (loop $${v}_next`,
    `  (br_if $${v}_end (i32.ge_u ${get(v)} ${end}))`,
    ...body.map((l) => `  ${l}`),
    `  ${set(v, add(get(v), step))}`,
    `  (br $${v}_next)))`,
  ];
}

const locals = (/** @type {string[]} */ names, /** @type {string} */ type) =>
  names.map((n) => `(local $${n} ${type})`).join(" ");
const params = (/** @type {string[]} */ names) => names.map((n) => `(param $${n} i32)`).join(" ");

function func(
  /** @type {string} */ name,
  /** @type {string | null} */ exportName,
  /** @type {string} */ signature,
  /** @type {string[]} */ body,
  /** @type {string} */ doc,
) {
  const exp = exportName ? ` (export "${exportName}")` : "";
  return [`  ;; ${doc}`, `  (func $${name}${exp} ${signature}`, ...body.map((l) => `    ${l}`), "  )", ""].join("\n");
}

// --- forward: Y[b, i] (=/+=) Σ_j X[b, j] · W[i, j] -------------------------------

/**
 * Shuffle indices (in lanes of d) that interleave two vectors: `lo` picks
 * lanes [a0, b0, a1, b1] (f32) or [a0, b0] (f64) and `hi` the rest.
 */
function laneShuffle(/** @type {DType} */ d, /** @type {number[]} */ lanes) {
  const bytes = lanes.flatMap((l) => range(d.S).map((k) => l * d.S + k));
  return `i8x16.shuffle ${bytes.join(" ")}`;
}

/**
 * Horizontal sums of L accumulators, one result per lane: the classic
 * transpose-and-add, log2(L) rounds of interleave shuffles.
 */
function transposeSum(/** @type {DType} */ d, /** @type {string[]} */ accs) {
  if (d.L === 2) {
    const [a, b] = accs;
    return `(${d.v}.add (${laneShuffle(d, [0, 2])} ${a} ${b}) (${laneShuffle(d, [1, 3])} ${a} ${b}))`;
  }
  const [a, b, c, e] = accs;
  // [a0+a2, b0+b2, a1+a3, b1+b3] and the same for c, e; then fold halves.
  const pair = (/** @type {string} */ p, /** @type {string} */ q) =>
    `(${d.v}.add (${laneShuffle(d, [0, 4, 1, 5])} ${p} ${q}) (${laneShuffle(d, [2, 6, 3, 7])} ${p} ${q}))`;
  return `(${d.v}.add (${laneShuffle(d, [0, 1, 4, 5])} ${pair(a, b)} ${pair(c, e)}) (${laneShuffle(d, [2, 3, 6, 7])} ${pair(a, b)} ${pair(c, e)}))`;
}

/** Sum of the lanes of one vector, as a scalar. */
function laneSum(/** @type {DType} */ d, /** @type {string} */ v) {
  if (d.L === 2) return `(${d.t}.add (${d.v}.extract_lane 0 ${v}) (${d.v}.extract_lane 1 ${v}))`;
  const folded = `(${d.v}.add ${v} (${laneShuffle(d, [2, 3, 2, 3])} ${v} ${v}))`;
  return `(${d.t}.add (${d.v}.extract_lane 0 ${folded}) (${d.v}.extract_lane 1 ${folded}))`;
}

/**
 * Micro-kernel: RB rows of X against RI rows of W over all N, then store the
 * RB×RI results. Dot-product form — both operands are read along their
 * contiguous rows, so W needs no transposed copy. RI is L·k (results leave as
 * whole vectors) or 1 (scalar results, for the last M mod RI rows).
 *
 * The row pointers advance once per pass of U steps (U = FWD_UNROLL), the
 * steps addressing them by constant offsets: wasm has no base+index
 * addressing, so an address computed per load costs an integer add, and with
 * 6 loads and 16 vector operations per step the front end, not the FP units,
 * is the limit.
 */
function fwdTile(/** @type {DType} */ d, /** @type {number} */ RB, /** @type {number} */ RI, /** @type {number} */ U) {
  const name = `${d.t}_fwd_${RB}x${RI}`;
  const R = range(RB);
  const I = range(RI);
  const acc = (/** @type {number} */ r, /** @type {number} */ i) => `a${r}_${i}`;
  const groups = RI >= d.L ? range(RI / d.L) : [];
  const out = (/** @type {number} */ r, /** @type {number} */ g) => `o${r}_${g}`;
  const pointers = [...R.map((r) => `x${r}`), ...I.map((i) => `w${i}`)];
  const advance = (/** @type {number} */ bytes) => pointers.map((p) => set(p, add(get(p), c32(bytes))));
  const body = [
    set("x0", get("x")),
    ...R.slice(1).map((r) => set(`x${r}`, addScaled(get("x"), r, get("ldx")))),
    set("w0", get("w")),
    ...I.slice(1).map((i) => set(`w${i}`, addScaled(get("w"), i, get("ldw")))),
    set("y0", get("y")),
    ...R.slice(1).map((r) => set(`y${r}`, addScaled(get("y"), r, get("ldy")))),
    set("nb", shl(get("n"), d.shift)),
    set("nv", `(i32.and ${get("nb")} ${c32(-16)})`),
    set("end", add(get("x0"), `(i32.and ${get("nb")} ${c32(-16 * U)})`)),
  ];
  /** One step of 16 bytes along the rows at byte offset o past the pointers. */
  const step = (/** @type {number} */ o) => [
    ...R.map((r) => set(`xv${r}`, `(v128.load${off(o)} ${get(`x${r}`)})`)),
    ...I.flatMap((i) => [
      set("wv", `(v128.load${off(o)} ${get(`w${i}`)})`),
      ...R.map((r) => set(acc(r, i), madd(d, get(`xv${r}`), get("wv"), get(acc(r, i))))),
    ]),
  ];
  const loop = (/** @type {string} */ label, /** @type {number} */ steps) => [
    `(if (i32.ne ${get("x0")} ${get("end")}) (then (loop $${label}`,
    ...range(steps)
      .flatMap((u) => step(16 * u))
      .map((l) => `  ${l}`),
    ...advance(16 * steps).map((l) => `  ${l}`),
    `  (br_if $${label} (i32.ne ${get("x0")} ${get("end")})))))`,
  ];
  body.push(...loop("unrolled", U));
  if (U > 1) body.push(set("end", add(get("x"), get("nv"))), ...loop("single", 1));
  // Reduce the accumulators to results.
  if (groups.length > 0) {
    for (const r of R)
      for (const g of groups)
        body.push(
          set(
            out(r, g),
            transposeSum(
              d,
              range(d.L).map((l) => get(acc(r, g * d.L + l))),
            ),
          ),
        );
  } else {
    for (const r of R) body.push(set(`s${r}`, laneSum(d, get(acc(r, 0)))));
  }
  // Scalar tail: the last N mod L columns, at byte offsets $j past the pointers.
  const tail = [];
  const ld = (/** @type {string} */ p) => `(${d.t}.load ${add(get(p), get("j"))})`;
  if (groups.length > 0) {
    for (const g of groups) {
      let wv = `(${d.v}.splat ${ld(`w${g * d.L}`)})`;
      for (let l = 1; l < d.L; l++) wv = `(${d.v}.replace_lane ${l} ${wv} ${ld(`w${g * d.L + l}`)})`;
      tail.push(set("wv", wv));
      for (const r of R) tail.push(set(out(r, g), madd(d, `(${d.v}.splat ${ld(`x${r}`)})`, get("wv"), get(out(r, g)))));
    }
  } else {
    for (const r of R) tail.push(set(`s${r}`, scalarMadd(d, ld(`x${r}`), ld("w0"), get(`s${r}`))));
  }
  body.push(...forLoop("j", c32(0), sub(get("nb"), get("nv")), c32(d.S), tail));
  // Store, overwriting or accumulating.
  /** @param {boolean} accumulate */
  const stores = (accumulate) =>
    groups.length > 0
      ? R.flatMap((r) =>
          groups.map((g) => {
            const o = off(16 * g);
            const v = accumulate ? `(${d.v}.add (v128.load${o} ${get(`y${r}`)}) ${get(out(r, g))})` : get(out(r, g));
            return `(v128.store${o} ${get(`y${r}`)} ${v})`;
          }),
        )
      : R.map((r) => {
          const v = accumulate ? `(${d.t}.add (${d.t}.load ${get(`y${r}`)}) ${get(`s${r}`)})` : get(`s${r}`);
          return `(${d.t}.store ${get(`y${r}`)} ${v})`;
        });
  body.push(`(if ${get("acc")}`, `  (then ${stores(true).join(" ")})`, `  (else ${stores(false).join(" ")}))`);

  const sig = [
    params(["n", "x", "w", "y", "ldx", "ldw", "ldy", "acc"]),
    locals(["j", "nb", "nv", "end", ...pointers, ...R.map((r) => `y${r}`)], "i32"),
    locals(
      [
        ...R.flatMap((r) => I.map((i) => acc(r, i))),
        ...R.map((r) => `xv${r}`),
        "wv",
        ...R.flatMap((r) => groups.map((g) => out(r, g))),
      ],
      "v128",
    ),
    groups.length > 0
      ? ""
      : locals(
          R.map((r) => `s${r}`),
          d.t,
        ),
  ].join(" ");
  return func(
    name,
    null,
    sig,
    body,
    `${RB}×${RI} tile of Y (=/+=) X·Wᵀ over n columns; pointers in bytes, ld* = row strides in bytes.`,
  );
}

function fwdDriver(/** @type {DType} */ d) {
  const { FWD_RB: RB, FWD_RI: RI } = TILES;
  /** Calls the RBxRIt tile for every batch block at weight row $i. */
  const sweepB = (/** @type {number} */ RIt) => [
    set("wp", add(get("w"), mul(get("i"), get("ldx")))),
    set("yp", add(get("y"), shl(get("i"), d.shift))),
    ...forLoop("b", c32(0), get("bf"), c32(RB), [
      `(call $${d.t}_fwd_${RB}x${RIt} ${get("N")} ${add(get("x"), mul(get("b"), get("ldx")))} ${get("wp")} ${add(get("yp"), mul(get("b"), get("ldy")))} ${get("ldx")} ${get("ldx")} ${get("ldy")} ${get("acc")})`,
    ]),
    ...forLoop("b", get("bf"), get("B"), c32(1), [
      `(call $${d.t}_fwd_1x${RIt} ${get("N")} ${add(get("x"), mul(get("b"), get("ldx")))} ${get("wp")} ${add(get("yp"), mul(get("b"), get("ldy")))} ${get("ldx")} ${get("ldx")} ${get("ldy")} ${get("acc")})`,
    ]),
  ];
  const body = [
    set("ldx", shl(get("N"), d.shift)),
    set("ldy", shl(get("M"), d.shift)),
    set("bf", sub(get("B"), `(i32.rem_u ${get("B")} ${c32(RB)})`)),
    // N < L (a few inputs): no whole vector along a row of X, so the rows of W that fill vectors go to
    // the narrow kernel, which holds W's columns in registers; the rest of W's rows, as for any N, one by one.
    `(if (i32.lt_u ${get("N")} ${c32(d.L)}) (then`,
    `  ${set("mf", sub(get("M"), `(i32.rem_u ${get("M")} ${c32(d.L)})`))}`,
    `  ${narrowCall(d, "fwd", [get("B"), get("mf"), get("ldy"), get("x"), get("w"), get("y"), get("acc")])}`,
    `) (else`,
    `  ${set("mf", sub(get("M"), `(i32.rem_u ${get("M")} ${c32(RI)})`))}`,
    // Weight rows outermost: a tile of RI rows of W stays in L1 while every
    // batch row passes it, so W streams from memory once per call.
    ...forLoop("i", c32(0), get("mf"), c32(RI), sweepB(RI)).map((l) => `  ${l}`),
    `))`,
    ...forLoop("i", get("mf"), get("M"), c32(1), sweepB(1)),
  ];
  const sig = [
    params(["B", "M", "N", "x", "w", "y", "acc"]),
    locals(["ldx", "ldy", "bf", "mf", "i", "b", "wp", "yp"], "i32"),
  ].join(" ");
  return func(
    `${d.t}_matmul`,
    `${d.t}_matmul`,
    sig,
    body,
    `Y[B,M] (= or +=, acc ≠ 0) X[B,N] · Wᵀ, W row-major [M,N]; byte addresses.`,
  );
}

// --- narrow products: N < L, a few input columns ----------------------------------

/**
 * With fewer than L columns (N < L: an LSTM's 2 inputs), a row of X or of W holds no whole
 * vector: the tiles above would run every column in their scalar tails, one output element at
 * a time. The narrow kernels vectorise over L consecutive rows of W (or of dW) instead: the N
 * columns of those rows in registers, one vector each, while every batch row passes. Each
 * output element keeps the arithmetic of the scalar tail, in the same order (the forward sum
 * from +0 over the columns, then added to Y when accumulating; dW's sum in batch order from
 * its old value), lane for lane, so results equal the tiles' bit for bit.
 * Kernels per N (1 … L − 1), with V vectors of rows a pass (V·N accumulators, at most 8).
 */
const NARROW_ACCUMULATORS = 8;
const narrowVectors = (/** @type {number} */ n) => Math.min(4, Math.floor(NARROW_ACCUMULATORS / n));

/** Calls kernel `${d.t}_${kind}_n<N>` for the N in $N (1 … L − 1), with `args`. */
function narrowCall(/** @type {DType} */ d, /** @type {"fwd" | "bwdw"} */ kind, /** @type {string[]} */ args) {
  const calls = range(d.L - 1).map((k) => `(call $${d.t}_${kind}_n${k + 1} ${args.join(" ")})`);
  return calls
    .slice(0, -1)
    .reduceRight(
      (rest, call, k) => `(if (i32.eq ${get("N")} ${c32(k + 1)}) (then ${call}) (else ${rest}))`,
      /** @type {string} */ (calls.at(-1)),
    );
}

/** Element j of the row at `at`, in every lane. */
const splatLoad = (/** @type {DType} */ d, /** @type {number} */ j, /** @type {string} */ at) =>
  `(v128.load${d.S === 4 ? "32" : "64"}_splat${off(j * d.S)} ${at})`;

/** A vector of column j of the L rows of a row-major [·, n] block at $p, row r of the vector at lane r. */
function columnVector(
  /** @type {DType} */ d,
  /** @type {number} */ n,
  /** @type {number} */ v,
  /** @type {number} */ j,
) {
  const at = (/** @type {number} */ l) => off(((v * d.L + l) * n + j) * d.S);
  let vec = `(${d.v}.splat (${d.t}.load${at(0)} ${get("p")}))`;
  for (let l = 1; l < d.L; l++) vec = `(${d.v}.replace_lane ${l} ${vec} (${d.t}.load${at(l)} ${get("p")}))`;
  return vec;
}

/**
 * Passes of V·L rows of W (then of L rows) over every row of the batch; `pass(V)` is the body of
 * one, with $p at the block of rows it reads or writes and $i its first row.
 */
function rowPasses(
  /** @type {DType} */ d,
  /** @type {number} */ n,
  /** @type {(V: number) => string[]} */ pass,
  /** @type {string} */ rowBytes,
) {
  const V = narrowVectors(n);
  const passes = (/** @type {number} */ v, /** @type {string} */ from, /** @type {string} */ to) =>
    forLoop("i", from, to, c32(v * d.L), [set("p", add(rowBytes, mul(get("i"), c32(n * d.S)))), ...pass(v)]);
  return [
    set("mv", sub(get("M"), `(i32.rem_u ${get("M")} ${c32(V * d.L)})`)),
    ...passes(V, c32(0), get("mv")),
    ...(V > 1 ? passes(1, get("mv"), get("M")) : []),
  ];
}

/**
 * Y[B,M] (=/+=) X[B,n] · Wᵀ for M a multiple of L: Y[b, i + l] = Σ_j X[b, j] · W[i + l, j] from +0,
 * in column order, then added to the old Y when accumulating: the forward tiles' scalar tail.
 */
function fwdNarrow(/** @type {DType} */ d, /** @type {number} */ n) {
  const J = range(n);
  const pass = (/** @type {number} */ V) => {
    const Vs = range(V);
    const w = (/** @type {number} */ v, /** @type {number} */ j) => `w${v}_${j}`;
    const sum = (/** @type {number} */ v) => J.reduce((s, j) => madd(d, get(`x${j}`), get(w(v, j)), s), get("zero"));
    const loop = (/** @type {boolean} */ accumulate) => [
      set("xp", get("x")),
      set("yp", add(get("y"), shl(get("i"), d.shift))),
      `(if (i32.ne ${get("xp")} ${get("end")}) (then (loop $rows`,
      ...J.map((j) => `  ${set(`x${j}`, splatLoad(d, j, get("xp")))}`),
      ...Vs.map(
        (v) =>
          `  (v128.store${off(16 * v)} ${get("yp")} ${accumulate ? `(${d.v}.add (v128.load${off(16 * v)} ${get("yp")}) ${sum(v)})` : sum(v)})`,
      ),
      `  ${set("xp", add(get("xp"), c32(n * d.S)))}`,
      `  ${set("yp", add(get("yp"), get("ld")))}`,
      `  (br_if $rows (i32.ne ${get("xp")} ${get("end")})))))`,
    ];
    return [
      ...Vs.flatMap((v) => J.map((j) => set(w(v, j), columnVector(d, n, v, j)))),
      `(if ${get("acc")} (then`,
      ...loop(true).map((l) => `  ${l}`),
      `) (else`,
      ...loop(false).map((l) => `  ${l}`),
      `))`,
    ];
  };
  const V = narrowVectors(n);
  const body = [
    set("end", add(get("x"), mul(get("B"), c32(n * d.S)))),
    set("zero", `(v128.const i32x4 0 0 0 0)`),
    ...rowPasses(d, n, pass, get("w")),
  ];
  const sig = [
    params(["B", "M", "ld", "x", "w", "y", "acc"]),
    locals(["i", "mv", "p", "xp", "yp", "end"], "i32"),
    locals(["zero", ...J.map((j) => `x${j}`), ...range(V).flatMap((v) => J.map((j) => `w${v}_${j}`))], "v128"),
  ].join(" ");
  return func(
    `${d.t}_fwd_n${n}`,
    null,
    sig,
    body,
    `Y[B,M] (=/+=) X[B,${n}] · Wᵀ, M a multiple of ${d.L}, rows of Y ld bytes apart: W's columns in registers, ${V * d.L} rows of W a pass.`,
  );
}

/**
 * dW[M,n] += dY[B,M]ᵀ · X[B,n] for M a multiple of L: dW[i + l, j] += Σ_b dY[b, i + l] · X[b, j], in
 * batch order from the old value: the adjoint's scalar columns. dY's rows hold the L coefficients
 * of a vector side by side, so nothing is packed.
 */
function bwdwNarrow(/** @type {DType} */ d, /** @type {number} */ n) {
  const J = range(n);
  const a = (/** @type {number} */ v, /** @type {number} */ j) => `a${v}_${j}`;
  const pass = (/** @type {number} */ V) => {
    const Vs = range(V);
    const lanesOut = Vs.flatMap((v) =>
      J.flatMap((j) =>
        range(d.L).map(
          (l) =>
            `(${d.t}.store${off(((v * d.L + l) * n + j) * d.S)} ${get("p")} (${d.v}.extract_lane ${l} ${get(a(v, j))}))`,
        ),
      ),
    );
    return [
      ...Vs.flatMap((v) => J.map((j) => set(a(v, j), columnVector(d, n, v, j)))),
      set("cp", add(get("dy"), shl(get("i"), d.shift))),
      set("xp", get("x")),
      `(if (i32.ne ${get("xp")} ${get("end")}) (then (loop $batch`,
      ...J.map((j) => `  ${set(`x${j}`, splatLoad(d, j, get("xp")))}`),
      ...Vs.flatMap((v) => [
        `  ${set("c", `(v128.load${off(16 * v)} ${get("cp")})`)}`,
        ...J.map((j) => `  ${set(a(v, j), madd(d, get("c"), get(`x${j}`), get(a(v, j))))}`),
      ]),
      `  ${set("cp", add(get("cp"), get("ld")))}`,
      `  ${set("xp", add(get("xp"), c32(n * d.S)))}`,
      `  (br_if $batch (i32.ne ${get("xp")} ${get("end")})))))`,
      ...lanesOut,
    ];
  };
  const V = narrowVectors(n);
  const body = [set("end", add(get("x"), mul(get("B"), c32(n * d.S)))), ...rowPasses(d, n, pass, get("dw"))];
  const sig = [
    params(["B", "M", "ld", "dy", "x", "dw"]),
    locals(["i", "mv", "p", "cp", "xp", "end"], "i32"),
    locals(["c", ...J.map((j) => `x${j}`), ...range(V).flatMap((v) => J.map((j) => a(v, j)))], "v128"),
  ].join(" ");
  return func(
    `${d.t}_bwdw_n${n}`,
    null,
    sig,
    body,
    `dW[M,${n}] += dY[B,M]ᵀ · X[B,${n}], M a multiple of ${d.L}, rows of dY ld bytes apart: ${V * d.L} rows of dW in registers a pass.`,
  );
}

// --- adjoints: out[r, :] += Σ_k coef(r, k) · rows[k, :] --------------------------

/**
 * Both adjoints are a "combination of rows", the kernel's mode fixing which
 * coefficient stride is the element size (known when generating, so it costs
 * no address arithmetic in the loop):
 *   mode "x", dX += dY·W:  r = batch row b, k = weight row i, coef(r, k) = dY[b, i]
 *                          at c + r·cr + k·S, rows = W;
 *   mode "w", dW += dYᵀ·X: r = weight row i, k = batch row b, coef(r, k) = dY[b, i]
 *                          at c + r·S + k·ck, rows = X.
 * @typedef {"x" | "w"} Mode
 */

/**
 * Micro-kernel: RR output rows × CV vectors of columns, accumulated over k.
 * Results stay in registers for the whole pass over k; each step loads CV
 * vectors of one row and RR broadcast coefficients (load-and-splat). The loop
 * ends on the row pointer, so it needs no separate counter.
 */
function combTile(
  /** @type {DType} */ d,
  /** @type {Mode} */ mode,
  /** @type {number} */ RR,
  /** @type {number} */ CV,
) {
  const name = `${d.t}_comb${mode}_${RR}x${CV}`;
  const R = range(RR);
  const V = range(CV);
  const acc = (/** @type {number} */ r, /** @type {number} */ v) => `a${r}_${v}`;
  const splat = d.S === 4 ? "v128.load32_splat" : "v128.load64_splat";
  // Mode w: one coefficient pointer, rows at constant offsets r·S. Mode x: one pointer per row.
  const coef = (/** @type {number} */ r) =>
    mode === "w" ? `(${splat}${off(r * d.S)} ${get("c")})` : `(${splat} ${get(`c${r}`)})`;
  const advance =
    mode === "w" ? [set("c", add(get("c"), get("cs")))] : R.map((r) => set(`c${r}`, add(get(`c${r}`), c32(d.S))));
  const body = [
    ...(mode === "x"
      ? [set("c0", get("c")), ...R.slice(1).map((r) => set(`c${r}`, addScaled(get("c"), r, get("cs"))))]
      : []),
    set("o0", get("out")),
    ...R.slice(1).map((r) => set(`o${r}`, addScaled(get("out"), r, get("ldo")))),
    ...R.flatMap((r) => V.map((v) => set(acc(r, v), `(v128.load${off(16 * v)} ${get(`o${r}`)})`))),
    set("end", add(get("rows"), mul(get("k"), get("ldr")))),
    `(if (i32.ne ${get("rows")} ${get("end")}) (then (loop $step`,
    ...V.map((v) => `  ${set(`rv${v}`, `(v128.load${off(16 * v)} ${get("rows")})`)}`),
    ...R.flatMap((r) => [
      `  ${set("s", coef(r))}`,
      ...V.map((v) => `  ${set(acc(r, v), madd(d, get("s"), get(`rv${v}`), get(acc(r, v))))}`),
    ]),
    ...advance.map((l) => `  ${l}`),
    `  ${set("rows", add(get("rows"), get("ldr")))}`,
    `  (br_if $step (i32.ne ${get("rows")} ${get("end")})))))`,
    ...R.flatMap((r) => V.map((v) => `(v128.store${off(16 * v)} ${get(`o${r}`)} ${get(acc(r, v))})`)),
  ];
  const sig = [
    params(["k", "c", "cs", "rows", "ldr", "out", "ldo"]),
    locals(["end", ...(mode === "x" ? R.map((r) => `c${r}`) : []), ...R.map((r) => `o${r}`)], "i32"),
    locals([...R.flatMap((r) => V.map((v) => acc(r, v))), ...V.map((v) => `rv${v}`), "s"], "v128"),
  ].join(" ");
  const coefAt = mode === "w" ? "c + r·S + k·cs" : "c + r·cs + k·S";
  return func(
    name,
    null,
    sig,
    body,
    `${RR}×${CV * d.L} tile of out += coef·rows over k; coef(r,k) at ${coefAt}, rows[k] at rows + k·ldr (bytes).`,
  );
}

/** One output element: out[0] += Σ_k coef(k) · rows[k, 0], for the last N mod L columns. */
function combColumn(/** @type {DType} */ d) {
  const body = [
    set("s", `(${d.t}.load ${get("out")})`),
    set("end", add(get("rows"), mul(get("k"), get("ldr")))),
    `(if (i32.ne ${get("rows")} ${get("end")}) (then (loop $step`,
    `  ${set("s", scalarMadd(d, `(${d.t}.load ${get("c")})`, `(${d.t}.load ${get("rows")})`, get("s")))}`,
    `  ${set("c", add(get("c"), get("ck")))}`,
    `  ${set("rows", add(get("rows"), get("ldr")))}`,
    `  (br_if $step (i32.ne ${get("rows")} ${get("end")})))))`,
    `(${d.t}.store ${get("out")} ${get("s")})`,
  ];
  const sig = [params(["k", "c", "ck", "rows", "ldr", "out"]), locals(["end"], "i32"), locals(["s"], d.t)].join(" ");
  return func(`${d.t}_comb_col`, null, sig, body, "Scalar column of out += coef·rows: coef(k) at c + k·ck.");
}

/**
 * out[R,N] += coef[R,K] · rows[K,N], in reduction blocks of KC so one block
 * of the streamed operand stays in cache. Loop order per mode:
 *   x: column tiles outside, output rows inside — the W panel of a block
 *      (KC rows × one tile width) stays in L1 while every batch row passes it;
 *   w: output rows outside, column tiles inside — the coefficients of a row
 *      tile (kn × RR) are reused by every column tile. They lie down a column
 *      of dY, a cache line per k at a stride of M·S bytes (all in one L1 set
 *      when M·S is a multiple of 4 KiB), so the row tile first copies them to
 *      the scratch at $p, packed as [kn][RR], and every column tile, the last
 *      N mod L scalar columns included, reads that contiguous copy from L1.
 *      The sum over k keeps its order: results are those of the unpacked loop.
 */
function combDriver(/** @type {DType} */ d, /** @type {Mode} */ mode) {
  const { COMB_CV: CV, COMB_KC: KC, COMB_RC: RC } = TILES;
  const RR = mode === "w" ? TILES.COMB_RR_W : TILES.COMB_RR;
  const tileCols = CV * d.L;
  const outAt = (/** @type {number} */ q) => add(add(get("out"), mul(plus(get("r"), q), get("ldo"))), get("jb"));
  const rowsAt = add(get("rb"), get("jb"));
  // Coefficients of a tile of rr rows: the packed copy (mode w) or in place (mode x), and their stride.
  const coefOf = (/** @type {number} */ rr) =>
    mode === "w" ? `${get("p")} ${c32(rr * d.S)}` : `${add(get("cb"), mul(get("r"), get("cr")))} ${get("cr")}`;
  const call = (/** @type {number} */ rr, /** @type {number} */ cv) =>
    `(call $${d.t}_comb${mode}_${rr}x${cv} ${get("kn")} ${coefOf(rr)} ${rowsAt} ${get("ldr")} ${outAt(0)} ${get("ldo")})`;
  /** Scalar column $j of output row $r + q, its coefficients at c with stride ck. */
  const column = (/** @type {number} */ q, /** @type {string} */ c, /** @type {string} */ ck) =>
    `(call $${d.t}_comb_col ${get("kn")} ${c} ${ck} ${rowsAt} ${get("ldr")} ${outAt(q)})`;
  const jb = set("jb", shl(get("j"), d.shift));
  const scalarColumns = (/** @type {string[]} */ body) => forLoop("j", get("nv"), get("N"), c32(1), [jb, ...body]);
  /** Mode w: coef[$r..$r+rr, block] to the scratch as [kn][rr], one row of rr per k. */
  const pack = (/** @type {number} */ rr) => [
    set("src", add(get("cb"), shl(get("r"), d.shift))),
    set("dst", get("p")),
    set("end", add(get("p"), mul(get("kn"), c32(rr * d.S)))),
    `(if (i32.ne ${get("dst")} ${get("end")}) (then (loop $pack`,
    ...range(rr).map((q) => `  (${d.t}.store${off(q * d.S)} ${get("dst")} (${d.t}.load${off(q * d.S)} ${get("src")}))`),
    `  ${set("src", add(get("src"), get("ck")))}`,
    `  ${set("dst", add(get("dst"), c32(rr * d.S)))}`,
    `  (br_if $pack (i32.ne ${get("dst")} ${get("end")})))))`,
  ];
  /** Mode w: every column of output rows [$r, $r + rr), from their packed coefficients. */
  const columns = (/** @type {number} */ rr) => [
    ...pack(rr),
    ...forLoop("j", c32(0), get("nt"), c32(tileCols), [jb, call(rr, CV)]),
    ...(CV > 1 ? forLoop("j", get("nt"), get("nv"), c32(d.L), [jb, call(rr, 1)]) : []),
    ...scalarColumns(range(rr).map((q) => column(q, plus(get("p"), q * d.S), c32(rr * d.S)))),
  ];
  /** Mode x: every output row tile of the block [$r0, $re) at column tile $j (width cv vectors). */
  const rowTiles = (/** @type {number} */ cv) => [
    jb,
    ...forLoop("r", get("r0"), get("rf"), c32(RR), [call(RR, cv)]),
    ...forLoop("r", get("rf"), get("re"), c32(1), [call(1, cv)]),
  ];
  // Mode x also blocks the output rows by RC, so the coefficients of a block (RC × KC)
  // stay in cache across the column tiles when B is large (all time steps at once).
  const tiles =
    mode === "w"
      ? [
          ...forLoop("r", c32(0), get("rf"), c32(RR), columns(RR)),
          ...forLoop("r", get("rf"), get("R"), c32(1), columns(1)),
        ]
      : [
          ...forLoop("r0", c32(0), get("R"), c32(RC), [
            set(
              "re",
              `(select ${get("R")} ${add(get("r0"), c32(RC))} (i32.lt_u ${sub(get("R"), get("r0"))} ${c32(RC)}))`,
            ),
            set("rf", sub(get("re"), `(i32.rem_u ${sub(get("re"), get("r0"))} ${c32(RR)})`)),
            ...forLoop("j", c32(0), get("nt"), c32(tileCols), rowTiles(CV)),
            ...(CV > 1 ? forLoop("j", get("nt"), get("nv"), c32(d.L), rowTiles(1)) : []),
          ]),
          // The last N mod L columns, one scalar column per output row.
          ...scalarColumns(
            forLoop("r", c32(0), get("R"), c32(1), [column(0, add(get("cb"), mul(get("r"), get("cr"))), c32(d.S))]),
          ),
        ];
  const body = [
    set("rf", sub(get("R"), `(i32.rem_u ${get("R")} ${c32(RR)})`)),
    set("nt", sub(get("N"), `(i32.rem_u ${get("N")} ${c32(tileCols)})`)),
    set("nv", sub(get("N"), `(i32.rem_u ${get("N")} ${c32(d.L)})`)),
    ...forLoop("k0", c32(0), get("K"), c32(KC), [
      set("kn", `(select ${c32(KC)} ${sub(get("K"), get("k0"))} (i32.lt_u ${c32(KC)} ${sub(get("K"), get("k0"))}))`),
      set("cb", add(get("c"), mul(get("k0"), get("ck")))),
      set("rb", add(get("rows"), mul(get("k0"), get("ldr")))),
      ...tiles,
    ]),
  ];
  const w = mode === "w";
  const sig = [
    params(["R", "K", "N", "c", "cr", "ck", "rows", "ldr", "out", "ldo", ...(w ? ["p"] : [])]),
    locals(
      ["rf", "nt", "nv", "k0", "kn", "cb", "rb", "j", "jb", "r", ...(w ? ["src", "dst", "end"] : ["r0", "re"])],
      "i32",
    ),
  ].join(" ");
  const doc = `out[R,N] += coef[R,K] · rows[K,N], mode ${mode}; coef(r,k) at c + r·cr + k·ck${w ? "; p: scratch of SCRATCH_BYTES" : ""}.`;
  return func(`${d.t}_combine_${mode}`, null, sig, body, doc);
}

function adjointExports(/** @type {DType} */ d) {
  const S = d.S;
  const ld = (/** @type {string} */ n) => shl(get(n), d.shift);
  const bwdX = func(
    `${d.t}_matmul_bwd_x`,
    `${d.t}_matmul_bwd_x`,
    params(["B", "M", "N", "dy", "w", "dx"]),
    [
      `(call $${d.t}_combine_x ${get("B")} ${get("M")} ${get("N")} ${get("dy")} ${ld("M")} ${c32(S)} ${get("w")} ${ld("N")} ${get("dx")} ${ld("N")})`,
    ],
    "dX[B,N] += dY[B,M] · W, W row-major [M,N]; byte addresses.",
  );
  // N < L: the rows of dW that fill vectors by the narrow kernel, the last M mod L by combine_w.
  const combineW = (/** @type {string} */ rows) =>
    `(call $${d.t}_combine_w ${rows} ${get("B")} ${get("N")} ${add(get("dy"), ld("mf"))} ${c32(S)} ${ld("M")} ${get("x")} ${ld("N")} ${add(get("dw"), mul(ld("mf"), get("N")))} ${ld("N")} ${get("scratch")})`;
  const bwdW = func(
    `${d.t}_matmul_bwd_w`,
    `${d.t}_matmul_bwd_w`,
    `${params(["B", "M", "N", "dy", "x", "dw", "scratch"])} ${locals(["mf"], "i32")}`,
    [
      `(if (i32.lt_u ${get("N")} ${c32(d.L)}) (then`,
      `  ${set("mf", sub(get("M"), `(i32.rem_u ${get("M")} ${c32(d.L)})`))}`,
      `  ${narrowCall(d, "bwdw", [get("B"), get("mf"), ld("M"), get("dy"), get("x"), get("dw")])}`,
      `  ${combineW(sub(get("M"), get("mf")))}`,
      `) (else ${combineW(get("M"))}))`,
    ],
    "dW[M,N] += dY[B,M]ᵀ · X[B,N]; byte addresses, scratch: SCRATCH_BYTES of memory the kernel may overwrite.",
  );
  return bwdX + bwdW;
}

// --- peak: register-only multiply–add loop ---------------------------------------

/**
 * CHAINS independent (mul, add) pairs per iteration, no memory traffic: the
 * machine's ceiling for the SIMD kernels' instruction mix (WebAssembly SIMD has no
 * fused multiply–add). m ← m·c with c = 1 keeps values constant and normal;
 * a ← a + m. Each chain's latency is hidden by the others. Flops per call:
 * iters · CHAINS · 2 · L.
 */
export const PEAK_CHAINS = 7;

/**
 * The relaxed module's peak: FMA_PEAK_CHAINS independent chains a ← a·c + c of one
 * relaxed_madd each (c = 1: a counts up, exactly). A fused multiply–add has the latency
 * of a multiply (about 4 cycles) and two issue each cycle, so at least 8 chains keep both
 * units busy; 10 leave registers to spare. Flops per call: iters · FMA_PEAK_CHAINS · 2 · L.
 */
export const FMA_PEAK_CHAINS = 10;

function peak(/** @type {DType} */ d) {
  const C = range(d.fma ? FMA_PEAK_CHAINS : PEAK_CHAINS);
  const step = d.fma
    ? C.map((i) => `  ${set(`a${i}`, madd(d, get(`a${i}`), get("cv"), get("cv")))}`)
    : C.flatMap((i) => [
        `  ${set(`m${i}`, `(${d.v}.mul ${get(`m${i}`)} ${get("cv")})`)}`,
        `  ${set(`a${i}`, `(${d.v}.add ${get(`a${i}`)} ${get(`m${i}`)})`)}`,
      ]);
  const body = [
    set("cv", `(${d.v}.splat ${get("c")})`),
    ...(d.fma ? [] : C.map((i) => set(`m${i}`, get("cv")))),
    `(if (i32.gt_u ${get("iters")} ${c32(0)}) (then (loop $step`,
    ...step,
    `  ${set("iters", sub(get("iters"), c32(1)))}`,
    `  (br_if $step ${get("iters")}))))`,
    C.slice(1).reduce((s, i) => `(${d.v}.add ${s} ${get(`a${i}`)})`, get("a0")),
    `(${d.v}.extract_lane 0)`,
  ];
  const sig = [
    `(param $iters i32) (param $c ${d.t}) (result ${d.t})`,
    locals(["cv", ...(d.fma ? [] : C.map((i) => `m${i}`)), ...C.map((i) => `a${i}`)], "v128"),
  ].join(" ");
  return func(
    `${d.t}_peak`,
    `${d.t}_peak`,
    sig,
    body,
    `Register-only ${d.v} ${d.fma ? "relaxed_madd" : "mul+add"} loop for the peak micro-benchmark.`,
  );
}

// --- activations: y = f(x) over a strided block of rows ---------------------------

/**
 * The gate activations of the generated code, lane-wise on f32x4 and on f64x2. Each is
 * a description: statements that read the v128 local `x` and leave f(x) in `out`,
 * through temporaries that are v128 locals named by the statements. The driver
 * (activationRows) runs it on 2 vectors (8 float32 or 4 float64 columns) per loop
 * pass, then on 1, then once per column of the width mod L tail on a splat, so every
 * element gets the same arithmetic whatever its column.
 *
 * float32: constants are float32 values, written as the shortest decimal of the double
 * that equals them. The exp polynomial was fitted for the least maximum relative error
 * (reweighted least squares, near-minimax) and rounded to float32; the tanh one is
 * Cephes' tanhf.
 *
 * float64: fdlibm's exp and tanh (with its expm1), the routines behind V8's Math.exp
 * and Math.tanh, vectorised operation for operation; each of fdlibm's branches is
 * computed in every lane and the lane's own selected with v128.bitselect. WebAssembly
 * has no fused multiply–add, and V8's x86-64 build uses none, so the results are
 * Math.*'s bit for bit there (the float64 modules are compared to the interpreter's
 * Math.* to 1e-12 and to PyTorch to 1e-9).
 *
 * Measured accuracy against Math.*: docs/kernels.md#activations.
 */

/**
 * The vector constants of the kernel being generated: v128.const text → local. V8
 * materialises a v128.const with several instructions where it appears and does not
 * hoist it out of loops, so the driver sets each constant in a local once per call.
 * @type {Map<string, string>}
 */
let vectorConstants = new Map();
function vconst(/** @type {string} */ text) {
  let name = vectorConstants.get(text);
  if (name === undefined) vectorConstants.set(text, (name = `k${vectorConstants.size}`));
  return get(name);
}

/**
 * Lane-wise operations on the vectors of d: float operations `f`, integer operations
 * `i` on lanes of the same width, a float constant `k` and an integer constant `n`
 * (a number, or the text of a 64-bit literal) in every lane.
 * @typedef {{ d: DType, f: (op: string, ...args: string[]) => string, i: (op: string, ...args: string[]) => string, k: (c: number) => string, n: (c: number | string) => string }} LaneOps
 */
function laneOps(/** @type {DType} */ d) {
  const lanes = (/** @type {string} */ s) =>
    range(d.L)
      .map(() => s)
      .join(" ");
  /** @type {LaneOps} */
  const o = {
    d,
    f: (op, ...args) => `(${d.v}.${op} ${args.join(" ")})`,
    i: (op, ...args) => `(${d.i}.${op} ${args.join(" ")})`,
    k: (c) => vconst(`(v128.const ${d.v} ${lanes(String(d.t === "f32" ? Math.fround(c) : c))})`),
    n: (c) => vconst(`(v128.const ${d.i} ${lanes(String(c))})`),
  };
  return o;
}

/**
 * q0 + q1·v + v2·(q2 + q3·v + v2·(q4 + …)) for v2 = v²: Horner's scheme in v² over pairs
 * of terms (Estrin's first level), half the dependency chain of Horner's in v.
 */
function poly(/** @type {LaneOps} */ o, /** @type {string} */ v, /** @type {string} */ v2, /** @type {number[]} */ q) {
  const c = (/** @type {number} */ j) => o.k(/** @type {number} */ (q[j]));
  const pair = (/** @type {number} */ j) => (j + 1 < q.length ? o.f("add", c(j), o.f("mul", v, c(j + 1))) : c(j));
  /** @type {(j: number) => string} */
  const from = (j) => (j + 2 < q.length ? o.f("add", pair(j), o.f("mul", v2, from(j + 2))) : pair(j));
  return from(0);
}

/**
 * q0 + v·(q1 + v·(q2 + …)): Horner's scheme, in exactly this order of operations.
 * @returns {string}
 */
function horner(/** @type {LaneOps} */ o, /** @type {string} */ v, /** @type {number[]} */ q) {
  const [q0, ...rest] = q;
  const c = o.k(/** @type {number} */ (q0));
  return rest.length === 0 ? c : o.f("add", c, o.f("mul", v, horner(o, v, rest)));
}

/** The double whose IEEE 754 bits are `hex` (fdlibm states its thresholds so). */
function doubleOfBits(/** @type {string} */ hex) {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(hex));
  return view.getFloat64(0);
}

/** The sign bit of every lane. */
const signMask = (/** @type {LaneOps} */ o) => o.n(o.d.t === "f32" ? 0x80000000 : "0x8000000000000000");

/** A bitwise select, lane by lane: `a` where `mask` is set, else `b`. */
const pick = (/** @type {string} */ a, /** @type {string} */ b, /** @type {string} */ mask) =>
  `(v128.bitselect ${a} ${b} ${mask})`;

/** 2^e for the integers e in the integer lanes of `e` (normal results only): e + BIAS in the exponent bits. */
function pow2(/** @type {LaneOps} */ o, /** @type {string} */ e) {
  const { BIAS, MANT } = o.d.t === "f32" ? EXP32 : FDLIBM;
  return o.i("shl", o.i("add", e, o.n(BIAS)), c32(MANT));
}

/**
 * out = y·2^k for y in the local `y` and the integer k in the integer lanes of the
 * local `en`, in two factors 2^⌊k/2⌋·2^(k−⌊k/2⌋): the first product is exact, so
 * results below the smallest normal are rounded once, to subnormals or 0, and results
 * above the largest overflow to +Infinity.
 */
function scaleByPow2(/** @type {LaneOps} */ o, /** @type {string} */ y, /** @type {string} */ out) {
  const { f, i } = o;
  return [
    set("eh", i("shr_s", get("en"), c32(1))),
    set(out, f("mul", f("mul", get(y), pow2(o, get("eh"))), pow2(o, i("sub", get("en"), get("eh"))))),
  ];
}

/**
 * Constants of the float32 exp. Inputs are clamped to [LO, HI]: e^HI overflows to
 * +Infinity and e^LO rounds to 0; NaN passes (pmin/pmax keep their first operand).
 * ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits so that k·LN2_HI is exact for
 * |k| < 2^15. Adding SHIFTER (1.5·2^23) rounds to an integer, which the low bits of
 * the sum hold; its bit pattern is SHIFTER_BITS.
 */
const EXP32 = {
  LO: -105,
  HI: 89,
  LOG2E: 1.4426950408889634,
  LN2_HI: 0.693359375,
  LN2_LO: -2.1219444e-4,
  SHIFTER: 12582912,
  SHIFTER_BITS: 0x4b400000,
  BIAS: 127,
  MANT: 23,
  /** e^r ≈ 1 + r + r²·Q(r) on [−ln2/2, ln2/2], Q of degree 4 (near-minimax, relative error 5e-9 before rounding). */
  Q: [0.4999999403953552, 0.16666515171527863, 0.04166845604777336, 0.008369418792426586, 0.0013813144760206342],
};

/**
 * Constants of the float64 functions: those of fdlibm's e_exp.c, s_expm1.c and
 * s_tanh.c (Sun Microsystems, 1993, freely redistributable; V8's Math.exp and
 * Math.tanh are these routines, src/base/ieee754.cc). Thresholds that fdlibm tests on
 * the high word of |x| are written as the doubles where those tests change.
 */
const FDLIBM = {
  INVLN2: 1.442695040888963387,
  /** ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits: k·LN2_HI is exact for |k| < 2^21. */
  LN2_HI: 6.9314718036912381649e-1,
  LN2_LO: 1.90821492927058770002e-10,
  /** k = 0 below this |x|: fdlibm's `hx > 0x3FD62E42` (|x| > 0.5·ln2, by the high word). */
  HALF_LN2: doubleOfBits("0x3FD62E4300000000"),
  /** 1.5·2^52: adding it to an integer below 2^51 leaves the integer in the low bits, the bit pattern then being SHIFTER_BITS + k. */
  SHIFTER: 6755399441055744,
  SHIFTER_BITS: "0x4338000000000000",
  BIAS: 1023,
  MANT: 52,
  /** 2^-28, below which exp(x) = 1 + x and tanh(x) = x. */
  TINY: doubleOfBits("0x3E30000000000000"),
  /** exp: inputs clamped to [LO, HI], beyond which e^x is 0 or +Infinity; NaN passes. */
  EXP_LO: -746,
  EXP_HI: 710,
  /** e^1, which V8's fdlibm exp returns for x = 1 (its formula gives one ulp more). */
  E: 2.718281828459045,
  /** exp: R1(r) = r − r²·P(r²), a Remez fit with error below 2^-59 on [0, 0.34658]. */
  P: [
    1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5, -1.6533902205465251539e-6,
    4.13813679705723846039e-8,
  ],
  /** expm1: R1(z) = 1 + z·Q(z), z = r²/2, with error below 2^-61 on [0, 0.347]. */
  Q: [
    -3.33333333333331316428e-2, 1.58730158725481460165e-3, -7.93650757867487942473e-5, 4.00821782732936239552e-6,
    -2.01099218183624371326e-7,
  ],
};

/** The integers k in the float lanes of `k` (|k| < 2^51) as integer lanes: through the bits of k + SHIFTER. */
const int64Of = (/** @type {LaneOps} */ o, /** @type {string} */ k) =>
  o.i("sub", o.f("add", k, o.k(FDLIBM.SHIFTER)), o.n(FDLIBM.SHIFTER_BITS));

/**
 * fdlibm's argument reduction, shared by exp and expm1: x = k·ln2 + r with
 * k = trunc(x·INVLN2 ± 1/2) (x's sign), 0 where |x| < HALF_LN2, hi = x − k·LN2_HI
 * (exact), lo = k·LN2_LO, r = hi − lo. Reads the local `<p>x`; sets `<p>y` = |x|,
 * `<p>k` = k (a float), `<p>a` = hi, `<p>b` = lo, `<p>r` = r.
 */
function reduceLn2(/** @type {LaneOps} */ o, /** @type {string} */ p) {
  const { f, k } = o;
  const v = (/** @type {string} */ name) => get(p + name);
  const halfWithSign = `(v128.or (v128.and ${v("x")} ${signMask(o)}) ${k(0.5)})`;
  return [
    set(`${p}y`, f("abs", v("x"))),
    set(`${p}k`, f("trunc", f("add", f("mul", v("x"), k(FDLIBM.INVLN2)), halfWithSign))),
    set(`${p}k`, `(v128.andnot ${v("k")} ${f("lt", v("y"), k(FDLIBM.HALF_LN2))})`),
    set(`${p}a`, f("sub", v("x"), f("mul", v("k"), k(FDLIBM.LN2_HI)))),
    set(`${p}b`, f("mul", v("k"), k(FDLIBM.LN2_LO))),
    set(`${p}r`, f("sub", v("a"), v("b"))),
  ];
}

/**
 * out = e^x: x = k·ln2 + r with |r| ≤ ln2/2 (about), e^r by a polynomial or rational
 * form, then scaleByPow2.
 *
 * float32: k = nearest(x·log2 e) by the shifter; e^r = 1 + r + r²·Q(r).
 *
 * float64: fdlibm's exp, operation for operation, so that without fused multiply–adds
 * (x86-64) it rounds as V8's Math.exp does, to less than 1 ulp: after reduceLn2,
 * c = r − r²·P(r²) and e^r = 1 − ((lo − r·c/(2 − c)) − hi); the special cases, fdlibm's
 * 1 + x for |x| < 2^-28 and V8's e for x = 1, are lane selects.
 */
function expOf(/** @type {LaneOps} */ o, /** @type {string} */ x, /** @type {string} */ out) {
  const { f, i, k, n } = o;
  if (o.d.t === "f32") {
    const E = EXP32;
    return [
      set("ex", f("pmax", f("pmin", get(x), k(E.HI)), k(E.LO))),
      set("et", f("add", f("mul", get("ex"), k(E.LOG2E)), k(E.SHIFTER))),
      set("ek", f("sub", get("et"), k(E.SHIFTER))),
      set("er", f("sub", f("sub", get("ex"), f("mul", get("ek"), k(E.LN2_HI))), f("mul", get("ek"), k(E.LN2_LO)))),
      set("e2", f("mul", get("er"), get("er"))),
      set("ep", f("add", f("add", f("mul", get("e2"), poly(o, get("er"), get("e2"), E.Q)), get("er")), k(1))),
      set("en", i("sub", get("et"), n(E.SHIFTER_BITS))),
      ...scaleByPow2(o, "ep", out),
    ];
  }
  const F = FDLIBM;
  return [
    set("ex", f("pmax", f("pmin", get(x), k(F.EXP_HI)), k(F.EXP_LO))),
    ...reduceLn2(o, "e"),
    set("e2", f("mul", get("er"), get("er"))),
    set("ec", f("sub", get("er"), f("mul", get("e2"), horner(o, get("e2"), F.P)))),
    set(
      "ep",
      f(
        "sub",
        k(1),
        f("sub", f("sub", get("eb"), f("div", f("mul", get("er"), get("ec")), f("sub", k(2), get("ec")))), get("ea")),
      ),
    ),
    set("en", int64Of(o, get("ek"))),
    ...scaleByPow2(o, "ep", "es"),
    set("es", pick(f("add", k(1), get("ex")), get("es"), f("lt", get("ey"), k(F.TINY)))),
    set(out, pick(k(F.E), get("es"), f("eq", get("ex"), k(1)))),
  ];
}

/**
 * out = e^x − 1 by fdlibm's expm1, operation for operation, for the arguments tanh
 * gives it: x ∈ (−2, 0] (k ∈ {0, −1, −2, −3}) and x ∈ [2, 44) (k from 3 to 64), so
 * its cases for k = 1 and for |x| < 2^-54 or ≥ 56·ln2 never arise. After reduceLn2
 * with the rounding error c of r, e^r − 1 = r − E, E = (r·(e − c) − c) − r²/2 for
 * fdlibm's rational e, and by k: r − E (0), (r − E)/2 − 1/2 (−1), (1 − (E − r))·2^k − 1
 * (≤ −2 or > 56), ((1 − 2^-k) − (E − r))·2^k (< 20), ((r − (E + 2^-k)) + 1)·2^k (else),
 * every case computed and one selected per lane.
 */
function expm1Of(/** @type {LaneOps} */ o, /** @type {string} */ x, /** @type {string} */ out) {
  const { f, i, k } = o;
  const m = (/** @type {string} */ name) => get(`m${name}`);
  const kIs = (/** @type {string} */ op, /** @type {number} */ c) => f(op, m("k"), k(c));
  return [
    set("mx", get(x)),
    ...reduceLn2(o, "m"),
    set("mc", f("sub", f("sub", m("a"), m("r")), m("b"))),
    set("mf", f("mul", k(0.5), m("r"))),
    set("ms", f("mul", m("r"), m("f"))),
    set("m1", f("add", k(1), f("mul", m("s"), horner(o, m("s"), FDLIBM.Q)))),
    set("mt", f("sub", k(3), f("mul", m("1"), m("f")))),
    set("me", f("mul", m("s"), f("div", f("sub", m("1"), m("t")), f("sub", k(6), f("mul", m("r"), m("t")))))),
    set("me", f("sub", f("sub", f("mul", m("r"), f("sub", m("e"), m("c"))), m("c")), m("s"))),
    set("md", f("sub", m("e"), m("r"))),
    set("mn", int64Of(o, m("k"))),
    set("mp", pow2(o, m("n"))),
    set("mq", pow2(o, i("neg", m("n")))),
    set("mv", f("mul", f("add", f("sub", m("r"), f("add", m("e"), m("q"))), k(1)), m("p"))),
    set("mv", pick(f("mul", f("sub", f("sub", k(1), m("q")), m("d")), m("p")), m("v"), kIs("lt", 20))),
    set(
      "mv",
      pick(
        f("sub", f("mul", f("sub", k(1), m("d")), m("p")), k(1)),
        m("v"),
        `(v128.or ${kIs("le", -2)} ${kIs("gt", 56)})`,
      ),
    ),
    set("mv", pick(f("sub", f("mul", k(0.5), f("sub", m("r"), m("e"))), k(0.5)), m("v"), kIs("eq", -1))),
    set(out, pick(f("sub", m("r"), m("e")), m("v"), kIs("eq", 0))),
  ];
}

/**
 * tanh x = x + x³·P(x²) for |x| < SMALL (Cephes' tanhf polynomial), where
 * 1 − 2/(e^{2|x|} + 1) would lose relative accuracy.
 */
const TANH32 = {
  SMALL: 0.625,
  P: [-3.33332819422e-1, 1.33314422036e-1, -5.37397155531e-2, 2.06390887954e-2, -5.70498872745e-3],
};

/** @typedef {{ name: string, doc: string, body: (x: string, out: string) => string[] }} Activation */

/** tanh on float32: on a = |x|, a + a³·P(a²) for a < 0.625, else 1 − 2/(e^{2a} + 1), chosen per lane; then x's sign. */
function tanh32(/** @type {LaneOps} */ o, /** @type {string} */ x, /** @type {string} */ out) {
  const { f, k } = o;
  const z = get("tz");
  return [
    set("ta", f("abs", get(x))),
    set("tz", f("mul", get("ta"), get("ta"))),
    set("ts", f("add", get("ta"), f("mul", f("mul", get("ta"), z), poly(o, z, f("mul", z, z), TANH32.P)))),
    set("t2", f("add", get("ta"), get("ta"))),
    ...expOf(o, "t2", "te"),
    set("tl", f("sub", k(1), f("div", k(2), f("add", get("te"), k(1))))),
    set("tv", pick(get("ts"), get("tl"), f("lt", get("ta"), k(TANH32.SMALL)))),
    set(out, `(v128.or ${get("tv")} (v128.and ${get(x)} ${signMask(o)}))`),
  ];
}

/**
 * tanh on float64, fdlibm's: on a = |x|, t = expm1(−2a) and −t/(t + 2) for a < 1,
 * t = expm1(2a) and 1 − 2/(t + 2) for 1 ≤ a < 22 (one division: the numerator is
 * chosen first), a below 2^-28, 1 from 22; then x's sign.
 */
function tanh64(/** @type {LaneOps} */ o, /** @type {string} */ x, /** @type {string} */ out) {
  const { f, k } = o;
  const big = f("ge", get("ta"), k(1));
  return [
    set("ta", f("abs", get(x))),
    set("t2", f("add", get("ta"), get("ta"))),
    set("t2", pick(get("t2"), f("neg", get("t2")), big)),
    ...expm1Of(o, "t2", "tm"),
    set("tq", f("div", pick(k(2), f("neg", get("tm")), big), f("add", get("tm"), k(2)))),
    set("tv", pick(f("sub", k(1), get("tq")), get("tq"), big)),
    set("tv", pick(get("ta"), get("tv"), f("lt", get("ta"), k(FDLIBM.TINY)))),
    set("tv", pick(k(1), get("tv"), f("ge", get("ta"), k(22)))),
    set(out, `(v128.or ${get("tv")} (v128.and ${get(x)} ${signMask(o)}))`),
  ];
}

/** The activations on the lanes of o.d. @returns {Activation[]} */
function activations(/** @type {LaneOps} */ o) {
  const { f, k } = o;
  const f32 = o.d.t === "f32";
  return [
    {
      name: "sigmoid",
      doc: `1/(1 + e^−x); e^−x overflows to +Infinity for x < ${f32 ? "−88.7" : "−709.78"}, giving 0, never NaN`,
      body: (x, out) => [
        set("sn", f("neg", get(x))),
        ...expOf(o, "sn", "se"),
        set(out, f("div", k(1), f("add", k(1), get("se")))),
      ],
    },
    {
      name: "tanh",
      doc: f32
        ? "tanh x: on a = |x|, a + a³·P(a²) for a < 0.625, else 1 − 2/(e^{2a} + 1); then x's sign (−0 stays −0)"
        : "tanh x, fdlibm's: on a = |x|, −t/(t + 2) for t = expm1(−2a) below 1, 1 − 2/(t + 2) for t = expm1(2a) below 22, else 1; then x's sign (−0 stays −0)",
      body: (x, out) => (f32 ? tanh32(o, x, out) : tanh64(o, x, out)),
    },
    {
      name: "exp",
      doc: f32
        ? "e^x; +Infinity above ln(max float) ≈ 88.72, subnormal below −87.3, 0 below −103.9"
        : "e^x, fdlibm's; +Infinity above ln(max double) ≈ 709.78, subnormal below −708.4, 0 below −745.13",
      body: (x, out) => expOf(o, x, out),
    },
  ];
}

/**
 * Y[r, i] = f(X[r, i]) for r < rows, i < width, rows xs and ys elements apart
 * (x, y byte addresses). In place when x = y and xs = ys; otherwise the block
 * of y must not overlap the block of x.
 */
function activationRows(/** @type {DType} */ d, /** @type {Activation} */ a) {
  vectorConstants = new Map();
  const f = a.body("v", "fv");
  // A second copy with its own temporaries ($v → $v_b, …): two independent chains per pass
  // keep the FP units busy through the latency of the first (measured 25–35% faster).
  const temporaries = new Set(["v", ...[...f.join(" ").matchAll(/\(local\.set \$(\w+)/g)].map((m) => m[1] ?? "")]);
  const f2 = f.map((l) => l.replace(/\$(\w+)/g, (m, n) => (temporaries.has(n) ? `$${n}_b` : m)));
  const step = (/** @type {number} */ bytes) => [
    set("px", add(get("px"), c32(bytes))),
    set("py", add(get("py"), c32(bytes))),
  ];
  /** `px` up to `end` in steps of `bytes`: `if (px != end) do { body; px += bytes; py += bytes } while (px != end)`. */
  const sweep = (
    /** @type {string} */ label,
    /** @type {number} */ bytes,
    /** @type {string} */ end,
    /** @type {string[]} */ body,
  ) => [
    set("end", add(get("x"), end)),
    `(if (i32.ne ${get("px")} ${get("end")}) (then (loop $${label}`,
    ...[...body, ...step(bytes)].map((l) => `  ${l}`),
    `  (br_if $${label} (i32.ne ${get("px")} ${get("end")})))))`,
  ];
  const body = [
    ...[...vectorConstants].map(([text, name]) => set(name, text)),
    set("xs", shl(get("xs"), d.shift)),
    set("ys", shl(get("ys"), d.shift)),
    set("wb", shl(get("width"), d.shift)),
    ...forLoop("r", c32(0), get("rows"), c32(1), [
      set("px", get("x")),
      set("py", get("y")),
      ...sweep("pairs", 32, `(i32.and ${get("wb")} ${c32(-32)})`, [
        set("v", `(v128.load ${get("px")})`),
        set("v_b", `(v128.load offset=16 ${get("px")})`),
        ...f.flatMap((l, i) => [l, f2[i] ?? ""]),
        `(v128.store ${get("py")} ${get("fv")})`,
        `(v128.store offset=16 ${get("py")} ${get("fv_b")})`,
      ]),
      ...sweep("vector", 16, `(i32.and ${get("wb")} ${c32(-16)})`, [
        set("v", `(v128.load ${get("px")})`),
        ...f,
        `(v128.store ${get("py")} ${get("fv")})`,
      ]),
      // The last width mod L columns, one at a time through the same vector code.
      ...sweep("columns", d.S, get("wb"), [
        set("v", `(v128.load${8 * d.S}_splat ${get("px")})`),
        ...f,
        `(${d.t}.store ${get("py")} (${d.v}.extract_lane 0 ${get("fv")}))`,
      ]),
      set("x", add(get("x"), get("xs"))),
      set("y", add(get("y"), get("ys"))),
    ]),
  ];
  const vectors = [...temporaries, ...[...temporaries].map((t) => `${t}_b`), ...vectorConstants.values()];
  const sig = [
    params(["rows", "width", "x", "xs", "y", "ys"]),
    locals(["wb", "r", "px", "py", "end"], "i32"),
    locals(vectors, "v128"),
  ].join(" ");
  const name = `${d.t}_${a.name}_rows`;
  return func(
    name,
    name,
    sig,
    body,
    `Y[r,i] = ${a.doc}; r < rows, i < width; byte addresses, row strides xs, ys in elements.`,
  );
}

// --- softmax of rows --------------------------------------------------------------

/**
 * Per contiguous row of `width` at x (byte address), r < rows, in the order of
 * runtime/kernels/softmax.ts and losses.ts: the row's maximum m, then e^(x − m) by the exp of
 * the activations, summed (float32: in L lanes; float64: in column order, so that its results are the JavaScript
 * kernels' bits). The maximum skips NaN as the JavaScript kernels' `x > m`
 * does (pmax, and a < b ? b : a on scalars; a single maxps, where max's NaN rules cost V8 eight
 * instructions); a NaN logit then makes its row's sum, and its softmax, NaN. Then, by `kind`:
 *   - softmax: Y[r, :] = e^(X[r, :] − m) · (1/Σ) (y a byte address; in place when x = y);
 *   - maxExpSums: the pair (m, Σ) as two float64 at y + 16·r, what the cross-entropy of the
 *     logits needs besides the target's logit and a log. Float32's exponentials are summed in
 *     float64 lanes: a float32 sum 1 + ε would keep a loss ε ≈ 10⁻³ to about 4 digits only.
 */
function expRows(/** @type {DType} */ d, /** @type {"softmax" | "maxExpSums"} */ kind) {
  vectorConstants = new Map();
  const o = laneOps(d);
  const exp = activations(o).find((a) => a.name === "exp");
  if (!exp) throw new Error("internal error: no exp among the activations");
  const f = exp.body("v", "fv");
  const temporaries = new Set(["v", ...[...f.join(" ").matchAll(/\(local\.set \$(\w+)/g)].map((m) => m[1] ?? "")]);
  const at = (/** @type {string} */ base) => add(get(base), get("j"));
  const softmax = kind === "softmax";
  // The sum: in d's lanes, or, for float32's maxExpSums, in two f64x2 (the low and the high lanes) and a float64.
  const wide = !softmax && d.t === "f32";
  const sumType = wide ? "f64" : d.t;
  // float64 sums its lanes in column order, as the JavaScript kernels do: the same bits as theirs.
  const sequential = d.t === "f64";
  const addToSum = sequential
    ? [
        set(
          "s",
          `(f64.add (f64.add ${get("s")} (f64x2.extract_lane 0 ${get("fv")})) (f64x2.extract_lane 1 ${get("fv")}))`,
        ),
      ]
    : wide
      ? [
          set("sv", `(f64x2.add ${get("sv")} (f64x2.promote_low_f32x4 ${get("fv")}))`),
          set(
            "sh",
            `(f64x2.add ${get("sh")} (f64x2.promote_low_f32x4 (${laneShuffle(d, [2, 3, 2, 3])} ${get("fv")} ${get("fv")})))`,
          ),
        ]
      : [set("sv", `(${d.v}.add ${get("sv")} ${get("fv")})`)];
  const lane0 = `(${d.v}.extract_lane 0 ${get("fv")})`;
  const vectors = forLoop("j", c32(0), get("wv"), c32(16), [
    set("v", `(${d.v}.sub (v128.load ${at("x")}) ${get("mv")})`),
    ...f,
    ...(softmax ? [`(v128.store ${at("y")} ${get("fv")})`] : []),
    ...addToSum,
  ]);
  // The last width mod L columns, one at a time through the same vector code.
  const columns = forLoop("j", get("wv"), get("wb"), c32(d.S), [
    set("v", `(${d.v}.splat (${d.t}.sub (${d.t}.load ${at("x")}) ${get("m")}))`),
    ...f,
    ...(softmax ? [`(${d.t}.store ${at("y")} ${lane0})`] : []),
    set("s", `(${sumType}.add ${get("s")} ${wide ? `(f64.promote_f32 ${lane0})` : lane0})`),
  ]);
  const lanes = range(d.L).map((l) => `(${d.v}.extract_lane ${l} ${get("mv")})`);
  /** a < b ? b : a, JavaScript's `if (b > a) a = b` (b is evaluated twice: a local or a load). */
  const larger = (/** @type {string} */ a, /** @type {string} */ b) => `(select ${b} ${a} (${d.t}.lt ${a} ${b}))`;
  const asF64 = (/** @type {string} */ e) => (d.t === "f64" ? e : `(f64.promote_f32 ${e})`);
  const normalise = [
    set("s", `(${d.t}.div (${d.t}.const 1) ${get("s")})`),
    set("mv", `(${d.v}.splat ${get("s")})`),
    ...forLoop("j", c32(0), get("wv"), c32(16), [
      `(v128.store ${at("y")} (${d.v}.mul (v128.load ${at("y")}) ${get("mv")}))`,
    ]),
    ...forLoop("j", get("wv"), get("wb"), c32(d.S), [
      `(${d.t}.store ${at("y")} (${d.t}.mul (${d.t}.load ${at("y")}) ${get("s")}))`,
    ]),
    set("y", add(get("y"), get("wb"))),
  ];
  const pair = [
    `(f64.store ${get("y")} ${asF64(get("m"))})`,
    `(f64.store offset=8 ${get("y")} ${get("s")})`,
    set("y", add(get("y"), c32(16))),
  ];
  const body = [
    ...[...vectorConstants].map(([text, name]) => set(name, text)),
    set("wb", shl(get("width"), d.shift)),
    set("wv", `(i32.and ${get("wb")} ${c32(-16)})`),
    ...forLoop("r", c32(0), get("rows"), c32(1), [
      set("mv", `(${d.v}.splat (${d.t}.const -inf))`),
      ...forLoop("j", c32(0), get("wv"), c32(16), [set("mv", `(${d.v}.pmax ${get("mv")} (v128.load ${at("x")}))`)]),
      set("m", lanes[0] ?? ""),
      ...lanes.slice(1).map((lane) => set("m", larger(get("m"), lane))),
      ...forLoop("j", get("wv"), get("wb"), c32(d.S), [set("m", larger(get("m"), `(${d.t}.load ${at("x")})`))]),
      set("mv", `(${d.v}.splat ${get("m")})`),
      ...(sequential
        ? [set("s", `(f64.const 0)`)]
        : wide
          ? [set("sv", `(f64x2.splat (f64.const 0))`), set("sh", get("sv"))]
          : [set("sv", `(${d.v}.splat (${d.t}.const 0))`)]),
      ...vectors,
      ...(sequential
        ? []
        : [set("s", wide ? laneSum(F64, `(f64x2.add ${get("sv")} ${get("sh")})`) : laneSum(d, get("sv")))]),
      ...columns,
      ...(softmax ? normalise : pair),
      set("x", add(get("x"), get("wb"))),
    ]),
  ];
  const sig = [
    params(["rows", "width", "x", "y"]),
    locals(["wb", "wv", "r", "j"], "i32"),
    locals(["m"], d.t),
    locals(["s"], sumType),
    locals(["mv", "sv", ...(wide ? ["sh"] : []), ...temporaries, ...vectorConstants.values()], "v128"),
  ].join(" ");
  const name = softmax ? `${d.t}_softmax_rows` : `${d.t}_max_exp_sums`;
  const doc = softmax
    ? `Y[r,:] = e^(X[r,:] − max) / Σ e^(X[r,:] − max); r < rows, contiguous rows of width; byte addresses; in place when x = y.`
    : `(m, Σ e^(X[r,:] − m)) for m = max X[r,:] as two f64 at y + 16·r; r < rows, contiguous rows of width; byte addresses.`;
  return func(name, name, sig, body, doc);
}

// --- sums of rows ----------------------------------------------------------------

/**
 * Y[r, i] += X[r, i] for r < rows, i < width: the rows a one-hot input's weight gradient adds
 * (scatterRowsBatch calls it once a row, at the row its id picks). One rounding per element, as
 * the JavaScript `y[i] += x[i]` (float32's through double is the same: 53 ≥ 2·24 + 2 bits).
 */
function addRows(/** @type {DType} */ d) {
  const at = (/** @type {string} */ base) => add(get(base), get("i"));
  const atScalar = (/** @type {string} */ base) => add(get(base), get("j"));
  const body = [
    set("xs", shl(get("xs"), d.shift)),
    set("ys", shl(get("ys"), d.shift)),
    set("wb", shl(get("width"), d.shift)),
    set("wv", `(i32.and ${get("wb")} ${c32(-16)})`),
    ...forLoop("r", c32(0), get("rows"), c32(1), [
      ...forLoop("i", c32(0), get("wv"), c32(16), [
        `(v128.store ${at("y")} (${d.v}.add (v128.load ${at("y")}) (v128.load ${at("x")})))`,
      ]),
      ...forLoop("j", get("wv"), get("wb"), c32(d.S), [
        `(${d.t}.store ${atScalar("y")} (${d.t}.add (${d.t}.load ${atScalar("y")}) (${d.t}.load ${atScalar("x")})))`,
      ]),
      set("x", add(get("x"), get("xs"))),
      set("y", add(get("y"), get("ys"))),
    ]),
  ];
  const sig = [params(["rows", "width", "x", "xs", "y", "ys"]), locals(["wb", "wv", "r", "i", "j"], "i32")].join(" ");
  const name = `${d.t}_add_rows`;
  return func(
    name,
    name,
    sig,
    body,
    `Y[r,i] += X[r,i]; r < rows, i < width; byte addresses, row strides xs, ys in elements.`,
  );
}

// --- module -----------------------------------------------------------------------

/** The matrix products of element type d: the forward tiles and driver, the adjoints' tiles, drivers and exports. */
function products(/** @type {DType} */ d) {
  const { FWD_RB: RB, FWD_RI: RI, FWD_UNROLL: U, COMB_CV: CV } = TILES;
  const parts = [];
  for (const [rb, ri] of [
    [RB, RI],
    [1, RI],
    [RB, 1],
    [1, 1],
  ])
    parts.push(fwdTile(d, rb, ri, ri === 1 ? 1 : U));
  for (const n of range(d.L - 1)) parts.push(fwdNarrow(d, n + 1), bwdwNarrow(d, n + 1));
  parts.push(fwdDriver(d));
  for (const [mode, RR] of /** @type {[Mode, number][]} */ ([
    ["x", TILES.COMB_RR],
    ["w", TILES.COMB_RR_W],
  ]))
    for (const [rr, cv] of [
      [RR, CV],
      [1, CV],
      ...(CV > 1
        ? [
            [RR, 1],
            [1, 1],
          ]
        : []),
    ])
      parts.push(combTile(d, mode, rr, cv));
  parts.push(combColumn(d), combDriver(d, "x"), combDriver(d, "w"), adjointExports(d));
  return parts;
}

/** A module's text: its header and parts. */
function module(/** @type {string} */ what, /** @type {string[]} */ parts) {
  return [
    ";; Generated by tools/wasm-kernels/generate.mjs — do not edit; run `npm run build:wasm`.",
    `;; rnnc's WebAssembly ${what} (see docs/kernels.md).`,
    "(module",
    '  (import "env" "memory" (memory 1))',
    "",
    ...parts,
    ")",
    "",
  ].join("\n");
}

/** The SIMD module as WAT text: the products, the peak loops and the activations. */
export function kernelsWat() {
  const parts = [];
  for (const d of [F32, F64]) parts.push(...products(d), peak(d));
  for (const d of [F32, F64]) for (const a of activations(laneOps(d))) parts.push(activationRows(d, a));
  for (const d of [F32, F64]) parts.push(expRows(d, "softmax"), expRows(d, "maxExpSums"), addRows(d));
  return module("SIMD kernels: matrix products, activations, softmax and sums of rows", parts);
}

/**
 * The relaxed SIMD module as WAT text: the same products and exports with every multiply–add
 * of a tile fused (relaxed_madd), and the fused peak loop. The activations stay in the SIMD
 * module: float64's must round as fdlibm does, without fusing.
 */
export function relaxedKernelsWat() {
  const parts = [];
  for (const d of [F32, F64].map((t) => ({ ...t, fma: true }))) parts.push(...products(d), peak(d));
  return module("relaxed SIMD kernels: matrix products with fused multiply–adds", parts);
}

/** The smallest module that uses SIMD: validates only where WebAssembly SIMD is supported. */
export const simdProbeWat = "(module (func (result v128) (i8x16.splat (i32.const 0))))\n";

/** The smallest module that uses a relaxed SIMD instruction: validates only where relaxed SIMD is enabled. */
export const relaxedProbeWat =
  "(module (func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))\n";
