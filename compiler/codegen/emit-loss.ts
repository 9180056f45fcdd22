/**
 * Losses as code: the value after the forward pass, and the adjoint seeds at each step of
 * the backward pass. The fused forms are written out: cross_entropy of softmax(z) seeds
 * dz = p − onehot(y), binary_cross_entropy of sigmoid(z) seeds dz = s − y.
 */
import type { IrLoss, IrModel } from "../ir/ir.js";
import { describeLoss as lossText } from "../ir/print.js";
import { formOf } from "../ops/registry.js";
import { adjointLocation, valueLocation } from "./access.js";
import { rowOffset } from "./location.js";
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

/** Loops over the rows a loss scores at step t, calling `body` with a row offset for its input. */
function scoredLoop(l: IrLoss, body: string[]): string[] {
  const guard = l.at === "each" ? `if (t >= lengths[b]!) continue;` : `if (t !== lengths[b]! - 1) continue;`;
  return [`for (let b = 0; b < B; b++) {`, guard, ...body, `}`];
}

/**
 * The total loss, after the forward pass (`loss` is declared by the caller): each loss's
 * kernel, named by the registry for the form it was lowered to, on each row it scores (at
 * each real step, or at each sequence's last), the padding never read.
 */
export function emitLossValue(plan: CodePlan): string[] {
  const out: string[] = [];
  plan.ir.losses.forEach((l, k) => {
    const K = plan.ir.nodes[l.prediction]!.size;
    const target = plan.ir.targets.find((x) => x.name === l.target)!;
    const x = valueLocation(plan, l.fusion ? l.fusion.input : l.prediction, "t");
    const y = `Y${k}`;
    const yRow = target.kind === "class" ? targetRow(l) : `(${targetRow(l)}) * ${K}`;
    const rows =
      l.at === "each"
        ? [`for (let t = 0; t < T; t++) {`, `for (let b = 0; b < B; b++) {`, `if (t >= lengths[b]!) continue;`]
        : [`for (let b = 0; b < B; b++) {`, `const t = lengths[b]! - 1;`];
    out.push(
      `// ${describeLoss(plan.ir, l)}`,
      `{`,
      `const ${y} = targets[${quote(l.target)}]!;`,
      ...rows,
      `loss += scale${k} * ${formOf(l).kernel}(1, ${K}, ${x.buffer}, ${rowOffset(x.slot, x.stride, x.offset)}, ${y}, ${yRow}, null, 0, null, 0);`,
      ...(l.at === "each" ? [`}`, `}`] : [`}`]),
      `}`,
    );
  });
  return out;
}

/** The adjoint seeds of every loss at step t of the backward pass. */
export function emitLossSeeds(plan: CodePlan): string[] {
  const out: string[] = [];
  plan.ir.losses.forEach((l, k) => {
    const K = plan.ir.nodes[l.prediction]!.size;
    const target = plan.ir.targets.find((x) => x.name === l.target)!;
    const y = `Y${k}`;
    const scored = l.fusion ? l.fusion.input : l.prediction;
    const d = adjointLocation(plan, scored, "t");
    if (d === undefined) return;
    const p = valueLocation(plan, l.prediction, "t");
    const rows = [
      `const rp = ${rowOffset(p.slot, p.stride, p.offset)};`,
      `const rd = ${rowOffset(d.slot, d.stride, d.offset)};`,
    ];
    const yRow = target.kind === "class" ? `const c = ${y}[${targetRow(l)}]!;` : `const ry = (${targetRow(l)}) * ${K};`;
    const w = `scale${k}`;
    let seed: string[];
    let formula: string;
    switch (l.fn) {
      case "cross_entropy":
        if (l.fusion?.kind === "softmax") {
          formula = "dz = p − onehot(y)";
          seed = [
            `for (let i = 0; i < ${K}; i++) ${d.buffer}[rd + i] += ${w} * ${p.buffer}[rp + i]!;`,
            `${d.buffer}[rd + c] -= ${w};`,
          ];
        } else if (l.fusion?.kind === "log_softmax") {
          formula = "dz = exp(log p) − onehot(y)";
          seed = [
            `for (let i = 0; i < ${K}; i++) ${d.buffer}[rd + i] += ${w} * Math.exp(${p.buffer}[rp + i]!);`,
            `${d.buffer}[rd + c] -= ${w};`,
          ];
        } else {
          formula = "dp_y = −1 / p_y";
          seed = [`${d.buffer}[rd + c] -= ${w} / ${p.buffer}[rp + c]!;`];
        }
        break;
      case "binary_cross_entropy":
        if (l.fusion) {
          formula = "dz = σ(z) − y";
          seed = [
            `for (let i = 0; i < ${K}; i++) ${d.buffer}[rd + i] += ${w} * (${p.buffer}[rp + i]! - ${y}[ry + i]!);`,
          ];
        } else {
          formula = "dp = −y / p + (1 − y) / (1 − p)";
          seed = [
            `for (let i = 0; i < ${K}; i++) {`,
            `const pi = ${p.buffer}[rp + i]!;`,
            `const yi = ${y}[ry + i]!;`,
            `${d.buffer}[rd + i] += ${w} * ((yi !== 0 ? -yi / pi : 0) + (1 - yi !== 0 ? (1 - yi) / (1 - pi) : 0));`,
            `}`,
          ];
        }
        break;
      default:
        formula = "dp = p − y";
        seed = [`for (let i = 0; i < ${K}; i++) ${d.buffer}[rd + i] += ${w} * (${p.buffer}[rp + i]! - ${y}[ry + i]!);`];
        break;
    }
    out.push(`// d ${describeLoss(plan.ir, l)}: ${formula}`, ...scoredLoop(l, [...rows, yRow, ...seed]));
  });
  return out;
}
