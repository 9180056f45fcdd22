/**
 * Declarations: every dim, input, target, parameter, state and quantity bound (`binder.ts`),
 * the conflicts reported, and the declared shapes and initialisers resolved.
 */
import type * as A from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { bindNames, type Binding, type Declaration, type SymbolKind } from "./binder.js";
import type { DimTable } from "./dims.js";
import { defaultParamInit, paramInit, stateInit } from "./inits.js";
import type { InputInfo, ParamInfo, Size, StateInfo, TargetInfo } from "./model.js";
import { NameSuggester } from "./suggest.js";
import { isStepVariable } from "../../grammar/notation.js";
import { printExpr } from "../format/print-expr.js";
import { matrix, vector } from "../ops/shapes.js";

export type { SymbolKind } from "./binder.js";

export interface Declarations {
  symbols: Map<string, Binding>;
  inputs: Map<string, InputInfo>;
  targets: Map<string, TargetInfo>;
  /** In source order, then the learned initial states' (a list: a read finds its parameter through its binding). */
  params: ParamInfo[];
  states: Map<string, StateInfo>;
  equations: Map<string, A.Equation>;
  /**
   * The declared name closest to a misspelt one: among values (what an equation can read),
   * quantities (what a loss can score) or targets.
   */
  suggest(among: "value" | "quantity" | "target", name: string): string | undefined;
  /** Whether suggesting has spent its work budget, so what it says next depends on what was asked before. */
  suggestionsSpent(): boolean;
}

const kindWords: Record<SymbolKind, string> = {
  dim: "a dim",
  input: "an input",
  target: "a target",
  param: "a parameter",
  state: "a state",
  quantity: "a quantity",
};

export function describeKind(kind: SymbolKind): string {
  return kindWords[kind];
}

// What a binding's principal declaration resolved to (it is of the binding's kind): a read
// finds it with the one look-up of its name, not another in `inputs` or `states`.

/** The input a binding declares, when its type resolved. */
export function inputOf(b: Binding | undefined): InputInfo | undefined {
  return b?.kind === "input" ? (b.principal.declared as InputInfo | undefined) : undefined;
}

/** The state a binding declares, when its shape resolved. */
export function stateOf(b: Binding | undefined): StateInfo | undefined {
  return b?.kind === "state" ? (b.principal.declared as StateInfo | undefined) : undefined;
}

/** `model` has its cells expanded. */
export function collectDeclarations(model: A.ModelDecl, dims: DimTable, diagnostics: Diagnostic[]): Declarations {
  const { symbols, conflicts, declarationOf } = bindNames(model.items);
  const suggesters = new Map<string, NameSuggester>();
  const d: Declarations = {
    symbols,
    inputs: new Map(),
    targets: new Map(),
    params: [],
    states: new Map(),
    equations: new Map(),
    suggest(among, name) {
      let suggester = suggesters.get(among);
      if (!suggester) {
        const names =
          among === "quantity"
            ? d.equations.keys()
            : among === "target"
              ? d.targets.keys()
              : [...symbols.values()].filter((s) => s.kind !== "dim" && s.kind !== "target").map((s) => s.name);
        suggesters.set(among, (suggester = new NameSuggester(names)));
      }
      return suggester.suggest(name);
    },
    suggestionsSpent: () => [...suggesters.values()].some((s) => s.spent),
  };

  for (const { declaration, existing } of conflicts) {
    const { name, kind } = declaration;
    const assigning = kind === "quantity" && existing.kind !== "quantity";
    diagnostics.push(
      error(
        assigning ? "E110" : "E102",
        assigning
          ? `'${name.text}' is ${describeKind(existing.kind)} and cannot be given an equation`
          : `'${name.text}' is declared twice`,
        name.range,
        {
          related: [
            {
              message: `'${name.text}' is first declared here as ${describeKind(existing.kind)}`,
              range: existing.name.range,
            },
          ],
        },
      ),
    );
  }

  for (let index = 0; index < model.items.length; index++) {
    const item = model.items[index]!;
    const declaration = declarationOf[index];
    if (!declaration) continue;
    // An item the parser had to repair keeps its name but nothing else; its equation stands
    // for the name's (quietly: the checker ignores what it says) unless one is known already.
    if (item.recovered) {
      if (
        item.kind === "equation" &&
        (declaration.boundAs === undefined || declaration.boundAs === "state") &&
        !d.equations.has(item.name.text)
      )
        d.equations.set(item.name.text, item);
      continue;
    }
    if (!declaration.accepted) continue;
    switch (item.kind) {
      case "input":
      case "target":
        declareIo(item, declaration, dims, d, diagnostics);
        break;
      case "param":
        declareParam(item, declaration, dims, d, diagnostics);
        break;
      case "state":
        declareState(item, declaration, dims, d, diagnostics);
        break;
      case "equation":
        d.equations.set(item.name.text, item);
        break;
      case "dim":
      case "loss":
      case "cell":
        break;
    }
  }
  for (const state of d.states.values()) {
    if (state.init.kind !== "learned") continue;
    const param = state.init.param;
    const clash = symbols.get(param);
    if (clash) {
      diagnostics.push(
        error(
          "E102",
          `the learned initial state of '${state.name}' is the parameter '${param}', which is already declared`,
          clash.declaredAt.range,
          { related: [{ message: "learned here", range: state.decl.range }] },
        ),
      );
      continue;
    }
    d.params.push({
      name: param,
      shape: [state.size],
      init: { kind: "zeros" },
      decl: state.decl,
      initialStateOf: state.name,
    });
  }
  return d;
}

