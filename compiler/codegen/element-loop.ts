/**
 * A fused element-wise loop as data: for every batch row b and element i of a run, a list of
 * statements over locals and the rows it reads and writes (its streams), with the ops'
 * scalar expressions (compiler/ops/expr.ts) as values. The forward and backward emitters
 * build these; `renderLoopJs` writes one as TypeScript, and the WebAssembly backend
 * (wasm/emit-loop.ts) compiles the same loop to f32x4/f64x2 code. Both evaluate every
 * expression tree as written, so in float64 they round identically.
 */
import { forEachExpr, mapStreams, type Expr } from "../ops/expr.js";
import { RowBases, type Location } from "./location.js";
import { numberLiteral } from "./names.js";

export type Statement =
  | { kind: "comment"; text: string }
  /** `const name = value` (fixed) or `let name = value` (accumulated into later). */
  | { kind: "define"; name: string; value: Expr; mutable: boolean }
  /** name += value */
  | { kind: "accumulate"; name: string; value: Expr }
  /** stream[i] = value */
  | { kind: "store"; stream: number; value: Expr }
  /** stream[i] += value */
  | { kind: "storeAdd"; stream: number; value: Expr };

export interface ElementLoop {
  /** Elements per row. */
  size: number;
  /** The rows, when not B: `B * S` for values at every step of another sequence (attention). */
  rows?: string;
  /** A condition on b under which a row is skipped, not read (a loss's unscored rows); such a loop stays JavaScript. */
  skipRow?: string;
  /** The rows read and written; stride 0 is a parameter's single row, the same for every b. */
  streams: Location[];
  body: Statement[];
}

/** Collects a loop's streams: each distinct location gets one index. */
export class StreamTable {
  readonly streams: Location[] = [];
  private readonly index = new Map<string, number>();

  read(location: Location): Expr {
    return { kind: "read", stream: this.of(location) };
  }

  of(location: Location): number {
    const key = JSON.stringify(location);
    let k = this.index.get(key);
    if (k === undefined) {
      k = this.streams.length;
      this.streams.push(location);
      this.index.set(key, k);
    }
    return k;
  }
}

/**
 * Drops the fixed locals nothing reads (a forward value loaded for a rule that turned out not
 * to need it), and the streams only they read.
 */
export function withoutUnusedLocals(loop: ElementLoop): ElementLoop {
  const used = new Set<string>();
  for (const s of loop.body)
    if (s.kind !== "comment") forEachExpr(s.value, (e) => e.kind === "local" && used.add(e.name));
  const body = loop.body.filter((s) => !(s.kind === "define" && !s.mutable && !used.has(s.name)));
  // Streams in order of first use, renumbered.
  const kept: number[] = [];
  const renumber = (k: number) => (kept.includes(k) ? kept.indexOf(k) : kept.push(k) - 1);
  const mapExpr = (e: Expr): Expr => mapStreams(e, renumber);
  const mapped = body.map((s): Statement => {
    if (s.kind === "comment") return s;
    if (s.kind === "store" || s.kind === "storeAdd") {
      const stream = renumber(s.stream);
      return { ...s, stream, value: mapExpr(s.value) };
    }
    return { ...s, value: mapExpr(s.value) };
  });
  return { ...loop, streams: kept.map((k) => loop.streams[k]!), body: mapped };
}

/** The loop as TypeScript: `for (let b ...) { row bases; for (let i ...) { body } }`. */
export function renderLoopJs(loop: ElementLoop): string[] {
  const rows = new RowBases("r");
  const at = (stream: number, i = "i") => rows.at(loop.streams[stream]!, i);
  const expr = (e: Expr): string => renderExpr(e, at);
  const body = loop.body.map((s): string => {
    switch (s.kind) {
      case "comment":
        return s.text;
      case "define":
        return `${s.mutable ? "let" : "const"} ${s.name} = ${expr(s.value)};`;
      case "accumulate":
        return `${s.name} += ${expr(s.value)};`;
      case "store":
        return `${at(s.stream)} = ${expr(s.value)};`;
      case "storeAdd":
        return `${at(s.stream)}! += ${expr(s.value)};`;
    }
  });
  return [
    `for (let b = 0; b < ${loop.rows ?? "B"}; b++) {`,
    ...(loop.skipRow ? [`if (${loop.skipRow}) continue;`] : []),
    ...rows.lines,
    `for (let i = 0; i < ${loop.size}; i++) {`,
    ...body,
    `}`,
    `}`,
  ];
}

// Binding strength, for parentheses: a child binding less tightly than its place needs gets them.
const precedence = { select: 1, additive: 2, multiplicative: 3, unary: 4, atom: 5 } as const;

function strength(e: Expr): number {
  switch (e.kind) {
    case "select":
      return precedence.select;
    case "binary":
      return e.op === "+" || e.op === "-" ? precedence.additive : precedence.multiplicative;
    case "neg":
      return precedence.unary;
    case "num":
      // -0 and -Infinity are written bare: unary minus (the other negatives come parenthesized).
      return numberLiteral(e.value).startsWith("-") ? precedence.unary : precedence.atom;
    default:
      return precedence.atom;
  }
}

function renderExpr(e: Expr, at: (stream: number, i?: string) => string): string {
  const r = (child: Expr, needs: number) => {
    const text = renderExpr(child, at);
    return strength(child) < needs ? `(${text})` : text;
  };
  switch (e.kind) {
    case "num":
      return numberLiteral(e.value);
    case "read":
      // Every index is in range (the layout's); `!` says so to --noUncheckedIndexedAccess.
      return `${at(e.stream)}!`;
    case "local":
      return e.name;
    case "binary": {
      // Left-associative: the right operand of the same strength keeps its parentheses, so the tree (and its rounding) is the one built.
      const own = strength(e);
      return `${r(e.a, own)} ${e.op} ${r(e.b, own + 1)}`;
    }
    case "neg":
      return `-${r(e.a, precedence.atom)}`;
    case "select":
      return `${r(e.a, precedence.additive)} ${e.compare} ${r(e.b, precedence.additive)} ? ${r(e.then, precedence.additive)} : ${r(e.otherwise, precedence.additive)}`;
    case "math":
      return `Math.${e.fn}(${renderExpr(e.a, at)})`;
    case "indicator":
      return `(i === ${at(e.stream, "0")}! ? 1 : 0)`;
  }
}
