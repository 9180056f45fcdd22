/**
 * The op registry: every operation of the language and of the IR, and every loss, by name.
 * The built-in ones are registered here; `registerOp` is how another one joins them (see
 * docs/architecture.md, "How to add an op"). Every pass looks ops up here and nowhere else.
 */
import { activations, selections } from "./activations.js";
import { arithmetic } from "./arithmetic.js";
import { dropout } from "./dropout.js";
import { losses, reductions } from "./losses.js";
import type { IrLoss, IrNode } from "../ir/ir.js";
import type { ElementwiseOp, LossForm, LossSpec, OpSpec } from "./op.js";
import { rowwiseOps } from "./softmax.js";
import { componentOps, stepsOps } from "./steps.js";
import { structural } from "./structure.js";

const byName = new Map<string, OpSpec>();
/** Calls by every name they are written with (their own and their aliases). */
const calls = new Map<string, OpSpec>();
/**
 * The ops written as operators, by their form and then their symbol ("" for brackets): looked
 * up at every operator of every equation, so without a key to make from the two.
 */
const operators = new Map<string, Map<string, OpSpec>>();
const lossesByName = new Map<string, LossSpec>();

/**
 * Adds an op to the language and the IR. Its name, aliases and symbol must be new. After
 * this, `.rnn` files may use it (if it is written), and every pass handles it by its kind.
 */
export function registerOp(spec: OpSpec): void {
  const written = spec.written;
  const names = [spec.name, ...(written.form === "call" ? (written.aliases ?? []) : [])];
  const taken = names.find((n) => byName.has(n) || calls.has(n) || lossesByName.has(n));
  if (taken !== undefined) throw new Error(`an op named '${taken}' is already registered`);
  const place = operatorPlace(spec);
  if (place && operators.get(place.form)?.has(place.symbol))
    throw new Error(`the operator ${place.text} already has an op`);
  byName.set(spec.name, spec);
  if (written.form === "call") for (const n of names) calls.set(n, spec);
  if (!place) return;
  let bySymbol = operators.get(place.form);
  if (!bySymbol) operators.set(place.form, (bySymbol = new Map()));
  bySymbol.set(place.symbol, spec);
}

/** Where an op written as an operator is found in `operators`, and how messages name that (`binary +`, `brackets`). */
function operatorPlace(spec: OpSpec): { form: string; symbol: string; text: string } | undefined {
  const w = spec.written;
  if (w.form === "binary" || w.form === "prefix")
    return { form: w.form, symbol: w.symbol, text: `${w.form} ${w.symbol}` };
  return w.form === "brackets" ? { form: w.form, symbol: "", text: w.form } : undefined;
}

/** The op of an IR application; an unknown name is a compiler bug. */
export function opNamed(name: string): OpSpec {
  const spec = byName.get(name);
  if (!spec) throw new Error(`internal error: no op named '${name}' in the registry`);
  return spec;
}

/** What a node is: a leaf, or the kind of its op (element-wise, row-wise, a product, ...). */
export function nodeKind(n: IrNode): IrNode["op"] | OpSpec["kind"] {
  return n.op === "apply" ? opNamed(n.fn).kind : n.op;
}

export function elementwiseOp(name: string): ElementwiseOp {
  const spec = opNamed(name);
  if (spec.kind !== "elementwise") throw new Error(`internal error: '${name}' is not element-wise`);
  return spec;
}

/** The op a call `name(...)` applies, by its name or an alias. */
export function callOp(name: string): OpSpec | undefined {
  return calls.get(name);
}

/** The op written `a SYMBOL b`, `SYMBOL a` or `[a, b]`. */
export function operatorOp(form: "binary" | "prefix" | "brackets", symbol = ""): OpSpec {
  const spec = operators.get(form)?.get(form === "brackets" ? "" : symbol);
  if (!spec) throw new Error(`internal error: no op is written ${form} ${symbol}`);
  return spec;
}

/** The operands a call of the op writes: all but a drawn mask, which lowering adds. */
export function writtenOperandNames(spec: OpSpec): readonly string[] {
  return spec.drawnMask ? spec.operandNames.slice(0, -1) : spec.operandNames;
}

/** How a call of the op is written, as in hover and the diagnostics: `tanh(x)`, `dropout(x, p, per = step)`. */
export function callSignature(name: string, spec: OpSpec): string {
  const settings = (spec.settings ?? []).map((s) =>
    s.default === undefined ? `${s.name} = …` : `${s.name} = ${String(s.default)}`,
  );
  return `${name}(${[...writtenOperandNames(spec), ...settings].join(", ")})`;
}

/** Every op, in registration order. */
export function registeredOps(): OpSpec[] {
  return [...byName.values()];
}

/** The names functions are called by, in registration order. */
export function callNames(): string[] {
  return [...calls.keys()];
}

export function registerLoss(spec: LossSpec): void {
  if (lossesByName.has(spec.name) || calls.has(spec.name)) throw new Error(`'${spec.name}' is already registered`);
  if (spec.forms.length === 0 || spec.forms[spec.forms.length - 1]!.fusedWith !== undefined)
    throw new Error(`the loss '${spec.name}' needs a last form that is not fused`);
  lossesByName.set(spec.name, spec);
}

export function lossNamed(name: string): LossSpec | undefined {
  return lossesByName.get(name);
}

export function lossNames(): string[] {
  return [...lossesByName.keys()];
}

/** The form of a loss for a prediction defined by the op `definedBy` (a fused form where one matches). */
export function lossForm(loss: LossSpec, definedBy: string | undefined): LossForm {
  return loss.forms.find((f) => f.fusedWith !== undefined && f.fusedWith === definedBy) ?? loss.forms.at(-1)!;
}

/** The form an IR loss is computed in: the fused one it was lowered to, or the plain one. */
export function formOf(loss: IrLoss): LossForm {
  const spec = lossNamed(loss.fn);
  if (!spec) throw new Error(`internal error: no loss named '${loss.fn}' in the registry`);
  return lossForm(spec, loss.fusion?.kind);
}

export { reductions };

for (const spec of [
  ...arithmetic,
  ...activations,
  ...selections,
  dropout,
  ...rowwiseOps,
  ...componentOps,
  ...structural,
  ...stepsOps,
])
  registerOp(spec);
for (const spec of losses) registerLoss(spec);
