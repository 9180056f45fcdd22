/**
 * Memory a run will take, counted from the IR before anything is allocated, against what this
 * process can still have: a run that cannot fit is refused with a message naming its size and
 * the limit, where it would otherwise end in `RangeError: Invalid typed array length`, an
 * uncaught `WebAssembly.Memory.grow()` error, or V8 aborting out of heap after minutes.
 *
 * The figures (docs/reliability.md#limits): the interpreter keeps every value of every step
 * (and, for a gradient, its adjoint) as its own typed array, plus a few hundred bytes of
 * JavaScript objects per node and step (measured below); the compiled backend keeps a run in
 * the workspace its module allocates (counted exactly by the code generator, `workspaceBytes`),
 * in one WebAssembly memory on the WebAssembly kernels, plus a copy of every quantity it hands
 * back. Counts stay far below 2^53 for any run that fits, and past that only compare as larger.
 */
import { freemem } from "node:os";
import { getHeapStatistics } from "node:v8";
import type { IrModel, IrNode } from "../compiler/ir/ir.js";
import { paramSize } from "../compiler/ir/ir.js";
import { MAX_ARRAY_LENGTH } from "../compiler/check/limits.js";
import { workspaceBytes } from "../compiler/codegen/workspace.js";
import type { KernelTier } from "../compiler/codegen/kernel-tier.js";
import { simdSupported } from "../runtime/kernels/wasm/module.js";
import { WASM_MEMORY_LIMIT } from "../runtime/kernels/wasm/arena.js";
import { plural } from "../compiler/plural.js";
import { sharedLayout } from "./parallel/shared-step.js";

/**
 * V8 heap bytes per node of the interpreter's unrolled graph (its node object, and the
 * objects of its value array and, with a gradient, its adjoint array): the most measured over
 * the examples, T = 10,000, B = 1 and 16 (elman 339 / 456, lstm 333 / 493, stacked 328 / 499,
 * char-lm 330 / 510 bytes forward / at the peak of the backward pass), rounded up.
 */
export const INTERPRETER_HEAP_PER_NODE = { forward: 345, gradient: 520 };

export interface MemoryLimits {
  /** Bytes this process may still allocate: available memory, or RNNC_MEMORY_LIMIT. */
  memory: number;
  /** Bytes V8's heap may still grow by before it reaches its limit. */
  heap: number;
  /** Elements one typed array can hold. */
  array: number;
  /** Bytes one WebAssembly memory can hold. */
  wasm: number;
}

export interface MemoryNeed {
  /** Typed arrays outside V8's heap, bytes. */
  arrays: number;
  /** JavaScript objects on V8's heap, bytes. */
  heap: number;
  /** The largest WebAssembly memory, bytes (the compiled backend on the WebAssembly kernels: one per thread). */
  wasm: number;
  /** How many WebAssembly memories of up to `wasm` bytes, when more than one. */
  wasmMemories?: number;
  /** The WebAssembly memory a training pool's threads share (each shard's gradient and their sum), bytes. */
  shared?: number;
  /** Elements of the longest single array. */
  longest: number;
}

/**
 * The share of V8's heap limit a run may fill: V8 gives up ("ineffective mark-compacts near
 * heap limit") before the limit itself, measured at 92% for char-lm.rnn with a 512 MB heap.
 */
export const HEAP_USABLE = 0.85;

/** What this process can still allocate, now. */
export function memoryLimits(): MemoryLimits {
  const heap = getHeapStatistics();
  return {
    memory: memoryLimitFromEnvironment() ?? freemem(),
    heap: HEAP_USABLE * heap.heap_size_limit - heap.used_heap_size,
    array: MAX_ARRAY_LENGTH,
    wasm: WASM_MEMORY_LIMIT,
  };
}

