/**
 * Losses as code: the value after the forward pass, by the kernel the registry names for the
 * loss's form, and the adjoint seeds at each step of the backward pass, as the backward IR
 * states them (cross_entropy of softmax(z) seeds dz = p − onehot(y)).
 */
import type { GradId } from "../grad/grad-ir.js";
import type { IrLoss, IrModel } from "../ir/ir.js";
import { describeLoss as lossText } from "../ir/print.js";
import { binary, local, num, type Expr } from "../ops/expr.js";
import { elementwiseOp, formOf } from "../ops/registry.js";
import { adjointLocation, valueExpr, valueLocation } from "./access.js";
import { StreamTable, type ElementLoop } from "./element-loop.js";
import { emitElementLoop } from "./fused-loops.js";
import { product } from "./arith.js";
import { rowOffset, type Location } from "./location.js";
import { commentText, quote } from "./names.js";
import type { CodePlan } from "./plan.js";

export function describeLoss(ir: IrModel, l: IrLoss): string {
  return commentText(lossText(ir, l));
}

/** `const scaleN = ...` per loss: 1 / (number of scored positions) for a mean, 1 for a sum. */
export function emitLossScales(plan: CodePlan): string[] {
  return plan.ir.losses.map((l, k) => {
    if (l.reduce === "sum") return `const scale${k} = 1;`;
    return l.at === "last"
      ? `const scale${k} = 1 / B;`
      : `let positions${k} = 0;\nfor (let b = 0; b < B; b++) positions${k} += lengths[b]!;\nconst scale${k} = 1 / positions${k};`;
  });
}

/** The target of row b at step t: an index expression into the batch's target array. */
function targetRow(l: IrLoss): string {
  return l.at === "each" ? "t * B + b" : "b";
}

/**
 * The total loss, after the forward pass (`loss` is declared by the caller): each loss's
 * kernel, named by the registry for the form it was lowered to, on the rows it scores, the
 * padding never read. At each step: one call over the B rows, weighted as the interpreter
 * weighs them (scale, or 0 past a sequence's end); at each sequence's last step: a call a row.
 */
export function emitLossValue(plan: CodePlan): string[] {
  const out: string[] = [];
  plan.ir.losses.forEach((l, k) => {
    const K = plan.ir.nodes[l.prediction]!.size;
    const target = plan.ir.targets.find((x) => x.name === l.target)!;
    const x = valueLocation(plan, l.fusion ? l.fusion.input : l.prediction, "t");
    const y = plan.names.targets[k]!;
    const yRow = target.kind === "class" ? targetRow(l) : product(targetRow(l), K);
    const kernel = formOf(l).kernel;
    // One call over a step's B rows needs them K apart (not so for a value in a wider buffer).
    const rows =
      l.at === "each" && x.stride === K
        ? [
            `const scored${k} = new Float64Array(B);`,
            `for (let t = 0; t < T; t++) {`,
            `for (let b = 0; b < B; b++) scored${k}[b] = t < lengths[b]! ? scale${k} : 0;`,
            `loss += ${kernel}(B, ${K}, ${x.buffer}, ${rowOffset(x.slot, x.stride, x.offset, "0")}, ${y}, ${target.kind === "class" ? "t * B" : product("t * B", K)}, scored${k}, 0, null, 0);`,
            `}`,
          ]
        : [
            ...(l.at === "each"
              ? [`for (let t = 0; t < T; t++) {`, `for (let b = 0; b < B; b++) {`, `if (t >= lengths[b]!) continue;`]
              : [`for (let b = 0; b < B; b++) {`, `const t = lengths[b]! - 1;`]),
            `loss += scale${k} * ${kernel}(1, ${K}, ${x.buffer}, ${rowOffset(x.slot, x.stride, x.offset)}, ${y}, ${yRow}, null, 0, null, 0);`,
            ...(l.at === "each" ? [`}`, `}`] : [`}`]),
          ];
    out.push(`// ${describeLoss(plan.ir, l)}`, `{`, `const ${y} = targets[${quote(l.target)}]!;`, ...rows, `}`);
  });
  return out;
}

/**
 * The seeds of every loss at step t of the backward pass, as the backward IR states them:
 * scale · (the seed's value) added to the adjoint of the value the loss scores, at the rows it
 * scores at step t; the others are skipped, unread (padding may hold anything).
 */
export function emitLossSeeds(plan: CodePlan, t: string): string[] {
  const grad = plan.grad!;
  const out: string[] = [];
  for (const n of grad.nodes) {
    if (n.op !== "seed") continue;
    const l = plan.ir.losses[n.loss]!;
    const streams = new StreamTable();
    const y = targetLocation(plan, n.loss, t);
    const expression = (id: GradId): Expr => {
      const e = grad.nodes[id]!;
      switch (e.op) {
        case "value":
          return valueExpr(plan, e.of, t, streams, new Set());
        case "const":
          return num(e.value);
        case "target":
          return y.classes ? { kind: "indicator", stream: streams.of(y.location) } : streams.read(y.location);
        case "apply":
          return elementwiseOp(e.fn).expr(...e.args.map(expression));
        default:
          throw new Error(`internal error: ${e.op} in the seed of a loss`);
      }
    };
    const d = adjointLocation(plan, l.fusion ? l.fusion.input : l.prediction, t)!;
    const value = binary("*", local(`scale${n.loss}`), expression(n.args[0]));
    const loop: ElementLoop = {
      size: n.size,
      skipRow: l.at === "each" ? `${t} >= lengths[b]!` : `${t} !== lengths[b]! - 1`,
      streams: streams.streams,
      body: [{ kind: "storeAdd", stream: streams.of(d), value }],
    };
    out.push(`// d ${describeLoss(plan.ir, l)}: ${formOf(l).gradient}`, ...emitElementLoop(loop, undefined));
  }
  return out;
}

/** Where loss k's target of row b lies at step t: class ids [T][B] or [B], real vectors [T][B][K] or [B][K]. */
function targetLocation(plan: CodePlan, k: number, t: string): { location: Location; classes: boolean } {
  const l = plan.ir.losses[k]!;
  const target = plan.ir.targets.find((x) => x.name === l.target)!;
  const classes = target.kind === "class";
  const location = {
    buffer: plan.names.targets[k]!,
    slot: l.at === "each" ? t : "0",
    stride: classes ? 1 : target.size,
    offset: 0,
  };
  return { location, classes };
}
