/**
 * `rnnc export --to pytorch`: a model as one self-contained Python file. At the top, the model
 * as a torch.nn.Module: its parameters under their .rnn names, and `step`, the equations of
 * one time step in source order, each under a comment giving the equation, with PyTorch
 * doing the gradient (a model of several sequences has a step method per sequence, `step_s`,
 * and one with a state read ahead a `..._backward` method for its backward loop: ../loops.ts).
 * Then what the model is (MODEL: dims, inputs, states, losses, sequences, the .rnn source),
 * and rnnc's runtime for exported models (runtime.py, the same in every file: the time loops,
 * the losses, rnnc's files, `run` and `train`).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CheckedModel } from "../../check/model.js";
import type { IrModel, IrNode } from "../../ir/ir.js";
import { operands } from "../../ir/ir.js";
import { version } from "../../version.js";
import { precedence, pyAtom, type ExportOperand, type PyExpr } from "../../ops/export.js";
import { lossExportForm, opExportForm } from "../forms.js";
import { pyClassName, pyComment, pyFloat, pyIdentifiers, pyLiteral, pyString } from "../python.js";
import { exportedModel, type ExportSource } from "../model-spec.js";
import { appliedOp, scoredNode } from "../ir-view.js";
import { timeLoops, type TimeLoop } from "../loops.js";

/** The Python file for a model. */
export function exportPyTorch(ir: IrModel, model: CheckedModel, source: ExportSource): string {
  const runtime = runtimeSource();
  const className = pyClassName(ir.name, topLevelNames(runtime.body));
  const loops = timeLoops(ir);
  const spec = exportedModel(ir, model, source, loops);
  return [
    header(ir, source),
    runtime.imports,
    modelClass(ir, loops, className),
    `\nMODEL_CLASS = ${className}\n`,
    "# What the model is: rnnc's runtime below reads it.",
    `MODEL = ${pyLiteral(spec)}\n\n`,
    runtime.body,
    "",
    'if __name__ == "__main__":',
    "    sys.exit(main())",
    "",
  ].join("\n");
}

function header(ir: IrModel, source: ExportSource): string {
  return `#!/usr/bin/env python3
"""A recurrent network exported from rnnc's language to PyTorch by \`rnnc export --to pytorch\`.

As a command:
    python THIS_FILE run --weights W --data D [--grad] [--outputs a,b] [--dtype f64|f32]
    torchrun --nproc_per_node N THIS_FILE train --data PATH --checkpoint DIR [options]
(\`python THIS_FILE run --help\`, \`... train --help\`). As a module: the model class below is a
torch.nn.Module whose state_dict() holds the parameters under their .rnn names.
"""
# Model ${pyComment(ir.name)}, from ${pyComment(source.file)}, exported by rnnc ${version}.
# Dims: ${Object.entries(ir.dims)
    .map(([k, v]) => `${pyComment(k)} = ${v}`)
    .join(", ")}.
`;
}

function modelClass(ir: IrModel, loops: readonly TimeLoop[], className: string): string {
  return `
class ${className}(nn.Module):
    """The model, one time step at a time (its step methods); \`forward\` runs a batch with rnnc's semantics."""

    def __init__(self, dtype=torch.float64):
        super().__init__()
        register_parameters(self, dtype)

    def weights(self):
        """The parameters by .rnn name, in declaration order."""
        return weights_by_name(self)

    def forward(self, batch, carry=None):
        """Every step of a batch (time-major, as rnnc's): each quantity at each step, what each
        loss scores, and what the last steps leave for the next chunk of the same streams."""
        return run_steps(self, batch, carry)

    def loss(self, run, batch, counts=None):
        """The sum of the model's losses over the batch, each reduced as declared."""
        return total_loss(self, run, batch, counts)

${loops.map(stepMethod).join("\n\n")}

${lossMethod(ir)}
`;
}

/** How often each node is read: by other nodes, as a quantity's value, as what a loss scores. */
function uses(ir: IrModel): number[] {
  const count = new Array<number>(ir.nodes.length).fill(0);
  for (const n of ir.nodes) for (const o of operands(n)) count[o]!++;
  for (const q of ir.quantities) count[q.node]!++;
  for (const l of ir.losses) count[scoredNode(l)]!++;
  return count;
}

function stepMethod(loop: TimeLoop): string {
  const ir = loop.part;
  const count = uses(ir);
  const quantityOf = new Map(ir.quantities.map((q) => [q.node, q.name]));
  const variables = pyIdentifiers(
    ir.quantities.map((q) => q.name),
    "q_",
  );
  /** A node this loop computes; the other phase's are read (`read.now`), leaves are everyone's. */
  const computed = (n: IrNode) => appliedOp(n) === undefined || Boolean(n.backward) === loop.backward;
  const exprs: PyExpr[] = [];
  const lines: string[] = [];
  let origin: string | undefined;
  for (const n of ir.nodes) {
    if (!computed(n)) {
      // Lowering gives one phase's values to the other only as quantities (it shares no subexpressions).
      const quantity = quantityOf.get(n.id);
      if (quantity !== undefined) exprs[n.id] = pyAtom(`read.now(${pyString(quantity)})`);
      continue;
    }
    const e = nodeExpr(ir, n, exprs);
    const quantity = quantityOf.get(n.id);
    const leaf = appliedOp(n) === undefined;
    if (quantity === undefined && (leaf || count[n.id]! <= 1)) {
      exprs[n.id] = e;
      continue;
    }
    if (n.origin !== origin && !leaf) {
      origin = n.origin;
      lines.push(`        # ${pyComment(n.origin)}`);
    }
    const name = quantity !== undefined ? variables.get(quantity)! : `v${n.id}`;
    // A quantity nothing else reads is settled without a name; the others are named for their readers.
    const assigned = quantity === undefined || count[n.id]! > 1 ? `${name} = ` : "";
    lines.push(
      quantity !== undefined
        ? pyCallLine(`        ${assigned}settle`, [pyString(quantity), e.text])
        : `        ${assigned}${e.text}`,
    );
    exprs[n.id] = { text: name, precedence: precedence.atom };
  }
  const scored = loop.losses.map((k, i) => `${k}: ${exprs[scoredNode(ownLosses(loop)[i]!)]!.text}`);
  const sequence = loop.sequence !== undefined ? ` of sequence ${pyComment(loop.sequence)}` : "";
  const phase = loop.backward ? ", backward: from the last step down, before the forward loop" : "";
  return `    def ${loop.method}(self, p, x, past, settle, read):
        """One step${sequence}${phase}.
        Each equation it computes, in order. p: the parameters by name; x: each input (and
        previous target) at this step; past(name, k): the value of a state (or input) k steps
        back; settle(name, value): a quantity's value at this step (a sequence that has ended
        keeps its last); read: what other loops computed (the runtime's Reads). Returns what
        each loss whose prediction is computed here scores, by the loss's index."""
${lines.join("\n")}
        return {${scored.join(", ")}}`;
}

