/** Find references: every place a name is declared (if asked) and read, in source order. */
import type { Location } from "vscode-languageserver";
import type * as A from "../../grammar/ast.js";
import type { Analysis } from "./analysis.js";
import { symbolOf } from "./names.js";

export function references(
  analysis: Analysis,
  uri: string,
  offset: number,
  includeDeclaration: boolean,
): Location[] | null {
  const index = analysis.index;
  const o = index?.at(offset, true);
  if (!index || !o) return null;
  const ranges: A.Range[] = [];
  if (o.kind === "model") {
    ranges.push(o.scope.model.name.range);
  } else {
    const symbol = symbolOf(o);
    if (!symbol) return null;
    if (includeDeclaration) ranges.push(...symbol.declarations.map((n) => n.range));
    for (const x of index.occurrencesOf(symbol)) if (!x.declaration) ranges.push(x.range);
  }
  const seen = new Set<number>();
  return ranges
    .filter((r) => !seen.has(r.startOffset) && seen.add(r.startOffset))
    .sort((a, b) => a.startOffset - b.startOffset)
    .map((r) => ({ uri, range: analysis.lines.toLsp(r) }));
}
