// @ts-check
/**
 * Writes the WebAssembly text of the weighted sum of the shards' gradients that the threads of
 * a GradientPool compute (engine/parallel/shared-step.js), one export per element type:
 *
 *   <t>_sum_shards(shards, grads, stride, weights, out, from, to)
 *     out[i] = (…((0 + w[0]·g[0][i]) + w[1]·g[1][i]) + …) for i in [from, to)
 *
 * with shard s's gradient at byte `grads + s·stride`, its float64 weight at `weights + 8s`, and
 * `out` at byte `out`, all in the imported shared memory. It computes what the JavaScript
 * `out[i] = 0 + w·g[i]; out[i] += w·g[i]` over a Float32Array or Float64Array computes, bit for
 * bit: every product and sum in float64, each partial sum rounded to the element type as a
 * store would round it (float32: demoted, then promoted back for the next shard's sum).
 */

/** @param {"f32" | "f64"} t */
function sumShards(t) {
  const f32 = t === "f32";
  const shift = f32 ? 2 : 3;
  const step = f32 ? 4 : 2;
  // The float64 pairs a vector of elements makes: two of a float32 vector's four lanes, one of a float64 vector.
  const pairs = f32 ? ["lo", "hi"] : ["lo"];
  const at = (/** @type {string} */ base, /** @type {string} */ index) =>
    `(i32.add (local.get $${base}) (i32.shl (local.get $${index}) (i32.const ${shift})))`;
  const weight = `(f64x2.splat (f64.load (i32.add (local.get $weights) (i32.shl (local.get $s) (i32.const 3)))))`;
  const scalarWeight = `(f64.load (i32.add (local.get $weights) (i32.shl (local.get $s) (i32.const 3))))`;
  // A float32 vector's four lanes as two float64 pairs (low, high), and back.
  const high = `(i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))`;
  const round = (/** @type {string} */ v) => (f32 ? `(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero ${v}))` : v);
  const scalarRound = (/** @type {string} */ v) => (f32 ? `(f64.promote_f32 (f32.demote_f64 ${v}))` : v);
  const load = f32 ? `(f64.promote_f32 (f32.load (local.get $g)))` : `(f64.load (local.get $g))`;
  // acc (float64 pairs) = round(acc) + w · g for shard $s's vector at $g; the first shard's acc is 0.
  const vectorTerm = (/** @type {string} */ acc, /** @type {string} */ lanes) =>
    `(local.set $${acc} (f64x2.add ${round(`(local.get $${acc})`)} (f64x2.mul (local.get $w) ${lanes})))`;
  const terms = f32
    ? [
        vectorTerm("lo", "(f64x2.promote_low_f32x4 (local.get $x))"),
        vectorTerm("hi", `(f64x2.promote_low_f32x4 ${high})`),
      ]
    : [vectorTerm("lo", "(local.get $x)")];
  const store = f32
    ? `(v128.store ${at("out", "i")} (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))`
    : `(v128.store ${at("out", "i")} (local.get $lo))`;
  const scalarStore = f32
    ? `(f32.store ${at("out", "i")} (f32.demote_f64 (local.get $acc)))`
    : `(f64.store ${at("out", "i")} (local.get $acc))`;
  // Each loop over the shards starts at shard 0 with its accumulators 0 (so a -0 product gives +0, as `0 +` does).
  return `  (func (export "${t}_sum_shards") (param $shards i32) (param $grads i32) (param $stride i32) (param $weights i32)
        (param $out i32) (param $from i32) (param $to i32)
    (local $i i32) (local $s i32) (local $g i32) (local $w v128) (local $x v128) ${pairs.map((p) => `(local $${p} v128)`).join(" ")} (local $acc f64)
    (local.set $i (local.get $from))
    (block $vectors_done (loop $vectors
      (br_if $vectors_done (i32.gt_s (i32.add (local.get $i) (i32.const ${step})) (local.get $to)))
      (local.set $g ${at("grads", "i")})
      ${pairs.map((p) => `(local.set $${p} (v128.const i64x2 0 0))`).join("\n      ")}
      (local.set $s (i32.const 0))
      (block $shards_done (loop $shards
        (br_if $shards_done (i32.ge_s (local.get $s) (local.get $shards)))
        (local.set $w ${weight})
        (local.set $x (v128.load (local.get $g)))
        ${terms.join("\n        ")}
        (local.set $g (i32.add (local.get $g) (local.get $stride)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $shards)))
      ${store}
      (local.set $i (i32.add (local.get $i) (i32.const ${step})))
      (br $vectors)))
    (block $tail_done (loop $tail
      (br_if $tail_done (i32.ge_s (local.get $i) (local.get $to)))
      (local.set $g ${at("grads", "i")})
      (local.set $acc (f64.const 0))
      (local.set $s (i32.const 0))
      (block $shards_done (loop $shards
        (br_if $shards_done (i32.ge_s (local.get $s) (local.get $shards)))
        (local.set $acc (f64.add ${scalarRound("(local.get $acc)")} (f64.mul ${scalarWeight} ${load})))
        (local.set $g (i32.add (local.get $g) (local.get $stride)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $shards)))
      ${scalarStore}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
  )`;
}

/** The module: both element types' sums over an imported shared memory. */
export function shardSumWat() {
  return `;; Generated by tools/wasm-kernels/shard-sum.mjs — do not edit; run \`npm run build:wasm\`.
(module
  (import "env" "memory" (memory 1 65536 shared))
${sumShards("f32")}
${sumShards("f64")}
)
`;
}
