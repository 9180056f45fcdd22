/**
 * Hover: what a name is, in Markdown. Shapes come from the checker's facts (symbolic and
 * numeric, `[H, H + D] = [128, 160]`); when the model has errors, whatever did check is shown
 * and the rest is read from the source as written.
 */
import { isLastStep } from "../check/inits.js";
import type { Hover, MarkupContent } from "vscode-languageserver";
import type * as A from "../../grammar/ast.js";
import { callNames, callOp, callSignature, lossForm, lossNamed, lossNames, opNamed } from "../ops/registry.js";
import { stepReductions } from "../ops/steps.js";
import type { NameUse, Size } from "../check/model.js";
import { sizesText } from "../ops/shapes.js";
import { cellDefinitions } from "../expand/cells.js";
import { printExpr } from "../format/print-expr.js";
import { walkExpr } from "../../grammar/walk.js";
import { printItem } from "../format/print-items.js";
import { lectureEquation } from "../format/print-lecture.js";
import { canonicalFunction } from "../../grammar/notation.js";
import type { Analysis, FactsView } from "./analysis.js";
import {
  cellArgumentDocs,
  count,
  describeInit,
  describeStateInit,
  initialiserDocs,
  initialiserSignatures,
  isCellKindName,
  keywordDocs,
  lossArgumentDocs,
  weightCount,
  wordDocs,
} from "./describe.js";
import type { ModelSymbol, Occurrence } from "./names.js";
import { startOf } from "../../grammar/source-range.js";

/** How many lines a list in a hover shows before "and N more". */
const listLimit = 12;

export function hover(analysis: Analysis, offset: number): Hover | null {
  const occurrence = analysis.index?.at(offset);
  if (!occurrence) return null;
  const text = describe(analysis, occurrence);
  if (!text) return null;
  const contents: MarkupContent = { kind: "markdown", value: text };
  return { contents, range: analysis.lines.toLsp(occurrence.range) };
}

/** The Markdown for one occurrence, or undefined when there is nothing to say. */
export function describe(analysis: Analysis, o: Occurrence): string | undefined {
  const h = new HoverWriter(analysis, o);
  switch (o.kind) {
    case "symbol":
      if (!o.symbol) return `\`${o.text}\` is not declared in model \`${o.scope.model.name.text}\`.`;
      if (o.delay) return h.delay(o.delay, o.symbol);
      if (o.declaration && o.item?.kind === "cell") return h.cell(o.item);
      return h.symbol(o.symbol);
    case "delay": {
      const symbol = o.scope.symbols.get(o.delay!.name.text);
      return symbol ? h.delay(o.delay!, symbol) : h.delayOf(o.delay!);
    }
    case "model":
      return h.model();
    case "function":
      return h.fn(o.text);
    case "loss":
      return h.loss(o.item as A.LossDecl);
    case "cellKind":
      return h.cell(o.item as A.CellDecl);
    case "initialiser":
      return h.initialiser(o.text, o.item);
    case "argument":
      return h.argument(o.text, o.owner ?? "");
    case "word":
      return (
        wordDocs[o.text] ??
        (o.item?.kind === "loss"
          ? `\`${o.text}\` has no meaning here: a loss is scored \`at last\` or \`at each\`, and reduced with \`reduce = mean|sum\`.`
          : undefined)
      );
    case "keyword":
      return keywordDocs[o.text];
  }
}

function fence(lines: readonly string[]): string {
  return "```rnn\n" + lines.join("\n") + "\n```";
}

function limited(lines: string[], limit = listLimit): string[] {
  return lines.length > limit ? [...lines.slice(0, limit), `- … and ${lines.length - limit} more`] : lines;
}

function names(list: readonly string[]): string {
  return list.map((n) => `\`${n}\``).join(", ");
}

class HoverWriter {
  /** The checker's facts, when the occurrence is in the model the front end checked. */
  private readonly facts: FactsView | undefined;

  constructor(
    private readonly analysis: Analysis,
    private readonly o: Occurrence,
  ) {
    this.facts = o.scope.index === 0 ? analysis.facts : undefined;
  }

