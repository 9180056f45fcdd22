/**
 * Dims: `dim H = 32`, `dim G = 4 * H`. Values are positive integers computed from numbers
 * and other dims with + - * / and parentheses; command-line overrides replace a dim's value
 * before its dependents are computed.
 */
import type { DimDecl, Expr, ModelDecl } from "../../grammar/ast.js";
import { error, fileStart, type Diagnostic } from "../../grammar/diagnostic.js";
import { printExpr } from "../format/print-expr.js";
import type { DimInfo, Size } from "./model.js";
import { suggest } from "./suggest.js";
import { namedRecord } from "../../runtime/records.js";

export type DimOverrides = Record<string, number>;

export interface DimTable {
  values: Map<string, DimInfo>;
  /** Evaluates a shape expression (`H + D`) to a size, or reports why it cannot. */
  size(e: Expr, diagnostics: Diagnostic[]): Size | undefined;
}

/** Parses `NAME=VALUE` command-line overrides; errors are about the command line, so they carry no source range. */
export function parseDimOverrides(specs: readonly string[], diagnostics: Diagnostic[]): DimOverrides {
  const overrides: DimOverrides = namedRecord();
  for (const spec of specs) {
    const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(spec.trim());
    if (!m) {
      diagnostics.push(error("E205", `--dim ${spec}: expected NAME=VALUE, for example --dim H=128`, fileStart));
      continue;
    }
    const value = Number(m[2]);
    if (!/^\d+$/.test(m[2]!.trim()) || !Number.isSafeInteger(value) || value <= 0) {
      diagnostics.push(error("E205", `--dim ${spec}: the value must be a positive integer`, fileStart));
      continue;
    }
    overrides[m[1]!] = value;
  }
  return overrides;
}

export function resolveDims(model: ModelDecl, overrides: DimOverrides, diagnostics: Diagnostic[]): DimTable {
  const decls = new Map<string, DimDecl>();
  for (const item of model.items)
    if (item.kind === "dim" && !decls.has(item.name.text)) decls.set(item.name.text, item);

  for (const name of Object.keys(overrides)) {
    if (!decls.has(name)) {
      const guess = suggest(name, decls.keys());
      diagnostics.push(
        error(
          "E205",
          `--dim ${name}=${overrides[name]}: the model has no dim '${name}'`,
          fileStart,
          guess ? { hint: `did you mean '${guess}'?` } : {},
        ),
      );
    }
  }

  const values = new Map<string, DimInfo>();
  /** The dims being evaluated, outermost first: the path of a cycle when one comes back. */
  const inProgress: string[] = [];
  const failed = new Set<string>();

  const evaluateDim = (name: string): number | undefined => {
    const known = values.get(name);
    if (known) return known.value;
    if (failed.has(name)) return undefined;
    const decl = decls.get(name)!;
    if (decl.recovered) return undefined;
    const overridden = Object.hasOwn(overrides, name);
    if (overridden) {
      values.set(name, { name, value: overrides[name]!, decl, overridden: true });
      return overrides[name];
    }
    if (inProgress.includes(name)) {
      const path = [...inProgress.slice(inProgress.indexOf(name)), name];
      const through = path.length > 2 ? `: ${path.join(" → ")}` : "";
      diagnostics.push(
        error("E206", `dim '${name}' is defined in terms of itself${through}`, decl.name.range, {
          hint: "a dim's value is a number, or an expression of other dims that does not lead back to it",
        }),
      );
      failed.add(name);
      return undefined;
    }
    inProgress.push(name);
    const value = evaluate(decl.value, diagnostics, lookupDim, decls);
    inProgress.pop();
    if (value === undefined) {
      failed.add(name);
      return undefined;
    }
    if (!Number.isSafeInteger(value) || value <= 0) {
      diagnostics.push(
        error(
          "E203",
          `dim '${name}' must be a positive integer, but ${valueText(decl.value, value)}`,
          decl.value.range,
        ),
      );
      failed.add(name);
      return undefined;
    }
    values.set(name, { name, value, decl, overridden: false });
    return value;
  };
  /** Names that are not dims give undefined here; `evaluate` reports them. */
  const lookupDim = (name: string): number | undefined => (decls.has(name) ? evaluateDim(name) : undefined);
  for (const name of decls.keys()) evaluateDim(name);

  return {
    values,
    size(e, diags) {
      const value = evaluate(e, diags, lookupDim, decls);
      if (value === undefined) return undefined;
      if (!Number.isSafeInteger(value) || value <= 0) {
        diags.push(error("E203", `a size must be a positive integer, but ${valueText(e, value)}`, e.range));
        return undefined;
      }
      return { value, symbol: printExpr(e) };
    },
  };
}

/** `D - 10 = 0`, or just `it is 0` when the expression is the number itself. */
function valueText(e: Expr, value: number): string {
  const written = printExpr(e);
  return written === String(value) ? `it is ${value}` : `${written} = ${value}`;
}

/**
 * Integer arithmetic over dims. `lookup` returns undefined for a dim that failed (already
 * reported) and for names that are not dims (`known` tells them apart); those are reported here.
 */
function evaluate(
  e: Expr,
  diagnostics: Diagnostic[],
  lookup: (name: string) => number | undefined,
  known: Map<string, DimDecl>,
): number | undefined {
  const recurse = (x: Expr) => evaluate(x, diagnostics, lookup, known);
  switch (e.kind) {
    case "number":
      if (!Number.isInteger(e.value)) {
        diagnostics.push(error("E203", `sizes are whole numbers, not ${e.text}`, e.range));
        return undefined;
      }
      return e.value;
    case "ref": {
      const value = lookup(e.name.text);
      if (value === undefined && !known.has(e.name.text)) {
        const guess = suggest(e.name.text, known.keys());
        diagnostics.push(
          error(
            "E101",
            `'${e.name.text}' is not a dim`,
            e.name.range,
            guess
              ? { hint: `did you mean '${guess}'?` }
              : { hint: "sizes are written with numbers and dims, e.g. [H, H + D]" },
          ),
        );
      }
      return value;
    }
    case "neg": {
      const v = recurse(e.operand);
      return v === undefined ? undefined : -v;
    }
    case "binary": {
      const l = recurse(e.left);
      const r = recurse(e.right);
      if (l === undefined || r === undefined) return undefined;
      switch (e.op) {
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          if (r === 0 || l % r !== 0) {
            diagnostics.push(error("E203", `${printExpr(e)} = ${l} / ${r} is not a whole number`, e.range));
            return undefined;
          }
          return l / r;
        case "@":
          diagnostics.push(error("E203", "'@' has no meaning in a size", e.range));
          return undefined;
      }
      return undefined;
    }
    case "error":
      return undefined;
    default:
      diagnostics.push(error("E203", `a size is written with numbers and dims, not ${printExpr(e)}`, e.range));
      return undefined;
  }
}
