/**
 * Name resolution over the source AST, for everything that points at a place in the text:
 * hover, go to definition, references, rename, completion. Names are bound by the checker's
 * binder (`check/binder.ts`), over the model with its cells expanded; here each name token
 * of the source is kept with its own range and resolved to its binding, and the names a
 * cell generates (`h.W_i`, `h.c`) resolve to the cell.
 *
 * Every model of the file gets a scope; the front end only checks the first one, so facts
 * (sizes, uses) exist for that one only.
 */
import { nameCharacter } from "../../grammar/tokens.js";
import type * as A from "../../grammar/ast.js";
import { reservedWords } from "../../grammar/tokens.js";
import { walkExpr } from "../../grammar/walk.js";
import { bindNames, type Binding } from "../check/binder.js";
import type { CellExpansion } from "../expand/expand.js";
import { contains } from "./text.js";
import { rangeAt } from "../../grammar/source-range.js";

export type SymbolKind = "dim" | "input" | "target" | "param" | "state" | "quantity" | "cell";

export interface ModelSymbol {
  name: string;
  kind: SymbolKind;
  /**
   * The name tokens that declare it, in source order: a state's declaration and then its
   * equation; a cell's name for the cell and everything it generates; several for a name
   * declared twice (an error the checker reports).
   */
  declarations: A.Name[];
  /** The items that declare it; for a cell and what it generates, the generated items. */
  items: A.Item[];
  gate: boolean;
  /** The cell that declares this name: the cell's own name (`h`) or a generated one (`h.W_i`). */
  cell?: A.CellDecl;
  /** A name only a cell's expansion declares (`h.W_i`): it cannot be renamed by itself. */
  generated: boolean;
}

export interface ModelScope {
  model: A.ModelDecl;
  /** Position in `file.models`; the checker's facts are about model 0. */
  index: number;
  symbols: Map<string, ModelSymbol>;
  /** What each cell of this model expanded to (only when the expansion succeeded). */
  expansions: Map<A.CellDecl, A.Item[]>;
}

export type OccurrenceKind =
  /** A name declared in the model: declaration or use. */
  | "symbol"
  /** The model's own name. */
  | "model"
  /** A built-in function called in an equation, or a cell's `act = tanh`. */
  | "function"
  /** The function of a loss declaration. */
  | "loss"
  /** The kind of a cell (`lstm`). */
  | "cellKind"
  /** An initialiser (`zeros`, `xavier`, `uniform(...)`, `learned`). */
  | "initialiser"
  /** The `[t-1]` of a delay. */
  | "delay"
  /** The name of a named argument (`size =`, `reduce =`, `std =`). */
  | "argument"
  /** A word given meaning by its place: `onehot`, `class`, `last`, `each`, `mean`, `sum`. */
  | "word"
  /** A reserved word opening a declaration. */
  | "keyword";

export interface Occurrence {
  kind: OccurrenceKind;
  /** The text hovered: a name token, a keyword, or the `[t-1]` of a delay. */
  range: A.Range;
  text: string;
  scope: ModelScope;
  /** The item the occurrence is in (absent for the model name and the `model` keyword). */
  item?: A.Item;
  /** For `symbol`: what the name resolves to, if it is declared. */
  symbol?: ModelSymbol;
  /** For `symbol`: whether this is a declaring occurrence. */
  declaration?: boolean;
  /** For a `symbol` read through a delay and for `delay`: the delay expression. */
  delay?: A.DelayExpr;
  /** For `argument`: the item kind or the function whose argument it is. */
  owner?: string;
}

export class NameIndex {
  readonly scopes: ModelScope[];
  /** Sorted by start offset; occurrences never overlap. */
  readonly occurrences: Occurrence[];

  constructor(file: A.RnnFile, text: string, firstModelExpansions: readonly CellExpansion[]);
  /** The index of a version made from the previous one's index (see `edited`). */
  constructor(scopes: ModelScope[], occurrences: Occurrence[]);
  constructor(
    ...args: [file: A.RnnFile, text: string, expansions: readonly CellExpansion[]] | [ModelScope[], Occurrence[]]
  ) {
    if (args.length === 2) {
      [this.scopes, this.occurrences] = args;
      return;
    }
    const [file, text, firstModelExpansions] = args;
    this.scopes = file.models.map((model, index) => buildScope(model, index, index === 0 ? firstModelExpansions : []));
    const out: Occurrence[] = [];
    for (const scope of this.scopes) collectOccurrences(scope, text, out);
    out.sort(byStart);
    this.occurrences = out;
  }

