/**
 * `rnnc ir FILE`: the IR as text, to read beside the `.rnn` source. Each group of nodes is
 * headed by the equation it computes.
 */
import { isBidirectional, matvecBlocks, type IrLoss, type IrModel, type IrNode, type IrParam } from "./ir.js";

export function printIr(ir: IrModel): string {
  const out: string[] = [];
  const dims = Object.entries(ir.dims)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  out.push(`model ${ir.name}${dims ? `  (${dims})` : ""}`);
  for (const i of ir.inputs)
    out.push(`  input  ${i.name} : ${i.encoding === "onehot" ? `onehot[${i.size}]` : `[${i.size}]`}`);
  for (const t of ir.targets)
    out.push(`  target ${t.name} : ${t.kind === "class" ? `class[${t.size}]` : `[${t.size}]`}`);
  for (const p of ir.params) out.push(`  param  ${p.name} : [${p.shape.join(", ")}] = ${describeInit(p)}`);
  for (const s of ir.states) {
    const init =
      s.init.kind === "learned"
        ? `learned (${s.init.param})`
        : s.init.kind === "constant"
          ? String(s.init.value)
          : s.init.kind === "last"
            ? `${s.init.source}[last]`
            : "zeros";
    const reads =
      (s.maxAhead ?? 0) > 0 ? `runs backwards, read up to [t+${s.maxAhead}]` : `read up to [t-${s.maxDelay}]`;
    out.push(`  state  ${s.name} : [${s.size}] = ${init}, ${reads}`);
  }
  const phases = isBidirectional(ir);
  const steps = phases ? "step t, backward phase first (t = T down to 1), then forward (t = 1 up to T):" : "step t:";
  out.push("", ir.sequences ? `sequences ${ir.sequences.join(", ")}, each over its own steps, in this order:` : steps);
  const names = new Map<number, string[]>();
  for (const q of ir.quantities) names.set(q.node, [...(names.get(q.node) ?? []), q.name]);
  let origin = "";
  let sequence: string | undefined;
  for (const n of ir.nodes) {
    if (n.sequence !== undefined && n.sequence !== sequence) {
      sequence = n.sequence;
      out.push(`step ${sequence} of sequence ${sequence}:`);
    }
    if (n.origin !== origin) {
      origin = n.origin;
      const backward = phases && ir.nodes.some((m) => m.origin === origin && m.backward);
      out.push(`  // ${origin}${backward ? "   (backward phase)" : ""}`);
    }
    const label = `%${n.id}`.padEnd(5);
    const type = n.scalar
      ? "scalar"
      : n.onehot
        ? `onehot[${n.size}]`
        : `[${n.size}]${n.over !== undefined ? ` at every ${n.over}` : ""}`;
    const quantity = names.get(n.id);
    out.push(
      `  ${label} = ${describeNode(ir, n).padEnd(44)} : ${type}${quantity ? `   -> ${quantity.join(", ")}` : ""}`,
    );
  }
  if (ir.losses.length > 0) out.push("");
  for (const l of ir.losses) {
    const fused = l.fusion ? `, fused with ${l.fusion.kind} of %${l.fusion.input}` : "";
    out.push(`loss ${l.fn}(%${l.prediction}, ${l.target}) at ${l.at}, reduce = ${l.reduce}${fused}`);
  }
  return out.join("\n") + "\n";
}

function describeInit(p: IrParam): string {
  const i = p.init;
  switch (i.kind) {
    case "constant":
      return String(i.value);
    case "uniform":
      return `uniform(${i.low}, ${i.high})`;
    case "normal":
      return `normal(mean = ${i.mean}, std = ${i.std})`;
    case "orthogonal":
      return `orthogonal(gain = ${i.gain})`;
    default:
      return i.kind;
  }
}

function describeNode(ir: IrModel, n: IrNode): string {
  switch (n.op) {
    case "input":
      return `input ${n.input}`;
    case "delay":
      return `delay ${n.source}[t${n.ahead ? "+" : "-"}${n.steps}]`;
    case "param":
      return `param ${n.param}`;
    case "last":
      return `last ${n.source}[last]`;
    case "steps":
      return `steps ${n.source}[${n.over}]`;
    case "const":
      return `const ${n.value}`;
    case "mask": {
      const mask = ir.masks.find((m) => m.name === n.mask)!;
      return `mask ${n.mask} (p = ${mask.p}, per ${mask.per})`;
    }
    case "apply":
      if (n.param !== undefined)
        return `${n.fn} ${n.param} @ ${matvecBlocks(ir, n)
          .map((b) => `%${b.x}@col${b.col}`)
          .join(" ++ ")}`;
      return `${n.fn}${n.axis !== undefined ? ` over ${n.axis}` : ""} ${n.args.map((a) => `%${a}`).join(", ")}`;
  }
}

/** `loss cross_entropy(o, y) at each`: a loss as declared, by its prediction's quantity name. */
export function describeLoss(ir: IrModel, l: IrLoss): string {
  const prediction = ir.quantities.find((q) => q.node === l.prediction)!.name;
  return `loss ${l.fn}(${prediction}, ${l.target}${l.reduce === "sum" ? ", reduce = sum" : ""}) at ${l.at}`;
}
