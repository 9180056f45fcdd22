/**
 * Name binding: every name a model's items declare, with each declaration of it. The checker
 * and the language server both bind through here, as TypeScript's binder serves its checker
 * and its editor: the checker reads the kinds and reports the conflicts, the language server
 * lists declarations, follows names to them and renames them.
 *
 * Binding reads the model with its cells expanded: the items a cell generates declare their
 * names (`h.W_i`, the state `h`) on behalf of the cell. A cell that did not expand declares
 * its own name. A state and the one equation that defines it share a name by design; any
 * other repeat is a conflict, reported by the checker at the later declaration.
 */
import type * as A from "../../grammar/ast.js";
import type { InputInfo, ParamInfo, StateInfo, TargetInfo, ValueType } from "./model.js";

export type SymbolKind = "dim" | "input" | "target" | "param" | "state" | "quantity";

export interface Declaration {
  item: A.Item;
  /** The item's name (what a cell generated carries the cell's range). */
  name: A.Name;
  kind: SymbolKind;
  /** The cell that declares the name: the item is one it generated, or the cell itself. */
  cell: A.CellDecl | undefined;
  /** Not a conflict: the first declaration, or a state and its equation. */
  accepted: boolean;
  /** The name's kind when this declaration came; undefined for the first. */
  boundAs: SymbolKind | undefined;
  /**
   * What the checker made of it when it is accepted and its shape resolved (declarations.ts):
   * the parameter, input, target or state, found by a read through its binding's `principal`.
   */
  declared: ParamInfo | InputInfo | TargetInfo | StateInfo | undefined;
  /** The type a read of it has, set with `declared`. */
  type: ValueType | undefined;
}

export interface Binding {
  name: string;
  /** The first declaration's kind; a state when a state and its equation declare the name. */
  kind: SymbolKind;
  /** Where messages point for the name: its first declaration, or its state's. */
  declaredAt: A.Name;
  /** That declaration. */
  principal: Declaration;
  declarations: Declaration[];
  /** The cell whose expansion (or itself) declared the name first. */
  cell: A.CellDecl | undefined;
  /** Whether an equation that declares the name is marked `gate`. */
  gate: boolean;
}

export interface Conflict {
  declaration: Declaration;
  /** The name as it was bound when the conflicting declaration came. */
  existing: { kind: SymbolKind; name: A.Name };
}

export interface Bindings {
  symbols: Map<string, Binding>;
  /** In source order. */
  conflicts: Conflict[];
  /** The declaration each item makes, by the item's index (losses make none). */
  declarationOf: (Declaration | undefined)[];
}

/** What an item declares: its kind of name, if any. */
export function declaredKind(item: A.Item): SymbolKind | undefined {
  switch (item.kind) {
    case "loss":
      return undefined;
    case "equation":
    case "cell":
      return "quantity";
    default:
      return item.kind;
  }
}

/**
 * Binds the items of a model, cells expanded (`generatedBy`, when given, says which cell made an item).
 * An item the parser had to repair binds its name if it is new, so uses of it raise no
 * errors, but never conflicts: its name may be the parser's guess.
 */
export function bindNames(items: readonly A.Item[], generatedBy?: ReadonlyMap<A.Item, A.CellDecl>): Bindings {
  const symbols = new Map<string, Binding>();
  const conflicts: Conflict[] = [];
  const declarationOf: (Declaration | undefined)[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const kind = declaredKind(item);
    declarationOf.push(undefined);
    if (kind === undefined || item.kind === "loss") continue;
    // (Without cells' items, no look-up: hashing every item into a map cost more than binding it.)
    const cell = item.kind === "cell" ? item : generatedBy?.get(item);
    const existing = symbols.get(item.name.text);
    const gate = item.kind === "equation" && item.gate;
    if (!existing) {
      // (Every declaration and binding has all its fields, so there are many of one shape.)
      const declaration: Declaration = {
        item,
        name: item.name,
        kind,
        cell,
        accepted: true,
        boundAs: undefined,
        declared: undefined,
        type: undefined,
      };
      declarationOf[index] = declaration;
      symbols.set(item.name.text, {
        name: item.name.text,
        kind,
        declaredAt: item.name,
        principal: declaration,
        declarations: [declaration],
        cell,
        gate,
      });
      continue;
    }
    const accepted = !item.recovered && isStateAndItsEquation(existing, kind);
    const declaration: Declaration = {
      item,
      name: item.name,
      kind,
      cell,
      accepted,
      boundAs: existing.kind,
      declared: undefined,
      type: undefined,
    };
    declarationOf[index] = declaration;
    if (!accepted && !item.recovered) conflicts.push({ declaration, existing: clashingWith(existing, kind) });
    existing.declarations.push(declaration);
    existing.gate ||= gate;
    if (accepted && kind === "state") {
      existing.kind = "state";
      existing.declaredAt = item.name;
      existing.principal = declaration;
    }
  }
  return { symbols, conflicts, declarationOf };
}

/** What a conflicting declaration clashes with: the accepted one of its own kind (a second equation, a second state), else the name as bound. */
function clashingWith(existing: Binding, kind: SymbolKind): Conflict["existing"] {
  const same = existing.declarations.find((d) => d.accepted && d.kind === kind);
  return same ? { kind, name: same.name } : { kind: existing.kind, name: existing.declaredAt };
}

/** A name so far declared once, as a state or by an equation, meeting the other one. */
function isStateAndItsEquation(existing: Binding, kind: SymbolKind): boolean {
  const accepted = existing.declarations.filter((d) => d.accepted);
  if (accepted.length !== 1) return false;
  const first = accepted[0]!.kind;
  return (first === "state" && kind === "quantity") || (first === "quantity" && kind === "state");
}
