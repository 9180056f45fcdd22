/**
 * Dims: `dim H = 32`, `dim G = 4 * H`. Values are positive integers computed from numbers
 * and other dims with + - * / and parentheses; command-line overrides replace a dim's value
 * before its dependents are computed. The arithmetic is exact (BigInt), and a value beyond
 * 2^53 − 1, past which a JavaScript number no longer counts exactly, is an error (E207).
 */
import type { DimDecl, Expr, ModelDecl } from "../../grammar/ast.js";
import { error, fileStart, type Diagnostic } from "../../grammar/diagnostic.js";
import { printExpr } from "../format/print-expr.js";
import { walkExpr } from "../../grammar/walk.js";
import type { DimInfo, Size } from "./model.js";
import { NameSuggester } from "./suggest.js";
import { namedRecord } from "../../runtime/records.js";
import { MAX_ARRAY_LENGTH } from "./limits.js";

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
  const dimNames = new NameSuggester(decls.keys());

  for (const name of Object.keys(overrides)) {
    if (!decls.has(name)) {
      const guess = dimNames.suggest(name);
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
  const failed = new Set<string>();
  /** Dims defined in terms of themselves; their values are still read, for the errors in them. */
  const cyclic = new Set<string>();
  /** Names that are not dims give undefined here; `evaluate` reports them. Every dim read is evaluated by then. */
  const lookupDim = (name: string): bigint | undefined => {
    const value = values.get(name)?.value;
    return value === undefined ? undefined : BigInt(value);
  };

  const evaluateDim = (name: string): void => {
    const decl = decls.get(name)!;
    if (decl.recovered) return;
    if (Object.hasOwn(overrides, name)) {
      values.set(name, { name, value: overrides[name]!, decl, overridden: true });
      return;
    }
    const exact = evaluate(decl.value, diagnostics, lookupDim, decls, dimNames);
    const value =
      exact === undefined || cyclic.has(name)
        ? undefined
        : checkedValue(decl.value, exact, `dim '${name}'`, diagnostics);
    if (value === undefined) {
      failed.add(name);
      return;
    }
    values.set(name, { name, value, decl, overridden: false });
  };
  for (const name of dependencyOrder(decls, overrides, diagnostics, cyclic)) evaluateDim(name);

  /** The size of each dim written alone, made once (vectors and matrices of one size share their type: shapes.ts). */
  const alone = new Map<string, Size>();
  return {
    values,
    size(e, diags) {
      // The usual size, a dim by itself whose value is a positive whole number: no arithmetic to do.
      if (e.kind === "ref") {
        const made = alone.get(e.name.text);
        if (made) return made;
        const value = values.get(e.name.text)?.value;
        if (value !== undefined && value > 0 && Number.isSafeInteger(value)) {
          const size = { value, symbol: e.name.text };
          alone.set(e.name.text, size);
          return size;
        }
      }
      const exact = evaluate(e, diags, lookupDim, decls, dimNames);
      const value = exact === undefined ? undefined : checkedValue(e, exact, "a size", diags);
      if (value === undefined) return undefined;
      return { value, symbol: e.kind === "ref" ? e.name.text : printExpr(e) };
    },
  };
}

/**
 * The dims in an order where each comes after the dims its value reads (source order among
 * independent ones): depth first from each in turn, reads left to right, on an explicit
 * stack (a chain of thousands of dims is as deep). A dim read while it is being ordered is
 * defined in terms of itself: reported (once) with the path back to it.
 */
function dependencyOrder(
  decls: Map<string, DimDecl>,
  overrides: DimOverrides,
  diagnostics: Diagnostic[],
  cyclic: Set<string>,
): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  /** The dims being ordered, outermost first, each with the dims its value reads and how many are done. */
  const path: { name: string; reads: string[]; next: number }[] = [];
  const onPath = new Set<string>();
  const enter = (name: string) => {
    const decl = decls.get(name)!;
    const evaluated = !decl.recovered && !Object.hasOwn(overrides, name);
    path.push({ name, reads: evaluated ? dimsRead(decl.value, decls) : [], next: 0 });
    onPath.add(name);
  };
  for (const start of decls.keys()) {
    if (placed.has(start)) continue;
    enter(start);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const read = top.reads[top.next++];
      if (read === undefined) {
        path.pop();
        onPath.delete(top.name);
        placed.add(top.name);
        order.push(top.name);
      } else if (onPath.has(read) && !cyclic.has(read)) {
        const cycle = [...path.slice(path.findIndex((p) => p.name === read)).map((p) => p.name), read];
        const through = cycle.length > 2 ? `: ${cycle.join(" → ")}` : "";
        diagnostics.push(
          error("E206", `dim '${read}' is defined in terms of itself${through}`, decls.get(read)!.name.range, {
            hint: "a dim's value is a number, or an expression of other dims that does not lead back to it",
          }),
        );
        cyclic.add(read);
      } else if (!placed.has(read) && !onPath.has(read)) {
        enter(read);
      }
    }
  }
  return order;
}

/** The dims a size reads, left to right: through + - * / and minus only, as `evaluate` reads them. */
function dimsRead(e: Expr, decls: Map<string, DimDecl>): string[] {
  const out: string[] = [];
  walkExpr(e, (x) => {
    if (x.kind === "ref" && decls.has(x.name.text)) out.push(x.name.text);
    return x.kind === "neg" || x.kind === "binary";
  });
  return out;
}

/** A dim's or size's value as a number, when it is a positive integer a number holds exactly; otherwise reported. */
function checkedValue(e: Expr, value: bigint, what: string, diagnostics: Diagnostic[]): number | undefined {
  if (value <= 0n) {
    diagnostics.push(error("E203", `${what} must be a positive integer, but ${valueText(e, value)}`, e.range));
    return undefined;
  }
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    diagnostics.push(
      error("E207", `${what} is too large: ${valueText(e, value)}`, e.range, {
        hint: `sizes are counted exactly up to 2^53 − 1 = ${Number.MAX_SAFE_INTEGER.toLocaleString("en-US")}; an array holds at most ${MAX_ARRAY_LENGTH.toLocaleString("en-US")} numbers`,
      }),
    );
    return undefined;
  }
  return Number(value);
}

/** `D - 10 = 0`, or just `it is 0` when the expression is the number itself. */
function valueText(e: Expr, value: bigint): string {
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
  lookup: (name: string) => bigint | undefined,
  known: Map<string, DimDecl>,
  dimNames: NameSuggester,
): bigint | undefined {
  const recurse = (x: Expr) => evaluate(x, diagnostics, lookup, known, dimNames);
  switch (e.kind) {
    case "number":
      if (!Number.isInteger(e.value)) {
        diagnostics.push(error("E203", `sizes are whole numbers, not ${e.text}`, e.range));
        return undefined;
      }
      // Digits are read exactly (a long literal is not rounded to a double first).
      return /^\d+$/.test(e.text) ? BigInt(e.text) : BigInt(e.value);
    case "ref": {
      const value = lookup(e.name.text);
      if (value === undefined && !known.has(e.name.text)) {
        const guess = dimNames.suggest(e.name.text);
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
          if (r === 0n || l % r !== 0n) {
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