  /**
   * The index after edits inside equations' values that the analyses took in place
   * (incremental.ts): the bindings are the same; each edited equation's value occurrences
   * are those of its value now, and the ranges the index made itself (a keyword's, a delay's
   * `[t-1]`) are made again from the AST's, which may have moved (the other occurrences hold
   * the AST's own ranges, which moved with it).
   */
  edited(text: string, equations: ReadonlySet<A.Equation>): NameIndex {
    const out: Occurrence[] = [];
    const collect = new Occurrences(this.scopes[0]!, text, out);
    for (const o of this.occurrences) {
      const equation = o.item?.kind === "equation" && equations.has(o.item) ? o.item : undefined;
      if (o.kind === "keyword") out.push({ ...o, range: keywordRange(o.item?.range ?? o.scope.model.range, o.text) });
      else if (o.kind === "delay" && !equation) out.push({ ...o, range: delayIndexRange(o.delay!) });
      else if (!equation) out.push(o);
      else if (o.kind === "symbol" && o.declaration) {
        // The equation's name, then what its value holds now.
        out.push(o);
        const from = out.length;
        collect.expression(equation.value, equation);
        if (out.length - from > 1) out.splice(from, out.length - from, ...out.slice(from).sort(byStart));
      }
    }
    return new NameIndex(this.scopes, out);
  }

  /**
   * The occurrence under an offset. With `inclusiveEnd`, a cursor just after a name also
   * finds it (for go to definition, rename and completion, where the cursor sits after a word).
   */
  at(offset: number, inclusiveEnd = false): Occurrence | undefined {
    const list = this.occurrences;
    let low = 0;
    let high = list.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (list[mid]!.range.startOffset <= offset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    for (let i = found; i >= 0 && i >= found - 1; i--) {
      const o = list[i]!;
      if (contains(o.range, offset)) return o;
    }
    if (inclusiveEnd) {
      for (let i = found; i >= 0 && i >= found - 1; i--) {
        const o = list[i]!;
        if (contains(o.range, offset, true)) return o;
      }
    }
    return undefined;
  }

  /** The scope of the model whose body holds an offset (or the last one that starts before it). */
  scopeAt(offset: number): ModelScope | undefined {
    let best: ModelScope | undefined;
    for (const s of this.scopes) if (s.model.range.startOffset <= offset) best = s;
    return best;
  }

  /** Every occurrence of a symbol, declarations first then uses in source order. */
  occurrencesOf(symbol: ModelSymbol): Occurrence[] {
    return this.occurrences.filter((o) => o.kind === "symbol" && o.symbol === symbol);
  }
}

function byStart(a: Occurrence, b: Occurrence): number {
  return a.range.startOffset - b.range.startOffset;
}

/** The model's names, bound as the checker binds them: with the cells expanded (where they did). */
function buildScope(model: A.ModelDecl, index: number, expansions: readonly CellExpansion[]): ModelScope {
  const expansionOf = new Map<A.CellDecl, A.Item[]>();
  for (const e of expansions) expansionOf.set(e.cell, e.items);
  const items: A.Item[] = [];
  const generatedBy = new Map<A.Item, A.CellDecl>();
  for (const item of model.items) {
    const generated = item.kind === "cell" ? expansionOf.get(item) : undefined;
    if (!generated) items.push(item);
    else
      for (const g of generated) {
        generatedBy.set(g, item as A.CellDecl);
        items.push(g);
      }
  }
  const symbols = new Map<string, ModelSymbol>();
  for (const binding of bindNames(items, generatedBy).symbols.values()) symbols.set(binding.name, modelSymbol(binding));
  return { model, index, symbols, expansions: expansionOf };
}

/**
 * A binding as the editor shows it: what a cell generates is declared by the cell's name,
 * and the cell's own name is a cell. A name a cell generates (`h.W`) that was declared
 * elsewhere first stays that declaration's.
 */
function modelSymbol(b: Binding): ModelSymbol {
  const ownCell = b.cell !== undefined && b.cell.name.text === b.name;
  const declarations: A.Name[] = [];
  const items: A.Item[] = [];
  for (const d of b.declarations) {
    const generated = d.cell !== undefined && d.item !== d.cell;
    if (generated && d.cell !== b.cell && d.item.kind !== "loss" && d.item.name.text !== d.cell!.name.text) continue;
    const token = d.cell ? d.cell.name : d.name;
    if (!declarations.includes(token)) declarations.push(token);
    if (generated && d.item.kind !== "loss" && d.item.name.text === d.cell!.name.text && !items.includes(d.cell!))
      items.push(d.cell!);
    items.push(d.item);
  }
  return {
    name: b.name,
    kind: ownCell ? "cell" : b.kind,
    declarations,
    items,
    gate: b.gate,
    ...(b.cell ? { cell: b.cell } : {}),
    generated: b.cell !== undefined && !ownCell,
  };
}

function collectOccurrences(scope: ModelScope, text: string, out: Occurrence[]): void {
  const collect = new Occurrences(scope, text, out);
  out.push(collect.occurrence("model", scope.model.name.range, scope.model.name.text, undefined));
  collect.keyword(scope.model.range, "model", undefined);
  for (const item of scope.model.items) collect.item(item);
}

/** The occurrences of one model's items, added to `out` in the order they are met. */
class Occurrences {
  constructor(
    private readonly scope: ModelScope,
    private readonly text: string,
    private readonly out: Occurrence[],
  ) {}

