/**
 * Colours for `.rnn` text: comments, numbers, the reserved words and names as the grammar
 * defines them (grammar/tokens.ts), read a line at a time. The language server's diagnostics
 * and hover carry the meaning; this is only for the eye.
 */
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { identifierPattern, reservedWords } from "../../grammar/tokens.js";

const reserved = new Set(reservedWords);
const name = new RegExp(`^(?:${identifierPattern.source})`, "u");

const rnn = StreamLanguage.define<null>({
  name: "rnn",
  token(stream) {
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match(/^\d+(\.\d*)?([eE][-+]?\d+)?/)) return "number";
    const word = stream.match(name) as RegExpMatchArray | null;
    if (word) return reserved.has(word[0]) ? "keyword" : "variableName";
    stream.next();
    return null;
  },
});

const style = HighlightStyle.define([
  { tag: tags.comment, color: "#6a737d", fontStyle: "italic" },
  { tag: tags.keyword, color: "#8250df", fontWeight: "600" },
  { tag: tags.number, color: "#0550ae" },
]);

export const rnnHighlighting = [rnn, syntaxHighlighting(style)];
