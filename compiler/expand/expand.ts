/**
 * Cell shorthand → core items (AST → AST). Each `cell` item is replaced, in place, by the
 * items of its template; the generated nodes carry the cell's source range so every later
 * diagnostic about them points at the `cell` line.
 */
import type { Argument, CellDecl, Equation, Expr, Item, ModelDecl, Range } from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { someExpr, walkExpr } from "../../grammar/walk.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { printExpr } from "../format/print-expr.js";
import { suggest } from "../check/suggest.js";
import { constantValue, isLastStep } from "../check/inits.js";
import {
  cellActivations,
  cellDefinitions,
  cellDirections,
  directed,
  isCellKind,
  type CellDirection,
  type CellParts,
} from "./cells.js";

export interface CellExpansion {
  cell: CellDecl;
  items: Item[];
}

export interface ExpandResult {
  model: ModelDecl;
  expansions: CellExpansion[];
  diagnostics: Diagnostic[];
}

export function expandCells(model: ModelDecl): ExpandResult {
  const diagnostics: Diagnostic[] = [];
  const expansions: CellExpansion[] = [];
  let declared: ItemsByName | undefined;
  // A loop, not flatMap: most items are not cells, and an array for each of them cost more than the pass.
  const items: Item[] = [];
  for (const item of model.items) {
    if (item.kind !== "cell") {
      items.push(item);
      continue;
    }
    if (item.recovered) {
      items.push(placeholder(item));
      continue;
    }
    const parts = cellParts(item, (declared ??= itemsByName(model)), diagnostics);
    if (!parts) {
      items.push(placeholder(item));
      continue;
    }
    const generated = instantiate(item, parts);
    expansions.push({ cell: item, items: generated });
    items.push(...generated);
  }
  return { model: { ...model, items }, expansions, diagnostics };
}

/**
 * What a cell that could not be expanded leaves behind: its name, bound to an equation the
 * checker stays quiet about (marked as recovered), so reads of the cell are not reported
 * as undefined names on top of the error in the cell itself.
 */
function placeholder(cell: CellDecl): Equation {
  return {
    kind: "equation",
    gate: false,
    name: cell.name,
    value: { kind: "error", range: cell.range },
    range: cell.range,
    recovered: true,
  };
}

const allowedArguments = new Set(["size", "act", "out", "init", "in", "forget_bias", "direction"]);

/** "an lstm cell", "a gru cell". */
function withArticle(kind: string): string {
  return `${/^(elman|lstm)/.test(kind) ? "an" : "a"} ${kind}`;
}

/** Whether an expression holds a part the parser could not read (its item was recovered). */
function hasError(e: Expr): boolean {
  return someExpr(e, (x) => x.kind === "error");
}

/** The items that declare each name (all but losses), in source order: a cell reads the size of its input and output from them. */
type ItemsByName = Map<string, Exclude<Item, { kind: "loss" }>[]>;

function itemsByName(model: ModelDecl): ItemsByName {
  const byName: ItemsByName = new Map();
  for (const item of model.items) {
    if (item.kind === "loss") continue;
    let list = byName.get(item.name.text);
    if (!list) byName.set(item.name.text, (list = []));
    list.push(item);
  }
  return byName;
}

