/**
 * The checker: expanded AST → checked model, or diagnostics saying why not. Runs every
 * check it can even after errors, so one run reports every independent mistake.
 */
import type * as A from "../../grammar/ast.js";
import { error, hasErrors, warning, type Diagnostic } from "../../grammar/diagnostic.js";
import { syntaxErrorCodes, type WarningCode } from "../../grammar/diagnostic-codes.js";
import type { CellExpansion } from "../expand/expand.js";
import { collectDeclarations, type Declarations } from "./declarations.js";
import { buildGraph, reportCycles, stronglyConnected, topologicalOrder, type SameStepGraph } from "./cycles.js";
import { resolveDims, type DimOverrides } from "./dims.js";
import { checkDirections } from "./directions.js";
import { checkLoss, checkPreviousTargets } from "./losses.js";
import { checkSizeLimits } from "./limits.js";
import { checkSequences } from "./sequences.js";
import { checkAttention, type Axes } from "./attention.js";
import type { CheckedModel, LossInfo, ModelFacts, NameUse, QuantityFacts, QuantityInfo, Size } from "./model.js";
import { inferTypes } from "./types.js";

const noAxes: Axes = new Map();

export function checkModel(
  model: A.ModelDecl,
  expansions: CellExpansion[],
  overrides: DimOverrides,
  diagnostics: Diagnostic[],
): CheckedModel | undefined {
  return checkModelFacts(model, expansions, overrides, diagnostics).model;
}

/**
 * What the check worked out on the way, beyond the facts: kept by the language server so
 * that an edit inside one equation is checked alone (recheck.ts).
 */
export interface CheckContext {
  decls: Declarations;
  /** The equations that bound their names, in source order. */
  equations: A.Equation[];
  graph: SameStepGraph;
  inCycle: Set<string>;
  /** The equations in the order they were inferred: each after those it reads at the same step. */
  readsFirst: A.Equation[];
  quantitySizes: Map<string, Size>;
  /** Whether unused names were reported (not after a syntax error). */
  unusedReported: boolean;
}

/** The same check, also returning what it worked out when the model has errors (for the language server). */
export function checkModelFacts(
  model: A.ModelDecl,
  expansions: CellExpansion[],
  overrides: DimOverrides,
  diagnostics: Diagnostic[],
): { model?: CheckedModel; facts: ModelFacts; context: CheckContext } {
  const problems: Diagnostic[] = [];
  const dims = resolveDims(model, overrides, problems);
  const decls = collectDeclarations(model, dims, problems);
  const equations = model.items
    .filter((i): i is A.Equation => i.kind === "equation" && decls.equations.get(i.name.text) === i)
    .map((eq) => (eq.recovered ? { ...eq, value: { kind: "error" as const, range: eq.value.range } } : eq));

  const graph = buildGraph(equations);
  const components = stronglyConnected(equations, graph);
  const inCycle = reportCycles(graph, components, problems);
  /** The quantities an equation reads at the same step, in source order without repeats; made once per equation. */
  const readNames = new Map<string, string[]>();
  const sameStepReads = (name: string): string[] => {
    let names = readNames.get(name);
    if (!names) readNames.set(name, (names = distinctNames(graph.reads.get(name)!)));
    return names;
  };
  const readsFirst = components.flat();
  const { types, quantitySizes, uses, reducesOverSteps } = inferTypes(readsFirst, decls, problems);

  for (const state of decls.states.values()) {
    if (!decls.equations.has(state.name)) {
      problems.push(
        error("E111", `state '${state.name}' has no equation`, state.decl.name.range, {
          hint: `give it one, as in ${state.name} = tanh(W @ ${state.name}[t-1] + U @ x + b)`,
        }),
      );
    }
  }

  const knownEquation = (name: string) => (graph.reads.has(name) ? sameStepReads(name) : []);
  checkDirections(decls.states, uses, knownEquation, problems);

  const losses: LossInfo[] = [];
  for (const item of model.items) {
    if (item.kind !== "loss" || item.recovered) continue;
    const loss = checkLoss(item, decls, quantitySizes, uses, problems);
    if (loss) losses.push(loss);
  }

  checkPreviousTargets(decls, uses, losses, problems);
  const sequences = checkSequences(decls, uses, losses, problems);
  // A model of one sequence has no axes: what attention can find wrong in it is at a reduction over the steps.
  const axes =
    sequences.order.length > 1 || reducesOverSteps
      ? checkAttention(readsFirst, decls, sequences.of, losses, types, problems)
      : noAxes;

  // After a syntax error some uses were not parsed: an "unused" warning would be a guess.
  const syntaxErrors = diagnostics.some((d) => syntaxErrorCodes.has(d.code));
  const unusedReported = !syntaxErrors && !model.items.some((i) => i.recovered);
  if (unusedReported) reportUnused(decls, uses, problems);
  // Equations were checked reads first: list the uses as they are written.
  uses.sort((a, b) => a.range.startOffset - b.range.startOffset);

  checkSizeLimits(
    {
      inputs: decls.inputs.values(),
      targets: decls.targets.values(),
      params: decls.params,
      states: decls.states.values(),
      quantities: sizedQuantities(equations, decls, quantitySizes),
    },
    problems,
  );

  diagnostics.push(...problems);
  const facts: ModelFacts = {
    name: model.name.text,
    decl: model,
    dims: [...dims.values.values()],
    inputs: [...decls.inputs.values()],
    targets: [...decls.targets.values()],
    params: [...decls.params],
    states: [...decls.states.values()],
    quantities: equations.map((eq) => {
      const name = eq.name.text;
      const quantity: QuantityFacts = {
        name,
        gate: eq.gate,
        size: quantitySizes.get(name),
        equation: eq,
        sameStepReads: sameStepReads(name),
        sequence: sequences.of.get(name)!,
      };
      // (Set after, not spread in: a literal with a spread is built slowly, and most quantities have no axis.)
      const over = axes.get(name);
      if (over !== undefined) quantity.over = over;
      return quantity;
    }),
    sequences: sequences.order,
    losses,
    types,
    uses,
    expansions,
  };
  const context: CheckContext = { decls, equations, graph, inCycle, readsFirst, quantitySizes, unusedReported };
  if (hasErrors(problems)) return { facts, context };
  return { model: checkedModel(facts, context), facts, context };
}

