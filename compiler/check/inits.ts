/**
 * Initialisers as written (`zeros`, `0.5`, `uniform(-0.1, 0.1)`, `normal(std = 0.01)`,
 * `xavier`, `orthogonal(gain = 1)`, and `learned` for states) → the runtime's specs.
 */
import type { Argument, DelayExpr, Expr } from "../../grammar/ast.js";
import { lastStep } from "../../grammar/notation.js";
import type { InitSpec } from "../../runtime/init.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { printExpr } from "../format/print-expr.js";

const paramInitHint =
  "initialisers are zeros, ones, a number, uniform(a, b), normal(std = s), xavier, orthogonal(gain = g)";

export function defaultParamInit(rank: number): InitSpec {
  return rank === 2 ? { kind: "xavier" } : { kind: "zeros" };
}

export function paramInit(e: Expr, rank: number, diagnostics: Diagnostic[]): InitSpec | undefined {
  const fail = (message: string) => {
    diagnostics.push(error("E601", message, e.range, { hint: paramInitHint }));
    return undefined;
  };
  const constant = constantValue(e);
  if (constant !== undefined) return { kind: "constant", value: constant };
  const matrixOnly = (spec: InitSpec) =>
    rank === 2 ? spec : fail(`${spec.kind} initialises matrices; use zeros, a number, uniform or normal for a vector`);
  if (e.kind === "ref") {
    switch (e.name.text) {
      case "zeros":
        return { kind: "zeros" };
      case "ones":
        return { kind: "ones" };
      case "xavier":
        return matrixOnly({ kind: "xavier" });
      case "orthogonal":
        return matrixOnly({ kind: "orthogonal", gain: 1 });
      case "learned":
        return fail("'learned' is for initial states; a parameter is always learned");
    }
    return fail(`unknown initialiser '${e.name.text}'`);
  }
  if (e.kind !== "call") return fail(`${printExpr(e)} is not an initialiser`);
  const args = callArguments(e.args, e.callee.text, diagnostics);
  if (!args) return undefined;
  switch (e.callee.text) {
    case "uniform": {
      const [low, high] = [args.get("low", 0), args.get("high", 1)];
      if (args.failed()) return undefined;
      if (low === undefined || high === undefined) return fail("uniform takes two numbers: uniform(low, high)");
      if (!(low < high)) return fail(`uniform(${low}, ${high}): low must be below high`);
      return args.done() ? { kind: "uniform", low, high } : undefined;
    }
    case "normal": {
      // normal(std), normal(mean, std), or named.
      const bothPositional = e.args.filter((a) => !a.name).length === 2;
      const mean = args.get("mean", bothPositional ? 0 : -1) ?? 0;
      const std = args.get("std", bothPositional ? 1 : 0);
      if (args.failed()) return undefined;
      if (std === undefined) return fail("normal needs its standard deviation: normal(std = 0.01)");
      if (!(std > 0)) return fail(`normal(std = ${std}): the standard deviation must be positive`);
      return args.done() ? { kind: "normal", mean, std } : undefined;
    }
    case "orthogonal": {
      const gain = args.get("gain", 0) ?? 1;
      return args.done() ? matrixOnly({ kind: "orthogonal", gain }) : undefined;
    }
  }
  return fail(`unknown initialiser '${e.callee.text}'`);
}

export type StateInitSpec =
  { kind: "zeros" } | { kind: "constant"; value: number } | { kind: "learned" } | { kind: "last"; source: string };

export function stateInit(e: Expr, diagnostics: Diagnostic[]): StateInitSpec | undefined {
  const constant = constantValue(e);
  if (constant !== undefined) return constant === 0 ? { kind: "zeros" } : { kind: "constant", value: constant };
  if (e.kind === "ref" && e.name.text === "zeros") return { kind: "zeros" };
  if (e.kind === "ref" && e.name.text === "learned") return { kind: "learned" };
  // Another sequence's state at its last step (checked with the sequences: compiler/check/sequences.ts).
  if (e.kind === "delay" && isLastStep(e)) return { kind: "last", source: e.name.text };
  diagnostics.push(
    error("E601", `${printExpr(e)} is not an initial state`, e.range, {
      hint: "an initial state is zeros, a number, learned (trained with the parameters), or another sequence's state at its last step, e[last]",
    }),
  );
  return undefined;
}

/** `e[last]`, as written. */
export function isLastStep(e: DelayExpr): boolean {
  return e.step.text === lastStep && e.amountText === undefined;
}

/** A number, possibly negated: the only constants initialisers take. */
export function constantValue(e: Expr): number | undefined {
  if (e.kind === "number") return e.value;
  if (e.kind === "neg") {
    const v = constantValue(e.operand);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

/** Positional or named numeric arguments; `done` reports any left unread. */
function callArguments(args: readonly Argument[], callee: string, diagnostics: Diagnostic[]) {
  const positional = args.filter((a) => !a.name);
  const named = new Map(args.filter((a) => a.name).map((a) => [a.name!.text, a]));
  const used = new Set<Argument>();
  let ok = true;
  const read = (a: Argument | undefined): number | undefined => {
    if (!a) return undefined;
    used.add(a);
    const v = constantValue(a.value);
    if (v === undefined) {
      diagnostics.push(error("E601", `${callee}: ${printExpr(a.value)} is not a number`, a.value.range));
      ok = false;
    }
    return v;
  };
  return {
    get: (name: string, position: number) => read(named.get(name) ?? positional[position]),
    /** Whether an argument read so far was not a number (already reported). */
    failed: () => !ok,
    done: () => {
      for (const a of args) {
        if (used.has(a)) continue;
        diagnostics.push(
          error("E601", `${callee} has no ${a.name ? `argument '${a.name.text}'` : "further argument"}`, a.range),
        );
        ok = false;
      }
      return ok;
    },
  };
}