function shapeOf(dimsWritten: A.Expr[], dims: DimTable, diagnostics: Diagnostic[]): Size[] | undefined {
  const sizes = dimsWritten.map((e) => dims.size(e, diagnostics));
  return sizes.every((s): s is Size => s !== undefined) ? sizes : undefined;
}

function declareIo(
  item: A.InputDecl | A.TargetDecl,
  declaration: Declaration,
  dims: DimTable,
  d: Declarations,
  diagnostics: Diagnostic[],
): void {
  const kindWord = item.type.kind?.text;
  const allowed = item.kind === "input" ? "onehot" : "class";
  if (kindWord !== undefined && kindWord !== allowed) {
    const example = item.kind === "input" ? "onehot[V] or [D]" : "class[K] or [K]";
    diagnostics.push(
      error(
        "E602",
        `${item.kind === "input" ? "an input" : "a target"} type is ${example}, not '${kindWord}'`,
        item.type.kind!.range,
      ),
    );
    return;
  }
  if (item.type.dims.length !== 1) {
    diagnostics.push(
      error(
        "E204",
        `${item.kind === "input" ? "an input" : "a target"} is a vector per step: give one size, as in [D]`,
        item.type.range,
      ),
    );
    return;
  }
  const size = dims.size(item.type.dims[0]!, diagnostics);
  const sequence = sequenceOf(item, diagnostics);
  if (!size || !sequence) return;
  const name = item.name.text;
  if (item.kind === "input") {
    const input: InputInfo = { name, encoding: kindWord ? "onehot" : "dense", size, sequence, decl: item };
    d.inputs.set(name, (declaration.declared = input));
    declaration.type = vector(size, input.encoding === "onehot");
  } else {
    const target: TargetInfo = { name, kind: kindWord ? "class" : "real", size, sequence, decl: item };
    d.targets.set(name, (declaration.declared = target));
    declaration.type = vector(size, target.kind === "class");
  }
}

/** `input x[s] : ...`: the step variable of the sequence it belongs to (`t` when none is written). */
function sequenceOf(item: A.InputDecl | A.TargetDecl, diagnostics: Diagnostic[]): string | undefined {
  if (!item.indexed) return "t";
  if (isStepVariable(item.indexed)) return item.indexed.step.text;
  diagnostics.push(
    error(
      "E302",
      `${printExpr(item.indexed)}: ${item.kind === "input" ? "an input" : "a target"} is declared over the step variable of its sequence`,
      item.indexed.range,
      {
        hint: `write ${item.kind} ${item.name.text}[s] : ... to put it in a sequence of its own, with steps s (reading it at [last] is for states)`,
      },
    ),
  );
  return undefined;
}

function declareParam(
  item: A.ParamDecl,
  declaration: Declaration,
  dims: DimTable,
  d: Declarations,
  diagnostics: Diagnostic[],
): void {
  if (item.shape.length < 1 || item.shape.length > 2) {
    diagnostics.push(
      error(
        "E204",
        `a parameter is a vector [n] or a matrix [rows, cols], not a rank-${item.shape.length} tensor`,
        item.shapeRange,
      ),
    );
    return;
  }
  const shape = shapeOf(item.shape, dims, diagnostics);
  const init = item.init ? paramInit(item.init, item.shape.length, diagnostics) : defaultParamInit(item.shape.length);
  if (!shape || !init) return;
  const param: ParamInfo = { name: item.name.text, shape, init, decl: item };
  d.params.push((declaration.declared = param));
  declaration.type = shape.length === 2 ? matrix(shape[0]!, shape[1]!) : vector(shape[0]!);
}

function declareState(
  item: A.StateDecl,
  declaration: Declaration,
  dims: DimTable,
  d: Declarations,
  diagnostics: Diagnostic[],
): void {
  if (item.shape.length !== 1) {
    diagnostics.push(error("E204", "a state is a vector: give one size, as in [H]", item.shapeRange));
    return;
  }
  const shape = shapeOf(item.shape, dims, diagnostics);
  const init = item.init ? stateInit(item.init, diagnostics) : { kind: "zeros" as const };
  if (!shape || !init) return;
  const name = item.name.text;
  const state: StateInfo = {
    name,
    size: shape[0]!,
    init: init.kind === "learned" ? { kind: "learned", param: `${name}.init` } : init,
    maxDelay: 0,
    maxAhead: 0,
    decl: item,
  };
  d.states.set(name, (declaration.declared = state));
  declaration.type = vector(state.size);
}