/** RNNC_MEMORY_LIMIT: bytes, or a number with K, M, G or T (powers of 1024). */
function memoryLimitFromEnvironment(): number | undefined {
  const text = process.env["RNNC_MEMORY_LIMIT"];
  if (!text) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(text);
  if (!m) throw new MemoryLimitError(`RNNC_MEMORY_LIMIT is a size such as 8G or 512M, not '${text}'`);
  return Number(m[1]) * 1024 ** " KMGT".indexOf((m[2] || " ").toUpperCase());
}

export class MemoryLimitError extends Error {}

const parameterCount = (ir: IrModel) => ir.params.reduce((n, p) => n + paramSize(p), 0);
const valueWidth = (n: IrModel["nodes"][number]) => (n.onehot ? 0.5 : n.size); // ids are 4 bytes, floats 8

/** The parameters themselves, one float64 copy (what loading or initialising them allocates). */
export function parameterNeed(ir: IrModel): MemoryNeed {
  return {
    arrays: 8 * parameterCount(ir),
    heap: 0,
    wasm: 0,
    longest: ir.params.reduce((m, p) => Math.max(m, paramSize(p)), 0),
  };
}

/** The inputs and targets of a batch of T steps of B sequences (ids 4 bytes, values 8). */
export function batchNeed(ir: IrModel, T: number, B: number): MemoryNeed {
  const widths = [
    ...ir.inputs.map((i) => (i.encoding === "onehot" ? 0.5 : i.size)),
    ...ir.targets.map((t) => (t.kind === "class" ? 0.5 : t.size)),
  ];
  return {
    arrays: 8 * T * B * widths.reduce((a, b) => a + b, 0),
    heap: 0,
    wasm: 0,
    longest: T * B * ir.inputs.reduce((m, i) => Math.max(m, i.encoding === "onehot" ? 1 : i.size), 1),
  };
}

/**
 * One pass of the interpreter over T steps of B sequences, with or without the gradient.
 * `otherSteps`: the steps of the sequences computed before, by step variable, for the nodes
 * that have a row at every step of one (attention: B × S rows).
 */
export function interpreterNeed(
  ir: IrModel,
  T: number,
  B: number,
  gradient: boolean,
  otherSteps: Readonly<Record<string, number>> = {},
): MemoryNeed {
  const rows = (n: IrNode) => B * (n.over === undefined ? 1 : (otherSteps[n.over] ?? 1));
  const nodes = T * ir.nodes.length;
  const perStep = ir.nodes.reduce((sum, n) => sum + 8 * rows(n) * valueWidth(n), 0);
  const values = T * perStep;
  // Block copies of the weights (at most the parameters once), and for a gradient the gradients and their blocks.
  const weights = 8 * parameterCount(ir) * (gradient ? 3 : 1);
  return {
    arrays: values * (gradient ? 2 : 1) + weights,
    heap: nodes * (gradient ? INTERPRETER_HEAP_PER_NODE.gradient : INTERPRETER_HEAP_PER_NODE.forward),
    wasm: 0,
    longest: Math.max(
      ir.nodes.reduce((m, n) => Math.max(m, rows(n) * n.size), 0),
      parameterNeed(ir).longest,
    ),
  };
}

/**
 * One call of a generated module compiled for `dtype` and `kernels` over T steps of B
 * sequences, with a gradient (`backward`) or forward only; split over `threads`, each thread's
 * module holds a workspace for its share.
 */
export function compiledNeed(
  ir: IrModel,
  options: { dtype: "f64" | "f32"; kernels: KernelTier; backward: boolean },
  T: number,
  B: number,
  threads = 1,
): MemoryNeed {
  const workspace = workspaceBytes(ir, options, T, Math.ceil(B / threads));
  const onWasm = options.kernels === "wasm" || (options.kernels === "auto" && simdSupported());
  // The backend copies every quantity it hands back out of the workspace, in float64.
  const outputs = 8 * T * B * ir.quantities.reduce((sum, q) => sum + ir.nodes[q.node]!.size, 0);
  return {
    arrays: outputs + threads * (workspace.other + (onWasm ? 0 : workspace.arena)),
    heap: 0,
    wasm: onWasm ? workspace.arena : 0,
    wasmMemories: threads,
    longest: workspace.longest,
  };
}