function cellParts(cell: CellDecl, declared: ItemsByName, diagnostics: Diagnostic[]): CellParts | undefined {
  const fail = (message: string, range: Range, hint?: string) => {
    diagnostics.push(error("E701", message, range, hint ? { hint } : {}));
    return undefined;
  };
  const kind = cell.cell.text;
  if (!isCellKind(kind)) {
    const guess = suggest(kind, Object.keys(cellDefinitions));
    return fail(
      `unknown cell '${kind}'`,
      cell.cell.range,
      `cells are ${Object.keys(cellDefinitions).join(", ")}${guess ? `; did you mean '${guess}'?` : ""}`,
    );
  }
  const definition = cellDefinitions[kind];
  const positional = cell.args.filter((a) => !a.name);
  const named = new Map<string, Argument>();
  for (const a of cell.args) {
    if (!a.name) continue;
    if (!allowedArguments.has(a.name.text))
      return fail(
        `unknown argument '${a.name.text}' for ${withArticle(kind)} cell`,
        a.name.range,
        `arguments are: input, size = N${definition.hasActivation ? ", act = tanh" : ""}${definition.needsOut ? ", out = o" : ""}${definition.forgetGateBias ? ", forget_bias = 1" : ""}, init = zeros|learned|e[last], in = N, direction = forward|backward|both`,
      );
    if (named.has(a.name.text)) return fail(`argument '${a.name.text}' given twice`, a.name.range);
    named.set(a.name.text, a);
  }
  // The input is a name, or a name at an earlier step (a decoder reads the previous target, y[t-1]).
  const inputValue = positional.length === 1 ? positional[0]!.value : undefined;
  const earlier = inputValue?.kind === "delay" && inputValue.step.text === "t" && inputValue.offset < 0;
  if (!inputValue || (inputValue.kind !== "ref" && !earlier)) {
    return fail(
      `${withArticle(kind)} cell takes one input name as its first argument`,
      positional[1]?.range ?? cell.range,
      rewrittenCall(cell, declared),
    );
  }
  const input = (inputValue as Extract<Expr, { kind: "ref" | "delay" }>).name;
  const inputText = printExpr(inputValue);
  const size = named.get("size");
  if (!size) return fail(`${withArticle(kind)} cell needs its size`, cell.range, rewrittenCall(cell, declared));

  const explicitInputSize = named.get("in");
  const inputSize = explicitInputSize ? printExpr(explicitInputSize.value) : sizeOf(input.text, declared);
  if (inputSize === undefined) {
    // The input's own declaration has a syntax error, reported where it is.
    if (declared.get(input.text)?.some((i) => i.recovered)) return undefined;
    return fail(
      `cannot tell the size of '${input.text}', the input of cell '${cell.name.text}'`,
      input.range,
      `declare it as an input or state, or pass its size: ${kind}(${input.text}, size = ${printExpr(size.value)}, in = D), D the size of ${input.text}`,
    );
  }

  const act = named.get("act");
  const actName = act?.value.kind === "ref" ? act.value.name.text : "tanh";
  if (act && (!definition.hasActivation || !cellActivations.includes(actName))) {
    return fail(
      definition.hasActivation
        ? `activation must be one of ${cellActivations.join(", ")}`
        : `${withArticle(kind)} cell has no 'act' argument`,
      act.range,
    );
  }

  const init = named.get("init");
  // `init = e[last]`: the cell starts from cell e of another sequence (an LSTM's c from e.c).
  const initFrom = init?.value.kind === "delay" && isLastStep(init.value) ? init.value.name.text : undefined;
  const initName =
    init === undefined
      ? "zeros"
      : init.value.kind === "ref"
        ? init.value.name.text
        : initFrom
          ? `${initFrom}[last]`
          : printExpr(init.value);
  if (init && initName !== "zeros" && initName !== "learned" && !initFrom)
    return fail(
      "a cell's initial state is 'zeros', 'learned', or a cell of another sequence at its last step, as in e[last]",
      init.range,
    );

  const forgetBias = named.get("forget_bias");
  const forgetBiasValue = forgetBias ? constantValue(forgetBias.value) : undefined;
  if (forgetBias && !definition.forgetGateBias)
    return fail(
      `${withArticle(kind)} cell has no 'forget_bias' argument: it has no gate that keeps its old state`,
      forgetBias.range,
      "forget_bias initialises the forget gate's bias of an lstm cell and the update gate's of a gru cell",
    );
  if (forgetBias && forgetBiasValue === undefined)
    return fail(
      `forget_bias is a number, not ${printExpr(forgetBias.value)}`,
      forgetBias.value.range,
      "write: forget_bias = 1",
    );

  const directionArg = named.get("direction");
  const direction = directionArg?.value.kind === "ref" ? directionArg.value.name.text : "forward";
  if (!cellDirections.includes(direction as CellDirection))
    return fail(
      `a cell's direction is ${cellDirections.join(", ")}, not ${printExpr(directionArg!.value)}`,
      directionArg!.value.range,
      "direction = backward reads [t+1] (from the last step down); both runs one cell each way and concatenates them",
    );
  const outArg = named.get("out");
  if (direction === "both" && definition.needsOut)
    return fail(
      `${withArticle(kind)} cell cannot run in both directions: it reads its output state '${outArg?.value.kind === "ref" ? outArg.value.name.text : "out"}', which runs one way`,
      directionArg!.range,
      `write two cells, one with direction = backward and its own output state`,
    );

  let out = "";
  let outSize = "";
  if (definition.needsOut) {
    if (!outArg || outArg.value.kind !== "ref")
      return fail(
        `${withArticle(kind)} cell needs 'out = o', the output state it reads through [t-1]`,
        outArg?.range ?? cell.range,
      );
    out = outArg.value.name.text;
    const stateSize = declaredStateSize(out, declared);
    if (stateSize === undefined)
      return fail(
        `'${out}' must be declared as a state to be read through [t-1]`,
        outArg.value.range,
        `add: state ${out} : [K] = zeros`,
      );
    outSize = stateSize;
  } else if (outArg) {
    return fail(`${withArticle(kind)} cell has no 'out' argument`, outArg.range);
  }

  return {
    name: cell.name.text,
    input: inputText,
    size: printExpr(size.value),
    inputSize,
    act: actName,
    out,
    outSize,
    init: initName,
    ...(initFrom ? { initFrom } : {}),
    forgetBias: forgetBiasValue === undefined ? "zeros" : String(forgetBiasValue),
    direction: direction as CellDirection,
  };
}