/** The quantities that are not states, with the sizes their equations gave them (the states' are declared). */
function sizedQuantities(
  equations: readonly A.Equation[],
  decls: Declarations,
  quantitySizes: ReadonlyMap<string, Size>,
): { name: A.Name; size: Size }[] {
  const sized: { name: A.Name; size: Size }[] = [];
  for (const eq of equations) {
    const size = quantitySizes.get(eq.name.text);
    if (size && !decls.states.has(eq.name.text)) sized.push({ name: eq.name, size });
  }
  return sized;
}

/** The names read, in order, without repeats (most equations read one quantity at the same step, or none). */
function distinctNames(reads: readonly { name: string }[]): string[] {
  const names = reads.map((r) => r.name);
  return names.length < 2 ? names : [...new Set(names)];
}

/** The model of a check without errors: its facts, with the quantities in an order where each comes after what it reads. */
export function checkedModel(facts: ModelFacts, context: CheckContext): CheckedModel {
  // The facts list the quantities as `context.equations` lists their equations: found by place, not by name.
  const quantities: QuantityInfo[] = topologicalOrder(context.equations, context.graph, context.inCycle).map((i) => {
    const q = facts.quantities[i]!;
    return { ...q, size: context.quantitySizes.get(q.name)! };
  });
  return { ...facts, quantities };
}

/** The parameters, inputs and targets that no equation or loss reads: a warning each. */
export function reportUnused(decls: Declarations, uses: readonly NameUse[], diagnostics: Diagnostic[]): void {
  const used = new Set<string>();
  for (const u of uses) used.add(u.name);
  reportUnusedOf(decls.params, "W001", "parameter", used, diagnostics);
  reportUnusedOf(decls.inputs.values(), "W002", "input", used, diagnostics);
  reportUnusedOf(decls.targets.values(), "W004", "target", used, diagnostics);
}

function reportUnusedOf(
  declared: Iterable<{ name: string; decl: { name: A.Name }; initialStateOf?: string }>,
  code: WarningCode,
  what: string,
  used: ReadonlySet<string>,
  diagnostics: Diagnostic[],
): void {
  for (const d of declared) {
    if (used.has(d.name) || d.initialStateOf) continue;
    diagnostics.push(warning(code, `${what} '${d.name}' is never used`, d.decl.name.range));
  }
}
