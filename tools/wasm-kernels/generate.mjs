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
 *               dW[M,N] += dY[B,M]ᵀ · X                     (<t>_matmul_bwd_w)
 *   - activations: Y[r, i] = f(X[r, i]) over a strided block  (f32_<f>_rows)
 * Addresses need no alignment (v128 loads are unaligned-safe; aligned data is
 * just faster). Outputs must not overlap inputs.
 *
 * Register budget: x86-64 has 16 vector registers, and V8 keeps v128 locals in
 * them, so a tile holds at most 8 accumulators plus the operands of one step;
 * larger tiles spill and get slower (measured with bench/kernels.ts).
 */

/** @typedef {{ t: "f32" | "f64", v: string, L: number, S: number, shift: number }} DType */

/** @type {DType} */
const F32 = { t: "f32", v: "f32x4", L: 4, S: 4, shift: 2 };
/** @type {DType} */
const F64 = { t: "f64", v: "f64x2", L: 2, S: 8, shift: 3 };

/**
 * Tile shapes (see the register budget above). Forward: FWD_RB batch rows ×
 * FWD_RI weight rows of dot products. Combine (both adjoints): COMB_RR output
 * rows × COMB_CV vectors of columns. COMB_KC is the reduction block of the
 * adjoints, sized so one block of the streamed operand stays in L1; COMB_RC
 * the output-row block of dX (see combDriver). FWD_UNROLL: steps per pass of
 * the forward loop; 1, because with 2 or 4 V8 schedules the loads of every
 * step first, runs out of registers and spills (measured 5–15% slower).
 */
export const TILES = { FWD_RB: 2, FWD_RI: 4, FWD_UNROLL: 1, COMB_RR: 4, COMB_CV: 2, COMB_KC: 128, COMB_RC: 64 };

// --- s-expression helpers -------------------------------------------------

const get = (/** @type {string} */ n) => `(local.get $${n})`;
const set = (/** @type {string} */ n, /** @type {string} */ e) => `(local.set $${n} ${e})`;
const c32 = (/** @type {number} */ k) => `(i32.const ${k})`;
const add = (/** @type {string} */ a, /** @type {string} */ b) => `(i32.add ${a} ${b})`;
const sub = (/** @type {string} */ a, /** @type {string} */ b) => `(i32.sub ${a} ${b})`;
const mul = (/** @type {string} */ a, /** @type {string} */ b) => `(i32.mul ${a} ${b})`;
const shl = (/** @type {string} */ a, /** @type {number} */ k) => (k === 0 ? a : `(i32.shl ${a} ${c32(k)})`);
/** a + k·b for a constant k, without the multiply when k is 0 or 1. */
const addScaled = (/** @type {string} */ a, /** @type {number} */ k, /** @type {string} */ b) =>
  k === 0 ? a : k === 1 ? add(a, b) : add(a, mul(c32(k), b));
const range = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => i);
const off = (/** @type {number} */ o) => (o === 0 ? "" : ` offset=${o}`);

/** `for (v = start; v < end; v += step) body`, unsigned compare. */
function forLoop(/** @type {string} */ v, /** @type {string} */ start, /** @type {string} */ end, /** @type {string} */ step, /** @type {string[]} */ body) {
  return [
    set(v, start),
    `(block $${v}_end (loop $${v}_next`,
    `  (br_if $${v}_end (i32.ge_u ${get(v)} ${end}))`,
    ...body.map((l) => `  ${l}`),
    `  ${set(v, add(get(v), step))}`,
    `  (br $${v}_next)))`,
  ];
}

const locals = (/** @type {string[]} */ names, /** @type {string} */ type) => names.map((n) => `(local $${n} ${type})`).join(" ");
const params = (/** @type {string[]} */ names) => names.map((n) => `(param $${n} i32)`).join(" ");