/**
 * The hint for a cell whose input or size is not where it belongs: the call rewritten from
 * what was written. The input is the first positional argument when it is a name (when it
 * is an expression, the name it reads that can be a cell's input); a second positional
 * argument is taken for the size; the named arguments stay as written. What was not written
 * is a placeholder the hint explains.
 */
function rewrittenCall(cell: CellDecl, declared: ItemsByName): string {
  const [first, second] = cell.args.filter((a) => !a.name);
  const named = cell.args.filter((a) => a.name);
  const size = named.find((a) => a.name!.text === "size")?.value ?? second?.value;
  const canBeInput = (name: string) => sizeOf(name, declared) !== undefined;
  const read: string[] = [];
  if (first) walkExpr(first.value, (e) => void (e.kind === "ref" && canBeInput(e.name.text) && read.push(e.name.text)));
  const written = first?.value.kind === "ref" ? first.value.name.text : read.length === 1 ? read[0] : undefined;
  const firstInput = [...declared.values()].flat().find((item) => item.kind === "input")?.name.text ?? "x";
  const input = written ?? firstInput;
  const args = [
    input,
    `size = ${size ? printExpr(size) : "N"}`,
    ...named.filter((a) => a.name!.text !== "size").map((a) => `${a.name!.text} = ${printExpr(a.value)}`),
  ];
  const notes = [
    ...(first && first.value.kind !== "ref"
      ? [`the cell multiplies its input by weights of its own, so it takes a name, not ${printExpr(first.value)}`]
      : []),
    ...(written === undefined ? [`${input} stands for the input the cell reads`] : []),
    ...(size ? [] : ["N for its number of units, a dim or a number"]),
  ];
  const call = `write: cell ${cell.name.text} = ${cell.cell.text}(${args.join(", ")})`;
  return notes.length > 0 ? `${call} (${notes.join("; ")})` : call;
}

/** The size of a name, read from its declaration: an input, a state, or another cell. */
function sizeOf(name: string, declared: ItemsByName): string | undefined {
  for (const item of declared.get(name) ?? []) {
    if (
      (item.kind === "input" || item.kind === "target") &&
      item.type.dims.length === 1 &&
      !hasError(item.type.dims[0]!)
    )
      return printExpr(item.type.dims[0]!);
    if (item.kind === "cell") {
      const size = item.args.find((a) => a.name?.text === "size");
      if (!size || hasError(size.value)) continue;
      // Both directions: the two cells' outputs side by side.
      const direction = item.args.find((a) => a.name?.text === "direction")?.value;
      const both = direction?.kind === "ref" && direction.name.text === "both";
      return both ? `2 * (${printExpr(size.value)})` : printExpr(size.value);
    }
  }
  return declaredStateSize(name, declared);
}

function declaredStateSize(name: string, declared: ItemsByName): string | undefined {
  const state = declared.get(name)?.find((i) => i.kind === "state");
  return state?.kind === "state" && state.shape.length === 1 && !hasError(state.shape[0]!)
    ? printExpr(state.shape[0]!)
    : undefined;
}

/**
 * Parses the template and moves every generated node onto the cell's source range. Both
 * directions: a cell `NAME.fwd` reading [t-1], a cell `NAME.bwd` reading [t+1], and NAME
 * their concatenation at each step.
 */
function instantiate(cell: CellDecl, parts: CellParts): Item[] {
  const kind = cell.cell.text as keyof typeof cellDefinitions;
  const template = cellDefinitions[kind].template;
  const h = parts.name;
  const items =
    parts.direction === "both"
      ? [
          directed(template({ ...parts, name: `${h}.fwd` }), "forward"),
          directed(template({ ...parts, name: `${h}.bwd` }), "backward"),
          `\n      ${h} = [${h}.fwd, ${h}.bwd]`,
        ].join("")
      : directed(template(parts), parts.direction);
  const text = `model Expansion {${items}\n}`;
  const parsed = parse(text);
  if (parsed.diagnostics.length > 0)
    throw new Error(`internal error: the ${kind} template did not parse: ${parsed.diagnostics[0]!.message}`);
  return relocate(parsed.file.models[0]!.items, cell.range) as Item[];
}

function relocate(value: unknown, range: Range): unknown {
  if (Array.isArray(value)) return value.map((v) => relocate(v, range));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = key === "range" || key.endsWith("Range") ? range : relocate(v, range);
  return out;
}
