/**
 * Vocabularies: the characters of a text corpus or the tokens of classification records,
 * each given an id (its index). Saved with a checkpoint, so evaluation and sampling read
 * new text with the ids training used; a character or token outside it is an error that
 * says where it is.
 */
import { DataError } from "../io/data-error.js";

export interface Vocabulary {
  kind: "chars" | "tokens";
  /** Entry i has id i. Characters are whole code points. */
  entries: string[];
}

export function charVocabulary(text: string): Vocabulary {
  return { kind: "chars", entries: [...new Set(Array.from(text))].sort(compareCodePoints) };
}

export function tokenVocabulary(tokens: Iterable<string>): Vocabulary {
  return { kind: "tokens", entries: [...new Set(tokens)].sort(compareCodePoints) };
}

export function vocabularyIndex(v: Vocabulary): Map<string, number> {
  return new Map(v.entries.map((e, i) => [e, i]));
}

/** Characters as ids; unknown characters are reported with line and column of their first use. */
export function encodeChars(text: string, v: Vocabulary, where = "the text"): Int32Array {
  const index = vocabularyIndex(v);
  const chars = Array.from(text);
  const ids = new Int32Array(chars.length);
  const unknown = new Map<string, { line: number; column: number; count: number }>();
  let line = 1;
  let column = 1;
  chars.forEach((c, i) => {
    const id = index.get(c);
    if (id === undefined) {
      const seen = unknown.get(c);
      if (seen) seen.count++;
      else unknown.set(c, { line, column, count: 1 });
    } else ids[i] = id;
    if (c === "\n") {
      line++;
      column = 1;
    } else column++;
  });
  if (unknown.size > 0) {
    const list = [...unknown]
      .slice(0, 8)
      .map(([c, u]) => `${showChar(c)} (line ${u.line}, column ${u.column}${u.count > 1 ? `, ${u.count} times` : ""})`);
    const more = unknown.size > 8 ? ` and ${unknown.size - 8} more` : "";
    throw new DataError(
      `${where} has ${unknown.size} character${unknown.size === 1 ? "" : "s"} outside the model's vocabulary of ${v.entries.length}: ${list.join(", ")}${more}`,
    );
  }
  return ids;
}

export function decodeChars(ids: ArrayLike<number>, v: Vocabulary): string {
  let s = "";
  for (let i = 0; i < ids.length; i++) s += v.entries[ids[i]!] ?? "\uFFFD";
  return s;
}

/** A character for a message: printable ones quoted, others by code point. */
export function showChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (c === "\n") return "'\\n' (U+000A)";
  if (c === "\t") return "'\\t' (U+0009)";
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return code < 0x20 || code === 0x7f ? hex : `'${c}' (${hex})`;
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