  private unchecked(): string | undefined {
    return this.o.scope.index === 0
      ? undefined
      : "_Only the first model of a file is checked: sizes are not worked out here._";
  }

  private where(item: A.Item): string {
    const cell = this.facts?.generatedBy.get(item);
    return cell
      ? `from cell \`${cell.name.text}\`, line ${startOf(cell.range).line}`
      : `line ${startOf(item.range).line}`;
  }

  private sizeOf(symbol: ModelSymbol): Size | undefined {
    const f = this.facts;
    if (!f) return undefined;
    return f.states.get(symbol.name)?.size ?? f.quantities.get(symbol.name)?.size ?? f.inputs.get(symbol.name)?.size;
  }

  /**
   * In a model of several sequences, which one a name runs over and where it stands in the
   * order they are computed; nothing in a model of one.
   */
  private sequenceLine(name: string): string[] {
    const f = this.facts;
    const sequences = f?.facts.sequences ?? [];
    if (!f || sequences.length < 2) return [];
    const sequence = f.inputs.get(name)?.sequence ?? f.targets.get(name)?.sequence ?? f.quantities.get(name)?.sequence;
    if (sequence === undefined) return [];
    const index = sequences.indexOf(sequence);
    const before = sequences.slice(0, index);
    const after = sequences.slice(index + 1);
    const order = [
      before.length > 0 ? `after ${names(before)}` : undefined,
      after.length > 0 ? `before ${names(after)}` : undefined,
    ].filter(Boolean);
    return [
      `**Runs over sequence \`${sequence}\`** (of ${names(sequences)}), each example to its own length; the sequence is computed whole ${order.join(" and ")}.`,
    ];
  }

  /** `[H] = [32]`, or the shape as written when it did not check. */
  private shapeOf(symbol: ModelSymbol): string {
    const size = this.sizeOf(symbol);
    if (size) return `\`${sizesText([size])}\``;
    const declared = symbol.items.find((i): i is A.StateDecl => i.kind === "state");
    const written = declared ? `\`[${declared.shape.map(printExpr).join(", ")}]\`` : "";
    return written
      ? `${written} (size not worked out: see the diagnostics)`
      : "unknown (its equation did not check: see the diagnostics)";
  }

  /** The equations and losses that read a name, split into same-step and delayed reads. */
  private readers(name: string): string[] {
    if (!this.facts) return [];
    const uses = this.facts.usesOf(name);
    const sameStep = new Set<string>();
    const atLast = new Set<string>();
    const delayed = new Map<string, Set<number>>();
    let loss = false;
    for (const u of uses) {
      if (u.usedBy === "loss") loss = true;
      else if (u.last) atLast.add(u.usedBy);
      else if (u.delay === 0) sameStep.add(u.usedBy);
      else {
        let ks = delayed.get(u.usedBy);
        if (!ks) delayed.set(u.usedBy, (ks = new Set()));
        ks.add(u.delay);
      }
    }
    const out: string[] = [];
    if (sameStep.size > 0) out.push(`**Read at the same step by:** ${names([...sameStep])}`);
    if (atLast.size > 0) out.push(`**Read at its last step, \`${name}[last]\`, by:** ${names([...atLast])}`);
    const byDelay = new Map<number, string[]>();
    for (const [by, ks] of delayed) for (const k of ks) byDelay.set(k, [...(byDelay.get(k) ?? []), by]);
    for (const k of [...byDelay.keys()].sort((a, b) => Math.abs(a) - Math.abs(b)))
      out.push(`**Read through \`${name}[t${k > 0 ? "-" : "+"}${Math.abs(k)}]\` by:** ${names(byDelay.get(k)!)}`);
    if (loss) {
      const losses = this.facts.facts.losses
        .filter((l) => l.prediction === name || l.target === name)
        .map((l) => `\`${printItem(l.decl)}\``);
      out.push(`**Scored by:** ${losses.length > 0 ? losses.join(", ") : "a loss"}`);
    }
    if (out.length === 0)
      out.push(
        this.facts.facts.decl.items.some((i) => i.recovered)
          ? "_No reads found (the model has syntax errors)._"
          : "**Read by:** nothing",
      );
    return out;
  }

