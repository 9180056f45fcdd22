/**
 * The calls of the steps ops' kernels (attention: runtime/kernels/steps.ts), between the B rows of one step and the
 * B · S rows of every step of another sequence. On the WebAssembly tiers, `spreadSteps` and `sumSteps` run example by
 * example as fused loops over its real steps (a row copied to each of them; each of them added into one row), f32x4
 * (f64x2) wide, where the JavaScript kernels take most of an attention model's time; the kernel call stays as the
 * fallback where WebAssembly SIMD is missing. Both add the same numbers in the same order (step after step), so in
 * float64 they give the same bits.
 */
import { opNamed } from "../ops/registry.js";
import { kernelRows } from "./access.js";
import { product, sum } from "./arith.js";
import type { ElementLoop } from "./element-loop.js";
import type { FusedLoops } from "./fused-loops.js";
import type { Location } from "./location.js";
import type { CodePlan } from "./plan.js";

/**
 * The call of steps op `n`'s kernel from `from` (a parameter's single row where its stride is 0) to `to`: with
 * `fused`, its fused loops where it has them, the kernel as the fallback.
 */
export function stepsKernelCall(
  plan: CodePlan,
  n: { fn: string; axis?: string; size: number },
  from: Location,
  to: Location,
  fused: FusedLoops | undefined,
): string[] {
  const spec = opNamed(n.fn);
  const axis = plan.attention.axes.get(n.axis!);
  if (spec.kind !== "steps" || !axis) throw new Error(`internal error: ${n.fn} is not a steps op of the plan`);
  const K = n.size;
  const parameter = from.stride === 0;
  const x = parameter ? `${from.buffer}, 0` : kernelRows(from, K);
  const call = `${spec.kernel}(B, ${axis.steps}, ${axis.lengths}, ${K}, ${x}, ${kernelRows(to, K)}${parameter ? ", 0" : ""});`;
  const loop = fused && exampleLoop(spec.kernel, K);
  if (!fused || !loop) return [call];
  const f = fused.functionFor(loop);
  if (!f) return [call];
  fused.calls++;
  const bytes = fused.type === "f32" ? 4 : 8;
  const address = (l: Location, row: string) => sum(fused.addressOf(l.buffer), product(sum(start(l), row), bytes));
  const real = `Math.min(${axis.steps}, ${axis.lengths}[b]!)`;
  const examples = (lines: string[]) => [
    `if (fused) {`,
    `for (let b = 0; b < B; b++) {`,
    ...lines,
    `}`,
    `} else ${call}`,
  ];
  if (spec.kernel === "spreadSteps") {
    // Example b's real steps get its row (the parameter's row), its padding 0.
    const rows = product("b", axis.steps, K);
    return examples([
      `fused.${f.name}(${real}, ${address(from, parameter ? "0" : product("b", K))}, ${address(to, rows)});`,
      `${to.buffer}.fill(0, ${sum(start(to), rows, product(real, K))}, ${sum(start(to), product(sum("b", 1), axis.steps, K))});`,
    ]);
  }
  const row = product("b", K);
  return examples([
    `${to.buffer}.fill(0, ${sum(start(to), row)}, ${sum(start(to), row, K)});`,
    `fused.${f.name}(${real}, ${address(from, product("b", axis.steps, K))}, ${address(to, row)});`,
  ]);
}

/** Where a location's rows start (row 0 of its slot). */
function start(l: Location): string {
  return product(l.slot, "B", l.stride);
}

/**
 * The loop over one example's real steps that does a kernel's work for it, K numbers a row: stream 0 its row or
 * rows read, stream 1 those written.
 */
function exampleLoop(kernel: string, K: number): ElementLoop | undefined {
  const read = { kind: "read", stream: 0 } as const;
  const at = (stride: number): Location => ({ buffer: "", slot: "0", stride, offset: 0 });
  if (kernel === "spreadSteps")
    return { size: K, streams: [at(0), at(K)], body: [{ kind: "store", stream: 1, value: read }] };
  if (kernel === "sumSteps")
    return { size: K, streams: [at(K), at(0)], body: [{ kind: "storeAdd", stream: 1, value: read }] };
  return undefined;
}
