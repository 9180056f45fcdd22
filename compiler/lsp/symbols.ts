/**
 * Document symbols (the outline): each model with its declarations, equations and losses;
 * a cell with the items it expands to as children.
 */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver";
import type * as A from "../../grammar/ast.js";
import { sizesText } from "../ops/shapes.js";
import { printArguments, printExpr } from "../format/print-expr.js";
import type { Analysis, FactsView } from "./analysis.js";
import type { ModelScope } from "./names.js";
import { rangeAt } from "../../grammar/source-range.js";

const detailLength = 60;

function shorten(text: string): string {
  return text.length > detailLength ? `${text.slice(0, detailLength - 1)}…` : text;
}

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const index = analysis.index;
  if (!index) return [];
  return index.scopes.map((scope) => modelSymbol(analysis, scope, scope.index === 0 ? analysis.facts : undefined));
}

function modelSymbol(analysis: Analysis, scope: ModelScope, facts: FactsView | undefined): DocumentSymbol {
  const model = scope.model;
  const children = model.items.map((item) => itemSymbol(analysis, scope, item, facts));
  return symbol(analysis, model.name.text, SymbolKind.Module, model.range, model.name.range, "model", children);
}

function itemSymbol(
  analysis: Analysis,
  scope: ModelScope,
  item: A.Item,
  facts: FactsView | undefined,
  generatedAt?: A.CellDecl,
): DocumentSymbol {
  const range = generatedAt?.range ?? item.range;
  const selection = generatedAt?.name.range ?? (item.kind === "loss" ? item.fn.range : item.name.range);
  switch (item.kind) {
    case "dim": {
      const d = facts?.dims.get(item.name.text);
      const written = printExpr(item.value);
      return symbol(
        analysis,
        item.name.text,
        SymbolKind.Constant,
        range,
        selection,
        d && String(d.value) !== written ? `= ${written} = ${d.value}` : `= ${written}`,
      );
    }
    case "input":
    case "target":
      return symbol(
        analysis,
        item.name.text,
        item.kind === "input" ? SymbolKind.Variable : SymbolKind.Event,
        range,
        selection,
        `${item.kind} ${item.type.kind?.text ?? ""}[${item.type.dims.map(printExpr).join(", ")}]`,
      );
    case "param": {
      const p = facts?.params.get(item.name.text);
      return symbol(
        analysis,
        item.name.text,
        SymbolKind.Field,
        range,
        selection,
        `param ${p ? sizesText(p.shape) : `[${item.shape.map(printExpr).join(", ")}]`}`,
      );
    }
    case "state":
      return symbol(
        analysis,
        item.name.text,
        SymbolKind.Variable,
        range,
        selection,
        `state [${item.shape.map(printExpr).join(", ")}] = ${item.init ? printExpr(item.init) : "zeros"}`,
      );
    case "equation":
      return symbol(
        analysis,
        item.name.text,
        SymbolKind.Function,
        range,
        selection,
        shorten(`${item.gate ? "gate " : ""}= ${printExpr(item.value)}`),
      );
    case "cell": {
      const children = (scope.expansions.get(item) ?? []).map((g) => itemSymbol(analysis, scope, g, facts, item));
      return symbol(
        analysis,
        item.name.text,
        SymbolKind.Class,
        range,
        selection,
        `cell ${item.cell.text}(${printArguments(item.args)})`,
        children,
      );
    }
    case "loss":
      return symbol(
        analysis,
        `loss ${item.fn.text}`,
        SymbolKind.Event,
        range,
        selection,
        `(${printArguments(item.args)}) at ${item.when.text}`,
      );
  }
}

function symbol(
  analysis: Analysis,
  name: string,
  kind: SymbolKind,
  range: A.Range,
  selection: A.Range,
  detail: string,
  children?: DocumentSymbol[],
): DocumentSymbol {
  // The outline needs the selection inside the range, which a recovered item may not give.
  const start = Math.min(range.startOffset, selection.startOffset);
  const end = Math.max(range.endOffset, selection.endOffset);
  return {
    name: name || "?",
    kind,
    detail,
    range: analysis.lines.toLsp(rangeAt(range, start, end)),
    selectionRange: analysis.lines.toLsp(selection),
    ...(children && children.length > 0 ? { children } : {}),
  };
}