function func(/** @type {string} */ name, /** @type {string | null} */ exportName, /** @type {string} */ signature, /** @type {string[]} */ body, /** @type {string} */ doc) {
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
  const pair = (/** @type {string} */ p, /** @type {string} */ q) => `(${d.v}.add (${laneShuffle(d, [0, 4, 1, 5])} ${p} ${q}) (${laneShuffle(d, [2, 6, 3, 7])} ${p} ${q}))`;
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
      ...R.map((r) => set(acc(r, i), `(${d.v}.add ${get(acc(r, i))} (${d.v}.mul ${get(`xv${r}`)} ${get("wv")}))`)),
    ]),
  ];
  const loop = (/** @type {string} */ label, /** @type {number} */ steps) => [
    `(if (i32.ne ${get("x0")} ${get("end")}) (then (loop $${label}`,
    ...range(steps).flatMap((u) => step(16 * u)).map((l) => `  ${l}`),
    ...advance(16 * steps).map((l) => `  ${l}`),
    `  (br_if $${label} (i32.ne ${get("x0")} ${get("end")})))))`,
  ];
  body.push(...loop("unrolled", U));
  if (U > 1) body.push(set("end", add(get("x"), get("nv"))), ...loop("single", 1));
  // Reduce the accumulators to results.
  if (groups.length > 0) {
    for (const r of R)
      for (const g of groups) body.push(set(out(r, g), transposeSum(d, range(d.L).map((l) => get(acc(r, g * d.L + l))))));
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
      for (const r of R) tail.push(set(out(r, g), `(${d.v}.add ${get(out(r, g))} (${d.v}.mul (${d.v}.splat ${ld(`x${r}`)}) ${get("wv")}))`));
    }
  } else {
    for (const r of R) tail.push(set(`s${r}`, `(${d.t}.add ${get(`s${r}`)} (${d.t}.mul ${ld(`x${r}`)} ${ld("w0")}))`));
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
    locals([...R.flatMap((r) => I.map((i) => acc(r, i))), ...R.map((r) => `xv${r}`), "wv", ...R.flatMap((r) => groups.map((g) => out(r, g)))], "v128"),
    groups.length > 0 ? "" : locals(R.map((r) => `s${r}`), d.t),
  ].join(" ");
  return func(name, null, sig, body, `${RB}×${RI} tile of Y (=/+=) X·Wᵀ over n columns; pointers in bytes, ld* = row strides in bytes.`);
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
    set("mf", sub(get("M"), `(i32.rem_u ${get("M")} ${c32(RI)})`)),
    // Weight rows outermost: a tile of RI rows of W stays in L1 while every
    // batch row passes it, so W streams from memory once per call.
    ...forLoop("i", c32(0), get("mf"), c32(RI), sweepB(RI)),
    ...forLoop("i", get("mf"), get("M"), c32(1), sweepB(1)),
  ];
  const sig = [params(["B", "M", "N", "x", "w", "y", "acc"]), locals(["ldx", "ldy", "bf", "mf", "i", "b", "wp", "yp"], "i32")].join(" ");
  return func(`${d.t}_matmul`, `${d.t}_matmul`, sig, body, `Y[B,M] (= or +=, acc ≠ 0) X[B,N] · Wᵀ, W row-major [M,N]; byte addresses.`);
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
function combTile(/** @type {DType} */ d, /** @type {Mode} */ mode, /** @type {number} */ RR, /** @type {number} */ CV) {
  const name = `${d.t}_comb${mode}_${RR}x${CV}`;
  const R = range(RR);
  const V = range(CV);
  const acc = (/** @type {number} */ r, /** @type {number} */ v) => `a${r}_${v}`;
  const splat = d.S === 4 ? "v128.load32_splat" : "v128.load64_splat";
  // Mode w: one coefficient pointer, rows at constant offsets r·S. Mode x: one pointer per row.
  const coef = (/** @type {number} */ r) => (mode === "w" ? `(${splat}${off(r * d.S)} ${get("c")})` : `(${splat} ${get(`c${r}`)})`);
  const advance = mode === "w" ? [set("c", add(get("c"), get("cs")))] : R.map((r) => set(`c${r}`, add(get(`c${r}`), c32(d.S))));
  const body = [
    ...(mode === "x" ? [set("c0", get("c")), ...R.slice(1).map((r) => set(`c${r}`, addScaled(get("c"), r, get("cs"))))] : []),
    set("o0", get("out")),
    ...R.slice(1).map((r) => set(`o${r}`, addScaled(get("out"), r, get("ldo")))),
    ...R.flatMap((r) => V.map((v) => set(acc(r, v), `(v128.load${off(16 * v)} ${get(`o${r}`)})`))),
    set("end", add(get("rows"), mul(get("k"), get("ldr")))),
    `(if (i32.ne ${get("rows")} ${get("end")}) (then (loop $step`,
    ...V.map((v) => `  ${set(`rv${v}`, `(v128.load${off(16 * v)} ${get("rows")})`)}`),
    ...R.flatMap((r) => [
      `  ${set("s", coef(r))}`,
      ...V.map((v) => `  ${set(acc(r, v), `(${d.v}.add ${get(acc(r, v))} (${d.v}.mul ${get("s")} ${get(`rv${v}`)}))`)}`),
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
  return func(name, null, sig, body, `${RR}×${CV * d.L} tile of out += coef·rows over k; coef(r,k) at ${coefAt}, rows[k] at rows + k·ldr (bytes).`);
}

/** One output element: out[0] += Σ_k coef(k) · rows[k, 0], for the last N mod L columns. */
function combColumn(/** @type {DType} */ d) {
  const body = [
    set("s", `(${d.t}.load ${get("out")})`),
    set("end", add(get("rows"), mul(get("k"), get("ldr")))),
    `(if (i32.ne ${get("rows")} ${get("end")}) (then (loop $step`,
    `  ${set("s", `(${d.t}.add ${get("s")} (${d.t}.mul (${d.t}.load ${get("c")}) (${d.t}.load ${get("rows")})))`)}`,
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
 *      tile (KC × RR) stay in L1 and each dW row is streamed once.
 */
function combDriver(/** @type {DType} */ d, /** @type {Mode} */ mode) {
  const { COMB_RR: RR, COMB_CV: CV, COMB_KC: KC, COMB_RC: RC } = TILES;
  const tileCols = CV * d.L;
  // Coefficient address of output row $r (the block start is $cb) and the stride the tile takes.
  const rowCoef = mode === "w" ? add(get("cb"), shl(get("r"), d.shift)) : add(get("cb"), mul(get("r"), get("cr")));
  const tileStride = mode === "w" ? get("ck") : get("cr");
  const colStride = mode === "w" ? get("ck") : c32(d.S);
  const outAt = add(add(get("out"), mul(get("r"), get("ldo"))), get("jb"));
  const call = (/** @type {number} */ rr, /** @type {number} */ cv) =>
    `(call $${d.t}_comb${mode}_${rr}x${cv} ${get("kn")} ${rowCoef} ${tileStride} ${add(get("rb"), get("jb"))} ${get("ldr")} ${outAt} ${get("ldo")})`;
  const column = `(call $${d.t}_comb_col ${get("kn")} ${rowCoef} ${colStride} ${add(get("rb"), get("jb"))} ${get("ldr")} ${outAt})`;
  const jb = set("jb", shl(get("j"), d.shift));
  /** Every column tile of output rows [$r, $r + rr). */
  const columns = (/** @type {number} */ rr) => [
    ...forLoop("j", c32(0), get("nt"), c32(tileCols), [jb, call(rr, CV)]),
    ...(CV > 1 ? forLoop("j", get("nt"), get("nv"), c32(d.L), [jb, call(rr, 1)]) : []),
  ];
  /** Every output row tile of the block [$r0, $re) at column tile $j (width cv vectors). */
  const rowsAt = (/** @type {number} */ cv) => [
    jb,
    ...forLoop("r", get("r0"), get("rf"), c32(RR), [call(RR, cv)]),
    ...forLoop("r", get("rf"), get("re"), c32(1), [call(1, cv)]),
  ];
  // Mode x also blocks the output rows by RC, so the coefficients of a block (RC × KC)
  // stay in cache across the column tiles when B is large (all time steps at once).
  const tiles =
    mode === "w"
      ? [...forLoop("r", c32(0), get("rf"), c32(RR), columns(RR)), ...forLoop("r", get("rf"), get("R"), c32(1), columns(1))]
      : forLoop("r0", c32(0), get("R"), c32(RC), [
          set("re", `(select ${get("R")} ${add(get("r0"), c32(RC))} (i32.lt_u ${sub(get("R"), get("r0"))} ${c32(RC)}))`),
          set("rf", sub(get("re"), `(i32.rem_u ${sub(get("re"), get("r0"))} ${c32(RR)})`)),
          ...forLoop("j", c32(0), get("nt"), c32(tileCols), rowsAt(CV)),
          ...(CV > 1 ? forLoop("j", get("nt"), get("nv"), c32(d.L), rowsAt(1)) : []),
        ]);
  const body = [
    set("rf", sub(get("R"), `(i32.rem_u ${get("R")} ${c32(RR)})`)),
    set("nt", sub(get("N"), `(i32.rem_u ${get("N")} ${c32(tileCols)})`)),
    set("nv", sub(get("N"), `(i32.rem_u ${get("N")} ${c32(d.L)})`)),
    ...forLoop("k0", c32(0), get("K"), c32(KC), [
      set("kn", `(select ${c32(KC)} ${sub(get("K"), get("k0"))} (i32.lt_u ${c32(KC)} ${sub(get("K"), get("k0"))}))`),
      set("cb", add(get("c"), mul(get("k0"), get("ck")))),
      set("rb", add(get("rows"), mul(get("k0"), get("ldr")))),
      ...tiles,
      // The last N mod L columns, one scalar column per output row.
      ...forLoop("j", get("nv"), get("N"), c32(1), [jb, ...forLoop("r", c32(0), get("R"), c32(1), [column])]),
    ]),
  ];
  const sig = [
    params(["R", "K", "N", "c", "cr", "ck", "rows", "ldr", "out", "ldo"]),
    locals(["rf", "nt", "nv", "k0", "kn", "cb", "rb", "j", "jb", "r", "r0", "re"], "i32"),
  ].join(" ");
  return func(`${d.t}_combine_${mode}`, null, sig, body, `out[R,N] += coef[R,K] · rows[K,N], mode ${mode}; coef(r,k) at c + r·cr + k·ck.`);
}

function adjointExports(/** @type {DType} */ d) {
  const S = d.S;
  const ld = (/** @type {string} */ n) => shl(get(n), d.shift);
  const bwdX = func(
    `${d.t}_matmul_bwd_x`,
    `${d.t}_matmul_bwd_x`,
    params(["B", "M", "N", "dy", "w", "dx"]),
    [`(call $${d.t}_combine_x ${get("B")} ${get("M")} ${get("N")} ${get("dy")} ${ld("M")} ${c32(S)} ${get("w")} ${ld("N")} ${get("dx")} ${ld("N")})`],
    "dX[B,N] += dY[B,M] · W, W row-major [M,N]; byte addresses.",
  );
  const bwdW = func(
    `${d.t}_matmul_bwd_w`,
    `${d.t}_matmul_bwd_w`,
    params(["B", "M", "N", "dy", "x", "dw"]),
    [`(call $${d.t}_combine_w ${get("M")} ${get("B")} ${get("N")} ${get("dy")} ${c32(S)} ${ld("M")} ${get("x")} ${ld("N")} ${get("dw")} ${ld("N")})`],
    "dW[M,N] += dY[B,M]ᵀ · X[B,N]; byte addresses.",
  );
  return bwdX + bwdW;
}

// --- peak: register-only multiply–add loop ---------------------------------------

/**
 * CHAINS independent (mul, add) pairs per iteration, no memory traffic: the
 * machine's ceiling for the kernels' instruction mix (WebAssembly SIMD has no
 * fused multiply–add). m ← m·c with c = 1 keeps values constant and normal;
 * a ← a + m. Each chain's latency is hidden by the others. Flops per call:
 * iters · CHAINS · 2 · L.
 */
export const PEAK_CHAINS = 7;

function peak(/** @type {DType} */ d) {
  const C = range(PEAK_CHAINS);
  const body = [
    set("cv", `(${d.v}.splat ${get("c")})`),
    ...C.map((i) => set(`m${i}`, get("cv"))),
    `(if (i32.gt_u ${get("iters")} ${c32(0)}) (then (loop $step`,
    ...C.flatMap((i) => [`  ${set(`m${i}`, `(${d.v}.mul ${get(`m${i}`)} ${get("cv")})`)}`, `  ${set(`a${i}`, `(${d.v}.add ${get(`a${i}`)} ${get(`m${i}`)})`)}`]),
    `  ${set("iters", sub(get("iters"), c32(1)))}`,
    `  (br_if $step ${get("iters")}))))`,
    C.slice(1).reduce((s, i) => `(${d.v}.add ${s} ${get(`a${i}`)})`, get("a0")),
    `(${d.v}.extract_lane 0)`,
  ];
  const sig = [`(param $iters i32) (param $c ${d.t}) (result ${d.t})`, locals(["cv", ...C.map((i) => `m${i}`), ...C.map((i) => `a${i}`)], "v128")].join(" ");
  return func(`${d.t}_peak`, `${d.t}_peak`, sig, body, `Register-only ${d.v} mul+add loop for the peak micro-benchmark.`);
}

// --- activations: y = f(x) over a strided block of rows ---------------------------

/**
 * The gate activations of the generated code, lane-wise on f32x4. Each is a
 * description: statements that read the v128 local `x` and leave f(x) in
 * `out`, through temporaries that are v128 locals named by the statements.
 * The driver (activationRows) runs it on 2 vectors (8 columns) per loop pass,
 * then on 1, then once per column of the width mod 4 tail on a splat, so every
 * element gets the same arithmetic whatever its column.
 *
 * Constants are float32 values, written as the shortest decimal of the double
 * that equals them. The exp polynomial was fitted for the least maximum
 * relative error (reweighted least squares, near-minimax) and rounded to
 * float32; the tanh one is Cephes' tanhf. Measured accuracy against Math.*
 * rounded to float32: docs/kernels.md#activations.
 */

const f4 = (/** @type {string} */ op, /** @type {string[]} */ ...args) => `(f32x4.${op} ${args.join(" ")})`;
const i4 = (/** @type {string} */ op, /** @type {string[]} */ ...args) => `(i32x4.${op} ${args.join(" ")})`;

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
/** A float32 constant in every lane. */
const k4 = (/** @type {number} */ c) => {
  const s = String(Math.fround(c));
  return vconst(`(v128.const f32x4 ${s} ${s} ${s} ${s})`);
};
/** An i32 constant in every lane. */
const n4 = (/** @type {number} */ k) => vconst(`(v128.const i32x4 ${k} ${k} ${k} ${k})`);

/** q0 + q1·v + v²·(q2 + q3·v + v²·q4) for v2 = v²: Estrin's scheme, a shorter dependency chain than Horner's. */
function poly4(/** @type {string} */ v, /** @type {string} */ v2, /** @type {number[]} */ q) {
  const [q0, q1, q2, q3, q4] = /** @type {[number, number, number, number, number]} */ (q);
  const lin = (/** @type {number} */ a, /** @type {number} */ b) => f4("add", k4(a), f4("mul", v, k4(b)));
  return f4("add", lin(q0, q1), f4("mul", v2, f4("add", lin(q2, q3), f4("mul", v2, k4(q4)))));
}

const EXP = {
  /** Inputs are clamped to [LO, HI]: e^HI overflows to +Infinity and e^LO rounds to 0; NaN passes (pmin/pmax keep their first operand). */
  LO: -105,
  HI: 89,
  LOG2E: 1.4426950408889634,
  /** ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits so that k·LN2_HI is exact for |k| < 2^15. */
  LN2_HI: 0.693359375,
  LN2_LO: -2.1219444e-4,
  /** 1.5·2^23: adding it rounds to an integer, which the low bits of the sum hold; its bit pattern is SHIFTER_BITS. */
  SHIFTER: 12582912,
  SHIFTER_BITS: 0x4b400000,
  /** e^r ≈ 1 + r + r²·Q(r) on [−ln2/2, ln2/2], Q of degree 4 (relative error 5e-9 before rounding). */
  Q: [0.4999999403953552, 0.16666515171527863, 0.04166845604777336, 0.008369418792426586, 0.0013813144760206342],
};

/**
 * out = e^x. x = k·ln2 + r with k = nearest(x·log2 e) and |r| ≤ ln2/2; e^r by
 * a polynomial; 2^k from exponent bits, in two factors 2^⌊k/2⌋·2^(k−⌊k/2⌋) so
 * that results below the smallest normal float come out subnormal and results
 * above the largest overflow to +Infinity.
 */
function expOf(/** @type {string} */ x, /** @type {string} */ out) {
  const pow2 = (/** @type {string} */ k) => i4("shl", i4("add", k, n4(127)), c32(23));
  return [
    set("ex", f4("pmax", f4("pmin", get(x), k4(EXP.HI)), k4(EXP.LO))),
    set("et", f4("add", f4("mul", get("ex"), k4(EXP.LOG2E)), k4(EXP.SHIFTER))),
    set("ek", f4("sub", get("et"), k4(EXP.SHIFTER))),
    set("er", f4("sub", f4("sub", get("ex"), f4("mul", get("ek"), k4(EXP.LN2_HI))), f4("mul", get("ek"), k4(EXP.LN2_LO)))),
    set("e2", f4("mul", get("er"), get("er"))),
    set("ep", f4("add", f4("add", f4("mul", get("e2"), poly4(get("er"), get("e2"), EXP.Q)), get("er")), k4(1))),
    set("en", i4("sub", get("et"), n4(EXP.SHIFTER_BITS))),
    set("eh", i4("shr_s", get("en"), c32(1))),
    set(out, f4("mul", f4("mul", get("ep"), pow2(get("eh"))), pow2(i4("sub", get("en"), get("eh"))))),
  ];
}

/** tanh x = x + x³·P(x²) for |x| < SMALL (Cephes tanhf), where 1 − 2/(e^{2|x|} + 1) would lose relative accuracy. */
const TANH = { SMALL: 0.625, P: [-3.33332819422e-1, 1.33314422036e-1, -5.37397155531e-2, 2.06390887954e-2, -5.70498872745e-3] };

/** @typedef {{ name: string, doc: string, body: (x: string, out: string) => string[] }} Activation */

/** @type {Activation[]} */
const ACTIVATIONS = [
  {
    name: "sigmoid",
    doc: "1/(1 + e^−x); e^−x overflows to +Infinity for x < −88.7, giving 0, never NaN",
    body: (x, out) => [set("sn", f4("neg", get(x))), ...expOf("sn", "se"), set(out, f4("div", k4(1), f4("add", k4(1), get("se"))))],
  },
  {
    name: "tanh",
    doc: "tanh x: on a = |x|, a + a³·P(a²) for a < 0.625, else 1 − 2/(e^{2a} + 1); then x's sign (−0 stays −0)",
    body: (x, out) => [
      set("ta", f4("abs", get(x))),
      set("tz", f4("mul", get("ta"), get("ta"))),
      set("ts", f4("add", get("ta"), f4("mul", f4("mul", get("ta"), get("tz")), poly4(get("tz"), f4("mul", get("tz"), get("tz")), TANH.P)))),
      set("t2", f4("add", get("ta"), get("ta"))),
      ...expOf("t2", "te"),
      set("tl", f4("sub", k4(1), f4("div", k4(2), f4("add", get("te"), k4(1))))),
      set("tv", `(v128.bitselect ${get("ts")} ${get("tl")} ${f4("lt", get("ta"), k4(TANH.SMALL))})`),
      set(out, `(v128.or ${get("tv")} (v128.and ${get(x)} ${n4(0x80000000)}))`),
    ],
  },
  {
    name: "exp",
    doc: "e^x; +Infinity above ln(max float) ≈ 88.72, subnormal below −87.3, 0 below −103.9",
    body: expOf,
  },
];

/**
 * Y[r, i] = f(X[r, i]) for r < rows, i < width, rows xs and ys elements apart
 * (x, y byte addresses). In place when x = y and xs = ys; otherwise the block
 * of y must not overlap the block of x.
 */
function activationRows(/** @type {Activation} */ a) {
  vectorConstants = new Map();
  const f = a.body("v", "fv");
  // A second copy with its own temporaries ($v → $v_b, …): two independent chains per pass
  // keep the FP units busy through the latency of the first (measured 25–35% faster).
  const temporaries = new Set(["v", ...[...f.join(" ").matchAll(/\(local\.set \$(\w+)/g)].map((m) => m[1] ?? "")]);
  const f2 = f.map((l) => l.replace(/\$(\w+)/g, (m, n) => (temporaries.has(n) ? `$${n}_b` : m)));
  const step = (/** @type {number} */ bytes) => [set("px", add(get("px"), c32(bytes))), set("py", add(get("py"), c32(bytes)))];
  /** `px` up to `end` in steps of `bytes`: `if (px != end) do { body; px += bytes; py += bytes } while (px != end)`. */
  const sweep = (/** @type {string} */ label, /** @type {number} */ bytes, /** @type {string} */ end, /** @type {string[]} */ body) => [
    set("end", add(get("x"), end)),
    `(if (i32.ne ${get("px")} ${get("end")}) (then (loop $${label}`,
    ...[...body, ...step(bytes)].map((l) => `  ${l}`),
    `  (br_if $${label} (i32.ne ${get("px")} ${get("end")})))))`,
  ];
  const body = [
    ...[...vectorConstants].map(([text, name]) => set(name, text)),
    set("xs", shl(get("xs"), 2)),
    set("ys", shl(get("ys"), 2)),
    set("wb", shl(get("width"), 2)),
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
      ...sweep("vector", 16, `(i32.and ${get("wb")} ${c32(-16)})`, [set("v", `(v128.load ${get("px")})`), ...f, `(v128.store ${get("py")} ${get("fv")})`]),
      // The last width mod 4 columns, one at a time through the same vector code.
      ...sweep("columns", 4, get("wb"), [set("v", `(v128.load32_splat ${get("px")})`), ...f, `(f32.store ${get("py")} (f32x4.extract_lane 0 ${get("fv")}))`]),
      set("x", add(get("x"), get("xs"))),
      set("y", add(get("y"), get("ys"))),
    ]),
  ];
  const vectors = [...temporaries, ...[...temporaries].map((t) => `${t}_b`), ...vectorConstants.values()];
  const sig = [params(["rows", "width", "x", "xs", "y", "ys"]), locals(["wb", "r", "px", "py", "end"], "i32"), locals(vectors, "v128")].join(" ");
  const name = `f32_${a.name}_rows`;
  return func(name, name, sig, body, `Y[r,i] = ${a.doc}; r < rows, i < width; byte addresses, row strides xs, ys in elements.`);
}

// --- module -----------------------------------------------------------------------

/** The whole module as WAT text. */
export function kernelsWat() {
  const { FWD_RB: RB, FWD_RI: RI, FWD_UNROLL: U, COMB_RR: RR, COMB_CV: CV } = TILES;
  const parts = [
    ";; Generated by tools/wasm-kernels/generate.mjs — do not edit; run `npm run build:wasm`.",
    ";; rnnc's WebAssembly SIMD kernels: matrix products and activations (see docs/kernels.md).",
    "(module",
    '  (import "env" "memory" (memory 1))',
    "",
  ];
  for (const d of [F32, F64]) {
    for (const [rb, ri] of [[RB, RI], [1, RI], [RB, 1], [1, 1]]) parts.push(fwdTile(d, rb, ri, ri === 1 ? 1 : U));
    parts.push(fwdDriver(d));
    for (const mode of /** @type {Mode[]} */ (["x", "w"]))
      for (const [rr, cv] of [[RR, CV], [1, CV], ...(CV > 1 ? [[RR, 1], [1, 1]] : [])]) parts.push(combTile(d, mode, rr, cv));
    parts.push(combColumn(d), combDriver(d, "x"), combDriver(d, "w"), adjointExports(d), peak(d));
  }
  for (const a of ACTIVATIONS) parts.push(activationRows(a));
  parts.push(")", "");
  return parts.join("\n");
}

/** The smallest module that uses SIMD: validates only where WebAssembly SIMD is supported. */
export const simdProbeWat = "(module (func (result v128) (i8x16.splat (i32.const 0))))\n";