/**
 * A training run's largest step, checked before training starts: the gradient of its largest
 * batch (T steps of B sequences, T the longest of its sequences) on its backend, and beside the weights up to three more copies
 * of the parameters that live through the run (the optimizer's moments, the clipped gradient).
 */
export function trainingNeed(
  ir: IrModel,
  backend: { kind: "interp" | "compiled"; kernels: KernelTier; threads: number; dtype?: "f64" | "f32" },
  T: number,
  B: number,
): MemoryNeed {
  // A node at every step of another sequence has a row per example and step of it: at most T of them.
  const everyStep = Object.fromEntries((ir.sequences ?? []).map((s) => [s, T]));
  const step =
    backend.kind === "interp"
      ? interpreterNeed(ir, T, B, true, everyStep)
      : compiledNeed(
          ir,
          { dtype: backend.dtype ?? "f64", kernels: backend.kernels, backward: true },
          T,
          B,
          backend.threads,
        );
  // On several threads of the compiled backend, the pool's shared memory: WebAssembly's whatever the kernel tier.
  const shared =
    backend.kind === "compiled" && backend.threads > 1
      ? 65536 * sharedLayout(backend.threads, parameterCount(ir), backend.dtype === "f32" ? 4 : 8).pages
      : 0;
  return { ...step, arrays: step.arrays + 3 * 8 * parameterCount(ir), ...(shared > 0 ? { shared } : {}) };
}

/**
 * Throws a MemoryLimitError when `need` does not fit: `what` names the run ("a batch of 1
 * sequence of 10,000,000 steps on the interpreter"), `hint` what to change.
 */
export function requireMemory(need: MemoryNeed, what: string, hint: string, limits = memoryLimits()): void {
  const problem = memoryProblem(need, limits);
  if (problem) throw new MemoryLimitError(`${what} needs ${problem}; ${hint}`);
}

/** What of `need` does not fit in `limits` ("about 41.4 GB of JavaScript heap, more than ..."), or undefined when it all fits. */
export function memoryProblem(need: MemoryNeed, limits: MemoryLimits = memoryLimits()): string | undefined {
  if (need.longest > limits.array)
    return `an array of ${count(need.longest)} numbers, more than one array can hold (${count(limits.array)})`;
  if (need.wasm > limits.wasm)
    return `${bytes(need.wasm)} of WebAssembly memory, more than one WebAssembly memory can hold (${bytes(limits.wasm)}; --kernels js keeps the arrays outside it)`;
  if ((need.shared ?? 0) > limits.wasm)
    return `${bytes(need.shared!)} of WebAssembly memory shared by the threads, more than one WebAssembly memory can hold (${bytes(limits.wasm)}; fewer threads, or --precision f32, need less)`;
  if (need.heap > limits.heap)
    return `about ${bytes(need.heap)} of JavaScript heap, more than the ${bytes(limits.heap)} of V8's heap a run may still fill (node --max-old-space-size raises the limit)`;
  const total = need.arrays + need.heap + need.wasm * (need.wasmMemories ?? 1) + (need.shared ?? 0);
  if (total > limits.memory)
    return `about ${bytes(total)} of memory, more than the ${bytes(limits.memory)} available${process.env["RNNC_MEMORY_LIMIT"] ? " (RNNC_MEMORY_LIMIT)" : ""}`;
  return undefined;
}

/** A count for a message, grouped by thousands while it is exact ("10,000,000"), else as JavaScript writes it ("1e+300"). */
export function count(n: number): string {
  return Number.isSafeInteger(Math.round(n)) ? Math.round(n).toLocaleString("en-US") : String(n);
}

/** Bytes for a message: "41.3 GB", "512 MB". */
export function bytes(n: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} bytes`
    : `${value < 100 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "a batch of 3 sequences of 10,000,000 steps" */
export function describeBatch(T: number, B: number): string {
  return `a batch of ${count(B)} ${plural(B, "sequence")} of ${count(T)} ${plural(T, "step")}`;
}