/** The losses of a loop's part whose predictions it computes, in the order of `loop.losses`. */
function ownLosses(loop: TimeLoop): IrModel["losses"] {
  return loop.part.losses.filter((l) => Boolean(loop.part.nodes[l.prediction]!.backward) === loop.backward);
}

/** `start(arg, ...)` on one line, or with its arguments one a line when that is longer than 120 characters. */
function pyCallLine(start: string, args: string[]): string {
  const line = `${start}(${args.join(", ")})`;
  if (line.length <= 120) return line;
  const indent = " ".repeat(start.length - start.trimStart().length);
  return `${start}(\n${args.map((a) => `${indent}    ${a},\n`).join("")}${indent})`;
}

/** A node's PyTorch expression from its operands' (already in `exprs`). */
function nodeExpr(ir: IrModel, n: IrNode, exprs: readonly PyExpr[]): PyExpr {
  switch (n.op) {
    case "input":
      return { text: `x[${pyString(n.input)}]`, precedence: precedence.atom };
    case "delay":
      return pyAtom(
        n.ahead ? `read.ahead(${pyString(n.source)}, ${n.steps})` : `past(${pyString(n.source)}, ${n.steps})`,
      );
    case "last":
      return pyAtom(`read.last(${pyString(n.source)})`);
    case "steps":
      return pyAtom(`read.steps(${pyString(n.source)})`);
    case "param":
      return { text: `p[${pyString(n.param)}]`, precedence: precedence.atom };
    case "const":
      // A negative number is a unary minus to Python; the others are atoms.
      return { text: pyFloat(n.value), precedence: n.value >= 0 ? precedence.atom : precedence.unary };
    // Outside training a dropout's mask is all ones (and dropout's export form does not read it).
    case "mask":
      return { text: pyFloat(1), precedence: precedence.atom };
  }
  const args: ExportOperand[] = operands(n).map((id) => {
    const m = ir.nodes[id]!;
    return { ...exprs[id]!, size: m.size, onehot: m.onehot, scalar: m.scalar };
  });
  const param = n.op === "apply" && n.param !== undefined ? pyAtom(`p[${pyString(n.param)}]`) : undefined;
  const axis = n.op === "apply" && n.axis !== undefined ? pyAtom(`read.extent(${pyString(n.axis)})`) : undefined;
  return opExportForm(appliedOp(n)!).pytorch(args, param, axis);
}

function lossMethod(ir: IrModel): string {
  const cases = ir.losses.map((l, k) => {
    const prediction = ir.quantities.find((q) => q.node === l.prediction)!.name;
    const how = l.fusion ? `, computed from the input of ${l.fusion.kind}` : "";
    const form = lossExportForm(l.fn, l.fusion?.kind);
    return `        if k == ${k}:  # loss ${pyComment(l.fn)}(${pyComment(prediction)}, ${pyComment(l.target)}) at ${l.at} (${l.reduce})${how}
            return ${form("scored", "target")}`;
  });
  return `    def loss_terms(self, k, scored, target):
        """Loss k at each position it scores (rows of \`scored\`, with their targets), before the reduction."""
${cases.length > 0 ? cases.join("\n") : "        pass"}
        raise ValueError(f"the model has no loss {k}")`;
}

/**
 * rnnc's runtime for exported models, from beside this module (sources) or from the sources
 * shipped with the package (dist): its imports, which go to the top of the file, and the rest.
 */
function runtimeSource(): { imports: string; body: string } {
  for (const path of ["./runtime.py", "../../../../compiler/export/pytorch/runtime.py"]) {
    const file = fileURLToPath(new URL(path, import.meta.url));
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, "utf8").split("\n");
    const first = lines.findIndex((l) => /^(import|from) /.test(l));
    let end = first;
    while (end < lines.length && /^((import|from) .*)?$/.test(lines[end]!)) end++;
    return {
      imports: lines.slice(first, end).join("\n").trim() + "\n",
      body: [...lines.slice(0, first), ...lines.slice(end)].join("\n").trim() + "\n",
    };
  }
  throw new Error("internal error: compiler/export/pytorch/runtime.py is missing from the installation");
}

/** The names the runtime defines at the top level, which the model's class must not take. */
function topLevelNames(runtime: string): Set<string> {
  const names = [
    ...runtime.matchAll(/^(?:def|class)\s+(\w+)|^(\w+)\s*=|^import\s+(\w+)|^from\s+\S+\s+import\s+(\w+)/gm),
  ];
  return new Set(["MODEL", "MODEL_CLASS", ...names.map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!)]);
}
