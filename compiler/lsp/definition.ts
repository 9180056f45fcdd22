/**
 * Go to definition: a name's declarations. A state has two (its `state` line and its
 * equation); a name a cell generates (`h.W_i`, `h.c`) is declared by the cell's name.
 */
import type { Location } from "vscode-languageserver";
import type { Analysis } from "./analysis.js";
import { symbolOf } from "./names.js";

export function definition(analysis: Analysis, uri: string, offset: number): Location[] | null {
  const o = analysis.index?.at(offset, true);
  if (!o) return null;
  if (o.kind === "model") return [{ uri, range: analysis.lines.toLsp(o.scope.model.name.range) }];
  const symbol = symbolOf(o);
  if (!symbol) return null;
  return symbol.declarations.map((n) => ({ uri, range: analysis.lines.toLsp(n.range) }));
}