  /** Every occurrence has the same shape (absent fields undefined): ten thousand of them are made per keystroke. */
  occurrence(
    kind: OccurrenceKind,
    range: A.Range,
    text: string,
    item: A.Item | undefined,
    symbol?: ModelSymbol,
    declaration?: boolean,
    delay?: A.DelayExpr,
    owner?: string,
  ): Occurrence {
    return { kind, range, text, scope: this.scope, item, symbol, declaration, delay, owner };
  }

  keyword(range: A.Range, word: string, item: A.Item | undefined): void {
    const start = range.startOffset;
    if (this.text.startsWith(word, start) && !nameCharacter.test(this.text[start + word.length] ?? ""))
      this.out.push(this.occurrence("keyword", keywordRange(range, word), word, item));
  }

  private symbolAt(name: A.Name, item: A.Item, declaration: boolean, delay?: A.DelayExpr): void {
    this.out.push(
      this.occurrence("symbol", name.range, name.text, item, this.scope.symbols.get(name.text), declaration, delay),
    );
  }

  private plain(kind: OccurrenceKind, name: A.Name, item: A.Item, owner?: string): void {
    this.out.push(this.occurrence(kind, name.range, name.text, item, undefined, undefined, undefined, owner));
  }

  /** Names read by an expression; `size` expressions read dims, value expressions read quantities. */
  expression(e: A.Expr, item: A.Item): void {
    walkExpr(e, (x) => {
      if (x.kind === "ref") this.symbolAt(x.name, item, false);
      else if (x.kind === "delay") {
        this.symbolAt(x.name, item, false, x);
        if (x.range.endOffset > x.name.range.endOffset) {
          this.out.push(
            this.occurrence(
              "delay",
              delayIndexRange(x),
              this.text.slice(x.name.range.endOffset, x.range.endOffset),
              item,
              undefined,
              undefined,
              x,
            ),
          );
        }
      } else if (x.kind === "call") {
        this.plain("function", x.callee, item);
        for (const a of x.args) if (a.name) this.plain("argument", a.name, item, x.callee.text);
      }
    });
  }

  /** `zeros`, `xavier`, `uniform(-0.1, 0.1)`, `normal(std = 0.01)`, `learned`, numbers; `e[last]` reads a state. */
  private initialiser(e: A.Expr, item: A.Item): void {
    if (e.kind === "ref") this.plain("initialiser", e.name, item);
    else if (e.kind === "delay") this.expression(e, item);
    else if (e.kind === "call") {
      this.plain("initialiser", e.callee, item);
      for (const a of e.args) if (a.name) this.plain("argument", a.name, item, e.callee.text);
    }
  }

  item(item: A.Item): void {
    const word = item.kind === "equation" ? (item.gate ? "gate" : undefined) : item.kind;
    if (word && (reservedWords as readonly string[]).includes(word)) this.keyword(item.range, word, item);
    switch (item.kind) {
      case "dim":
        this.symbolAt(item.name, item, true);
        this.expression(item.value, item);
        break;
      case "input":
      case "target":
        this.symbolAt(item.name, item, true);
        if (item.type.kind) this.plain("word", item.type.kind, item);
        for (const d of item.type.dims) this.expression(d, item);
        break;
      case "param":
      case "state":
        this.symbolAt(item.name, item, true);
        for (const d of item.shape) this.expression(d, item);
        if (item.init) this.initialiser(item.init, item);
        break;
      case "equation":
        this.symbolAt(item.name, item, true);
        this.expression(item.value, item);
        break;
      case "cell":
        this.symbolAt(item.name, item, true);
        this.plain("cellKind", item.cell, item);
        for (const a of item.args) {
          if (!a.name) {
            this.expression(a.value, item);
            continue;
          }
          this.plain("argument", a.name, item, "cell");
          if (a.name.text === "act" && a.value.kind === "ref") this.plain("function", a.value.name, item);
          else if (a.name.text === "init" && a.value.kind === "ref") this.plain("initialiser", a.value.name, item);
          else this.expression(a.value, item);
        }
        break;
      case "loss":
        this.plain("loss", item.fn, item);
        for (const a of item.args) {
          if (a.name) {
            this.plain("argument", a.name, item, "loss");
            if (a.value.kind === "ref") this.plain("word", a.value.name, item);
          } else {
            this.expression(a.value, item);
          }
        }
        this.plain("word", item.when, item);
        break;
    }
  }
}

/** The range of a keyword starting where `node` does (no node of the AST ends where a keyword does, so its range is made here). */
function keywordRange(node: A.Range, word: string): A.Range {
  return rangeAt(node, node.startOffset, node.startOffset + word.length);
}

/** The range of a delay's `[t-1]`: from its name's end to its own. */
function delayIndexRange(x: A.DelayExpr): A.Range {
  return rangeAt(x.range, x.name.range.endOffset, x.range.endOffset);
}

/** The declared name an occurrence stands for: a name, or the `[t-1]` after one. */
export function symbolOf(o: Occurrence | undefined): ModelSymbol | undefined {
  if (!o) return undefined;
  if (o.kind === "symbol") return o.symbol;
  if (o.kind === "delay" && o.delay) return o.scope.symbols.get(o.delay.name.text);
  return undefined;
}