  /** The equations (and losses) that use a name, as code. */
  private usedBy(uses: readonly NameUse[]): string[] {
    if (!this.facts) return [];
    const byName = new Set(uses.map((u) => u.usedBy));
    const lines: string[] = [];
    for (const by of byName) {
      if (by === "loss") continue;
      const q = this.facts.quantities.get(by);
      if (q) lines.push(`${printItem(q.equation)}   // ${this.where(q.equation)}`);
    }
    if (byName.has("loss"))
      for (const l of this.facts.facts.losses)
        if (uses.some((u) => u.usedBy === "loss" && (l.prediction === u.name || l.target === u.name)))
          lines.push(printItem(l.decl));
    return lines;
  }

  symbol(s: ModelSymbol): string {
    switch (s.kind) {
      case "dim":
        return this.dim(s);
      case "input":
      case "target":
        return this.io(s);
      case "param":
        return this.param(s);
      case "state":
      case "quantity":
      case "cell":
        return this.quantity(s);
    }
  }

  dim(s: ModelSymbol): string {
    const decl = s.items.find((i): i is A.DimDecl => i.kind === "dim")!;
    const info = this.facts?.dims.get(s.name);
    const written = printExpr(decl.value);
    const out: string[] = [];
    if (info) {
      out.push(`**dim** \`${s.name}\` = **${info.value.toLocaleString("en-US")}**`);
      if (info.overridden)
        out.push(`Overridden to ${info.value} by the editor setting \`rnnc.dims\` (the file says \`${written}\`).`);
      else if (written !== String(info.value)) out.push(`Defined as \`${written}\` = ${info.value}.`);
    } else {
      out.push(
        `**dim** \`${s.name}\` = \`${written}\``,
        this.unchecked() ?? "_Its value could not be worked out: see the diagnostics._",
      );
    }
    const uses = this.analysis.index!.occurrencesOf(s).filter((o) => !o.declaration && o.item);
    const items = [...new Set(uses.map((o) => o.item!))];
    if (items.length === 0) out.push("**Used in:** nothing");
    else
      out.push(
        `**Used in** ${count(items.length, "declaration")}:`,
        limited(items.map((i) => `- line ${startOf(i.range).line}: \`${printItem(i)}\``)).join("\n"),
      );
    return out.join("\n\n");
  }

