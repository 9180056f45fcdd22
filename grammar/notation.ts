/**
 * The lecture's notation, read as the canonical syntax it stands for. All of it is optional:
 *
 *   h[t] = tanh(W · h[t-1] + U · x[t] + b)     is   h = tanh(W @ h[t-1] + U @ x + b)
 *   f[t] = σ(W_f · [h[t-1], x[t]] + b_f)        is   f = sigmoid(W_f @ [h[t-1], x] + b_f)
 *   h[t] = o[t] ⊙ tanh(C[t])                    is   h = o * tanh(C)
 *
 * `NAME[t]` is the current step on either side of an equation; `σ` is sigmoid; `·` (or `⋅`)
 * is `@` and `⊙` is `*` (those two are read by the lexer, grammar/tokens.ts). Names may be
 * any Unicode identifier (`C̃`, `h̃`, `Wα`). The front end checks the canonical model this
 * pass gives; `rnnc fmt` prints it, or with `--keep-notation` the source as written.
 *
 * The AST builder notes each node this pass rewrites or reports (`RangeBuilder.notation`), and
 * `analyze` skips the pass for a file without one: a form taught here is noted there too
 * (tests/grammar/notation-flag.test.ts holds the two together).
 */
import type * as A from "./ast.js";
import { error, type Diagnostic } from "./diagnostic.js";
import { mapArguments, mapExpr, mapList, someMapped } from "./walk.js";

/** Functions by the lecture's name for them. */
export const functionSpellings: Readonly<Record<string, string>> = { σ: "sigmoid" };

/** The canonical name of a function written in the lecture's notation (`σ` → `sigmoid`), or the name itself. */
export function canonicalFunction(name: string): string {
  return Object.hasOwn(functionSpellings, name) ? functionSpellings[name]! : name;
}

/** The model with the lecture's notation read as canonical syntax; an equation indexed other than `[t]` is E302. */
export function canonicalNotation(model: A.ModelDecl, diagnostics: Diagnostic[]): A.ModelDecl {
  const steps = stepVariables(model);
  // A loop, not mapList: this runs at every item of a model, and nearly every item is unchanged.
  let items: A.Item[] | undefined;
  for (let i = 0; i < model.items.length; i++) {
    const item = model.items[i]!;
    const canonical = canonicalItem(item, diagnostics, steps);
    if (items) items.push(canonical);
    else if (canonical !== item) items = [...model.items.slice(0, i), canonical];
  }
  return items ? { ...model, items } : model;
}

/**
 * The names of the current step: `t`, and in a model of several sequences each sequence's
 * own step variable (`input x[s] : ...`), so `x[s]` and `e[s] = ...` are the current step too.
 */
export function stepVariables(model: A.ModelDecl): ReadonlySet<string> {
  const steps = new Set(["t"]);
  for (const item of model.items) {
    if ((item.kind === "input" || item.kind === "target") && item.indexed && isStepVariable(item.indexed))
      steps.add(item.indexed.step.text);
  }
  return steps;
}

/** `[s]`, a bare step variable: what a declaration's index may be (`last` is the last step, never a variable). */
export function isStepVariable(index: A.DelayExpr): boolean {
  return index.amountText === undefined && index.step.text !== lastStep;
}

/** `e[last]`: a quantity of another sequence at that sequence's last real step. */
export const lastStep = "last";

const onlyT: ReadonlySet<string> = new Set(["t"]);

/**
 * One item with the lecture's notation read as canonical syntax: the same object when it has
 * none. `steps`: the model's step variables (stepVariables), `t` alone by default.
 */
export function canonicalItem(item: A.Item, diagnostics: Diagnostic[], steps: ReadonlySet<string> = onlyT): A.Item {
  switch (item.kind) {
    case "equation": {
      const value = canonicalExpr(item.value, steps);
      const indexed = item.indexed && currentStep(item.indexed, steps) ? undefined : item.indexed;
      if (indexed) diagnostics.push(badIndex(item, indexed, steps));
      if (value === item.value && indexed === item.indexed) return item;
      const { indexed: _written, ...rest } = item;
      return { ...rest, value, ...(indexed ? { indexed } : {}) };
    }
    case "dim": {
      const value = canonicalExpr(item.value, steps);
      return value === item.value ? item : { ...item, value };
    }
    case "param":
    case "state": {
      const shape = mapList(item.shape, (e) => canonicalExpr(e, steps));
      const init = item.init && canonicalExpr(item.init, steps);
      return init === item.init && shape === item.shape ? item : { ...item, shape, ...(init ? { init } : {}) };
    }
    case "cell":
    case "loss": {
      const args = mapArguments(item.args, (e) => canonicalExpr(e, steps));
      return args === item.args ? item : { ...item, args };
    }
    case "input":
    case "target":
      return item;
  }
}

/**
 * An expression in canonical syntax. Most expressions hold no notation: they are looked
 * through first, without the mapping's callbacks, and kept as they are.
 */
function canonicalExpr(e: A.Expr, steps: ReadonlySet<string>): A.Expr {
  return someMapped(e, isNotation, steps) ? mapExpr(e, canonicalNode, steps) : e;
}

/** Whether one node is written in the lecture's notation, which `canonicalNode` rewrites. */
function isNotation(x: A.Expr, steps: ReadonlySet<string>): boolean {
  return (
    (x.kind === "delay" && currentStep(x, steps)) ||
    (x.kind === "binary" && x.written !== undefined) ||
    (x.kind === "call" && Object.hasOwn(functionSpellings, x.callee.text))
  );
}

/** One expression node in canonical syntax, its children already so. */
function canonicalNode(x: A.Expr, steps: ReadonlySet<string>): A.Expr {
  if (!isNotation(x, steps)) return x;
  switch (x.kind) {
    case "delay":
      return { kind: "ref", name: x.name, ...(x.step.text === "t" ? {} : { at: x.step }), range: x.range };
    case "binary": {
      const { written: _spelling, ...operator } = x;
      return operator;
    }
    case "call":
      return { ...x, callee: { ...x.callee, text: functionSpellings[x.callee.text]! } };
  }
  return x;
}

/** `NAME[t]`, exactly as the lecture writes the current step (or `NAME[s]` with a sequence's own step variable). */
function currentStep(d: A.DelayExpr, steps: ReadonlySet<string>): boolean {
  return steps.has(d.step.text) && isStepVariable(d);
}

function badIndex(eq: A.Equation, index: A.DelayExpr, steps: ReadonlySet<string>): Diagnostic {
  const name = eq.name.text;
  const hint = `write ${name}[t] = ... (or ${name} = ...), and read earlier steps on the right, as ${name}[t-1]`;
  return !steps.has(index.step.text)
    ? error(
        "E302",
        `the step is written t, not ${index.step.text}: an equation gives ${name} at the current step t`,
        index.step.range,
        { hint },
      )
    : error(
        "E302",
        `${name}[${index.step.text}${index.offset < 0 || Object.is(index.offset, -0) ? "-" : "+"}${index.amountText}] = ...: an equation gives ${name} at the current step ${index.step.text}, not at another`,
        index.offsetRange,
        { hint },
      );
}