  io(s: ModelSymbol): string {
    const decl = s.items.find((i): i is A.InputDecl | A.TargetDecl => i.kind === "input" || i.kind === "target")!;
    const written = `${decl.type.kind?.text ?? ""}[${decl.type.dims.map(printExpr).join(", ")}]`;
    const out: string[] = [];
    if (decl.kind === "input") {
      const info = this.facts?.inputs.get(s.name);
      const size = info ? ` = ${info.encoding === "onehot" ? "onehot" : ""}[${info.size.value}]` : "";
      out.push(`**input** \`${s.name}\` : \`${written}\`${size}`);
      if (info)
        out.push(
          info.encoding === "onehot"
            ? `One integer id in 0..${info.size.value - 1} per step; \`W @ ${s.name}\` is compiled as a column lookup.`
            : `A dense vector of ${info.size.value} numbers per step. Read through a delay (\`${s.name}[t-k]\`) it is zero before the sequence starts.`,
        );
      else out.push(this.unchecked() ?? "_Its size could not be worked out: see the diagnostics._");
      out.push(...this.sequenceLine(s.name), ...this.readers(s.name));
    } else {
      const info = this.facts?.targets.get(s.name);
      const size = info ? ` = ${info.kind === "class" ? "class" : ""}[${info.size.value}]` : "";
      out.push(`**target** \`${s.name}\` : \`${written}\`${size}`);
      if (info)
        out.push(
          info.kind === "class"
            ? `A class index in 0..${info.size.value - 1}.`
            : `A real vector of ${info.size.value} numbers.`,
        );
      else out.push(this.unchecked() ?? "_Its size could not be worked out: see the diagnostics._");
      out.push(...this.sequenceLine(s.name));
      const losses = this.facts?.facts.losses.filter((l) => l.target === s.name) ?? [];
      out.push(
        losses.length > 0
          ? `**Scored by:** ${losses.map((l) => `\`${printItem(l.decl)}\``).join(", ")}`
          : "**Scored by:** no loss (that checked)",
      );
    }
    return out.join("\n\n");
  }

  param(s: ModelSymbol): string {
    const decl = s.items.find((i): i is A.ParamDecl => i.kind === "param");
    const info = this.facts?.params.get(s.name);
    const out: string[] = [];
    const written = decl ? `[${decl.shape.map(printExpr).join(", ")}]` : "";
    if (info) {
      out.push(`**param** \`${s.name}\` : \`${sizesText(info.shape)}\` — ${count(weightCount(info.shape), "weight")}`);
      out.push(`**Initialiser:** ${describeInit(info.init, info.shape, decl?.init !== undefined)}`);
    } else {
      out.push(
        `**param** \`${s.name}\` : \`${written}\``,
        this.unchecked() ?? "_Its shape or initialiser did not check: see the diagnostics._",
      );
    }
    if (s.cell) out.push(`Generated by \`${printItem(s.cell)}\` (line ${startOf(s.cell.range).line}).`);
    if (this.facts) {
      const uses = this.facts.usesOf(s.name);
      const lines = this.usedBy(uses);
      out.push(
        lines.length > 0
          ? `**Used by** ${count(lines.length, "equation")}:\n\n${fence(limited(lines))}`
          : "**Used by:** no equation",
      );
    }
    return out.join("\n\n");
  }

  quantity(s: ModelSymbol): string {
    const f = this.facts;
    const state = f?.states.get(s.name);
    const stateDecl = s.items.find((i): i is A.StateDecl => i.kind === "state");
    const equations = s.items.filter((i): i is A.Equation => i.kind === "equation");
    const isState = s.kind === "state" || stateDecl !== undefined;
    const what = [s.gate ? "gate" : undefined, isState ? "state" : undefined].filter(Boolean).join(", ") || "quantity";
    const out: string[] = [`**${what}** \`${s.name}\` : ${this.shapeOf(s)}`, ...this.sequenceLine(s.name)];
    if (s.cell) {
      const own = s.cell.name.text === s.name;
      out.push(
        own
          ? `The output of \`${printItem(s.cell)}\` (line ${startOf(s.cell.range).line}); hover the cell for its expansion.`
          : `Generated by \`${printItem(s.cell)}\` (line ${startOf(s.cell.range).line}).`,
      );
    }
    const code = [...(stateDecl ? [printItem(stateDecl)] : []), ...equations.map((e) => printItem(e))];
    if (code.length > 0) out.push(fence(code));
    if (equations.length > 0)
      out.push(`As in the lecture: ${equations.map((e) => `\`${this.lecture(e)}\``).join(", ")}`);
    if (equations.length === 0 && !s.cell) out.push("_It has no equation yet._");
    if (s.gate)
      out.push("A gate: an equation marked `gate`, usually a sigmoid that scales another quantity element-wise.");
    out.push(...this.attention(s.name, equations));
    if (isState) {
      if (state) {
        if (state.maxAhead > 0)
          out.push(
            `**Runs backwards**: it reads \`${s.name}[t+${state.maxAhead}]\`, so it is computed from each sequence's own last step down to its first, before the quantities that run forwards (which may read it at any step).`,
            `**Initial value** (what \`${s.name}[t+1]\` reads at the last step): ${describeStateInit(state.init, s.name)}.`,
          );
        else
          out.push(
            `**Initial value** (what \`${s.name}[t-1]\` reads at t = 0): ${describeStateInit(state.init, s.name)}.`,
          );
        if (state.maxDelay > 0)
          out.push(`Kept for ${count(state.maxDelay, "past step")} (the longest delay it is read through).`);
      } else if (stateDecl) {
        out.push(`**Initial value:** \`${stateDecl.init ? printExpr(stateDecl.init) : "zeros"}\``);
      }
    }
    out.push(...this.readers(s.name));
    const note = this.unchecked();
    if (note) out.push(note);
    return out.join("\n\n");
  }

  /** Attention: the other sequence's steps a quantity has a value at, and those its equation reduces over. */
  private attention(name: string, equations: readonly A.Equation[]): string[] {
    const out: string[] = [];
    const q = this.facts?.quantities.get(name);
    if (q?.over !== undefined) {
      const one = q.size?.perStep ? "one number (a score)" : "a value";
      out.push(
        `**Over the steps of sequence ${q.over}** too: ${one} at each step \`${q.over}\` of it, at every step of its own sequence ${q.sequence} (attention: it reads another sequence at its every step, as \`e[${q.over}]\`, unreduced).`,
      );
    }
    for (const eq of equations)
      walkExpr(eq.value, (x) => {
        const over = x.kind === "call" ? x.args.find((a) => a.name?.text === "over")?.value : undefined;
        if (x.kind !== "call" || over?.kind !== "ref") return;
        const mask = x.args.find((a) => a.name?.text === "mask")?.value;
        const steps = `the steps of sequence ${over.name.text}${mask ? ` (the real steps of \`${printExpr(mask)}\`, its padding left out)` : ""}`;
        out.push(
          x.callee.text === "softmax"
            ? `**Reduces over ${over.name.text}**: \`${printExpr(x)}\` weighs ${steps}: a softmax over them, one weight per step, summing to 1.`
            : `**Reduces over ${over.name.text}**: \`${printExpr(x)}\` adds its operand over ${steps}: one value per step of ${q?.sequence ?? "its own sequence"}.`,
        );
      });
    return out;
  }

  /** The equation in the lecture's notation: subscripts on what has a value at each step. */
  private lecture(eq: A.Equation): string {
    const symbols = this.o.scope.symbols;
    return lectureEquation(eq, (name) => {
      const kind = symbols.get(name)?.kind;
      return kind === "input" || kind === "state" || kind === "quantity" || kind === "cell";
    });
  }

  delay(d: A.DelayExpr, s: ModelSymbol): string {
    return `${this.delayOf(d, s)}\n\n---\n\n${this.symbol(s)}`;
  }

  /** What `h[t-k]` reads, and what it reads before step k. */
  delayOf(d: A.DelayExpr, s?: ModelSymbol): string {
    const name = d.name.text;
    const written = printExpr(d);
    const k = -d.offset;
    if (isLastStep(d))
      return `**last step** \`${written}\`: the state \`${name}\` of another sequence at each example's last real step of it, the same at every step of the sequence reading it (an encoder's final state).`;
    const sequences = this.facts?.facts.sequences ?? ["t"];
    if (d.step.text !== "t" && !sequences.includes(d.step.text))
      return `**delay** \`${written}\`: a delay is written \`${name}[t-k]\`, with \`t\` the current step.`;
    if (s?.kind === "target" && k > 0)
      return `**previous target** \`${written}\`: the target \`${name}\` ${k === 1 ? "at the previous step" : `${k} steps before`}, read as data: the example's target while training (teacher forcing), the model's own previous prediction when it generates.\n\nBefore the first step it reads no class (the zero vector): the start of the output.`;
    if (d.offset === 0 && d.amountText === undefined)
      return `**current step** \`${written}\`: \`${name}\` at step t, the lecture's notation for \`${name}\`.`;
    if (!Number.isInteger(k) || k === 0)
      return `**delay** \`${written}\` is not a delay: ${d.offset === 0 ? `\`${name}[t]\` is the current step, written \`${name}\`` : "a delay is a whole number of steps"}; a delay is \`${name}[t-k]\` (or \`${name}[t+k]\`, read ahead) with k ≥ 1.`;
    if (k < 0) return this.readAhead(d, s);
    const steps = k === 1 ? "at the previous step (t − 1)" : `${k} steps before (at t − ${k})`;
    const first =
      k === 1
        ? "At t = 0 there is no previous step"
        : `At the first ${k} steps (t < ${k}) step t − ${k} is before the sequence`;
    if (s?.kind === "input")
      return `**delay** \`${written}\`: the input \`${name}\` ${steps}.\n\n${first}: it reads zero.`;
    if (s && s.kind !== "state" && !(s.kind === "cell" && s.items.some((i) => i.kind === "state"))) {
      return `**delay** \`${written}\`: \`${name}\` is ${s.kind === "quantity" ? "a quantity" : `a ${s.kind}`}, not a state: only states and inputs can be read through a delay. Declare it: \`state ${name} : [${this.sizeOf(s)?.symbol ?? "n"}] = zeros\`.`;
    }
    const state = this.facts?.states.get(name);
    const stateDecl = s?.items.find((i): i is A.StateDecl => i.kind === "state");
    const init = state
      ? describeStateInit(state.init, name)
      : stateDecl?.init
        ? `\`${printExpr(stateDecl.init)}\``
        : "zeros";
    return `**delay** \`${written}\`: the value of \`${name}\` computed ${steps}.\n\n${first}: it reads the initial value of \`${name}\`, ${init}.`;
  }

  /** What `h[t+k]` reads: the state's value k steps later, its initial value past each sequence's end. */
  private readAhead(d: A.DelayExpr, s?: ModelSymbol): string {
    const name = d.name.text;
    const written = printExpr(d);
    const k = d.offset;
    if (s?.kind === "input")
      return `**read ahead** \`${written}\`: an input is not read ahead; a state read at \`[t+k]\` runs backwards and sees every later input.`;
    const state = this.facts?.states.get(name);
    const init = state ? describeStateInit(state.init, name) : "its initial value";
    const steps = k === 1 ? "at the next step (t + 1)" : `${k} steps later (at t + ${k})`;
    return `**read ahead** \`${written}\`: the value of \`${name}\` computed ${steps}. \`${name}\` runs backwards: from each sequence's own last step down to its first.\n\nPast a sequence's last step it reads the initial value of \`${name}\`, ${init}.`;
  }

  cell(cell: A.CellDecl): string {
    const kind = cell.cell.text;
    const out: string[] = [];
    const definition = isCellKindName(kind) ? cellDefinitions[kind] : undefined;
    out.push(`**cell** \`${printItem(cell).replace(/^cell /, "")}\`${definition ? `: ${definition.summary}` : ""}`);
    if (!definition) {
      out.push(`\`${kind}\` is not a cell; cells are ${names(Object.keys(cellDefinitions))}.`);
      return out.join("\n\n");
    }
    const items = this.o.scope.expansions.get(cell);
    if (!items) {
      out.push(
        this.o.scope.index === 0
          ? "_It does not expand: see its diagnostic._"
          : "_Only the first model of a file is expanded._",
      );
      return out.join("\n\n");
    }
    const lines = items.map((item) => {
      const p = item.kind === "param" ? this.facts?.params.get(item.name.text) : undefined;
      if (!p) return printItem(item);
      return `${printItem(item)}   // ${p.shape.length > 1 ? `${p.shape.map((x) => x.value).join(" × ")} = ` : ""}${count(weightCount(p.shape), "weight")}`;
    });
    out.push(`Expands to:\n\n${fence(lines)}`);
    const equations = items.filter((i): i is A.Equation => i.kind === "equation");
    out.push(`As in the lecture:\n\n${"```text\n" + equations.map((e) => this.lecture(e)).join("\n") + "\n```"}`);
    const params = items.filter((i): i is A.ParamDecl => i.kind === "param");
    const sizes = params.map((p) => this.facts?.params.get(p.name.text));
    const total = sizes.every((p) => p !== undefined)
      ? sizes.reduce((n, p) => n + weightCount(p!.shape), 0)
      : undefined;
    out.push(
      `**Parameters** (${params.length}${total !== undefined ? `, ${count(total, "weight")}` : ""}): ${names(params.map((p) => p.name.text))}`,
    );
    const states = items.filter((i): i is A.StateDecl => i.kind === "state");
    if (states.length > 0) out.push(`**States:** ${names(states.map((x) => x.name.text))}`);
    return out.join("\n\n");
  }

  model(): string {
    const scope = this.o.scope;
    const out: string[] = [];
    const f = this.facts;
    const symbols = [...scope.symbols.values()];
    const declaredParams = symbols.filter((s) => s.kind === "param");
    if (f) {
      const params = f.facts.params;
      const total = params.reduce((n, p) => n + weightCount(p.shape), 0);
      out.push(
        `**model** \`${scope.model.name.text}\`: ${count(params.length, "parameter")}, **${count(total, "weight")}** in total`,
      );
      const missing = declaredParams.filter((s) => !f.params.has(s.name)).map((s) => s.name);
      if (missing.length > 0)
        out.push(
          `_Not counted, their shapes did not check:_ ${names(missing.slice(0, listLimit))}${missing.length > listLimit ? ", …" : ""}`,
        );
      if (params.length > 0) {
        const rows = params.map(
          (p) => `| \`${p.name}\` | \`${sizesText(p.shape)}\` | ${weightCount(p.shape).toLocaleString("en-US")} |`,
        );
        const shown =
          rows.length > 2 * listLimit
            ? [...rows.slice(0, 2 * listLimit), `| … ${rows.length - 2 * listLimit} more | | |`]
            : rows;
        out.push(["| parameter | shape | weights |", "| --- | --- | ---: |", ...shown].join("\n"));
      }
    } else {
      out.push(
        `**model** \`${scope.model.name.text}\`: ${count(declaredParams.length, "parameter")} declared`,
        this.unchecked() ?? "",
      );
    }
    const byKind = (k: ModelSymbol["kind"]) => symbols.filter((s) => s.kind === k && !s.generated).map((s) => s.name);
    const summary: string[] = [];
    const dims = f ? f.facts.dims.map((d) => `${d.name} = ${d.value}`) : byKind("dim");
    if (dims.length > 0)
      summary.push(`dims ${dims.slice(0, listLimit).join(", ")}${dims.length > listLimit ? ", …" : ""}`);
    for (const [kind, word] of [
      ["input", "input"],
      ["target", "target"],
      ["state", "state"],
      ["quantity", "quantity"],
      ["cell", "cell"],
    ] as const) {
      const list = byKind(kind);
      if (list.length > 0)
        summary.push(
          `${count(list.length, word, word === "quantity" ? "quantities" : undefined)}${list.length <= listLimit ? ` (${list.join(", ")})` : ""}`,
        );
    }
    const losses = scope.model.items.filter((i): i is A.LossDecl => i.kind === "loss");
    if (losses.length > 0)
      summary.push(
        `${count(losses.length, "loss", "losses")} (${losses.map((l) => `${l.fn.text} at ${l.when.text}`).join(", ")})`,
      );
    if (summary.length > 0) out.push(summary.join(" · "));
    return out.filter((x) => x !== "").join("\n\n");
  }

  fn(written: string): string {
    const name = canonicalFunction(written);
    const f = callOp(name);
    if (f) {
      const how = f.kind === "rowwise" ? "over the whole vector (it mixes the components)" : "element-wise";
      const settings = (f.settings ?? []).map((s) => `\`${s.name}\`: ${s.doc}`);
      return [
        `**function** \`${callSignature(name, f)}\`${written === name ? "" : ` (written \`${written}\`, as in the lecture)`}, ${how}${f.name === name ? "" : ` (another name of \`${f.name}\`)`}`,
        `**Formula:** \`${f.doc.formula}\``,
        `**Derivative:** \`${f.doc.derivative}\``,
        ...(settings.length > 0 ? [`**Settings:** ${settings.join("; ")}`] : []),
        ...overSteps(name),
      ].join("\n\n");
    }
    if (lossNamed(name))
      return `\`${name}\` is a loss, not a function: declare it as \`loss ${name}(prediction, target) at last|each\`.`;
    return `\`${name}\` is not a built-in function; functions are ${names(callNames())}.`;
  }

  loss(item: A.LossDecl): string {
    const fn = item.fn.text;
    const l = lossNamed(fn);
    if (!l) return `\`${fn}\` is not a loss; losses are ${names(lossNames())}.`;
    const out = [
      `**loss** \`${fn}(prediction, target, reduce = mean|sum)\`: scores a ${l.target === "class" ? "class target (`class[K]`)" : "real target (`[K]`)"}`,
      `**Formula:** ${l.formula}`,
    ];
    const info = this.facts?.facts.losses.find((x) => x.decl === item);
    const at = info?.at ?? item.when.text;
    const reduce =
      info?.reduce ??
      (item.args.find((a) => a.name?.text === "reduce")?.value.kind === "ref"
        ? printExpr(item.args.find((a) => a.name?.text === "reduce")!.value)
        : "mean");
    const where =
      at === "last"
        ? "at the last step of each sequence (the last real step when lengths differ)"
        : at === "each"
          ? "at every step"
          : `at '${at}' (which is neither last nor each)`;
    const reduction = reduce === "sum" ? "the sum over batch and scored steps" : "the mean over all scored positions";
    const written = item.args.some((a) => a.name?.text === "reduce") ? "" : " (the default)";
    out.push(
      `**Here:** \`${printItem(item)}\` ${info ? `scores \`${info.prediction}\` against \`${info.target}\` ` : ""}${where}.`,
    );
    out.push(`**Reduction:** ${reduce}${written}: ${reduction}.`);
    if (info)
      out.push(
        info.fusedWith
          ? `**Fused** with the ${info.fusedWith} that defines \`${info.prediction}\`: computed from its input, stably; gradient \`${lossForm(l, info.fusedWith).gradient}\`.`
          : `**Gradient:** \`${lossForm(l, undefined).gradient}\`.`,
      );
    if (!info) out.push(this.unchecked() ?? "_This loss did not check: see the diagnostics._");
    return out.join("\n\n");
  }

  initialiser(name: string, item: A.Item | undefined): string | undefined {
    const doc = initialiserDocs[name];
    if (!doc)
      return item?.kind === "param" || item?.kind === "state" ? `\`${name}\` is not an initialiser.` : undefined;
    const out = [`**initialiser** \`${doc.signature}\`: ${doc.doc}`];
    if (item?.kind === "param") {
      const p = this.facts?.params.get(item.name.text);
      if (p)
        out.push(
          `Here: \`${item.name.text}\` ${sizesText(p.shape)} is initialised with ${describeInit(p.init, p.shape, true)}.`,
        );
    } else if (item?.kind === "state") {
      const st = this.facts?.states.get(item.name.text);
      if (st)
        out.push(`Here: \`${item.name.text}[t-1]\` reads ${describeStateInit(st.init, item.name.text)} at t = 0.`);
    }
    return out.join("\n\n");
  }

  argument(name: string, owner: string): string | undefined {
    if (owner === "cell")
      return (
        cellArgumentDocs[name] ??
        `\`${name}\` is not an argument of a cell; they are ${names(Object.keys(cellArgumentDocs))}.`
      );
    if (owner === "loss")
      return (
        lossArgumentDocs[name] ??
        `\`${name}\` is not an argument of a loss; a loss takes (prediction, target, reduce = mean|sum).`
      );
    const signatures = initialiserSignatures(owner);
    const p = signatures.flatMap((s) => s.parameters).find((x) => x.name === name || x.label === name);
    if (p) return `\`${name}\`: ${p.doc} (\`${signatures.map((s) => s.label).join("` or `")}\`)`;
    return undefined;
  }
}

/** What a function does written over the steps of another sequence (attention), if it can be. */
function overSteps(name: string): string[] {
  const steps = Object.hasOwn(stepReductions, name) ? opNamed(stepReductions[name]!) : undefined;
  return steps
    ? [
        `**Over the steps of another sequence** (attention), as \`${name}(a, over = s, mask = x)\`: \`${steps.doc.formula}\`; derivative \`${steps.doc.derivative}\``,
      ]
    : [];
}
