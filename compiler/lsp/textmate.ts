/**
 * The TextMate grammar that highlights `.rnn` files in VS Code (and any editor that reads
 * TextMate grammars). Its word lists are the compiler's own: the reserved words of
 * grammar/tokens.ts, the functions and losses of the op registry, the cell kinds, the
 * initialisers and the argument names the language server explains. editors/vscode/build.mjs
 * writes it as the extension's syntaxes/rnn.tmLanguage.json, so a word added to the language
 * is highlighted without a second list to keep.
 *
 * The patterns are Oniguruma regular expressions (what VS Code runs) written in the subset
 * that JavaScript's `u` flag reads the same way, so the tests can run them too.
 */
import { operatorSpellings, reservedWords } from "../../grammar/tokens.js";
import { functionSpellings } from "../../grammar/notation.js";
import { callNames, lossNames, reductions } from "../ops/registry.js";
import { cellDefinitions } from "../expand/cells.js";
import { cellArgumentDocs, initialiserDocs, initialiserSignatures, lossArgumentDocs } from "./describe.js";

/** A rule of a TextMate grammar (the part of the format this grammar uses). */
export interface TextMateRule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  captures?: Record<string, { name: string }>;
  patterns?: TextMateRule[];
}

export interface TextMateGrammar {
  $schema: string;
  name: string;
  scopeName: string;
  fileTypes: string[];
  patterns: TextMateRule[];
  repository: Record<string, TextMateRule>;
}

/** The words that open a declaration, besides `model` and `loss`, which have rules of their own. */
export const declarationKeywords = reservedWords.filter((w) => w !== "model" && w !== "loss" && w !== "at");
/** Every name a function is called by, the lecture's spellings (`σ`) included. */
export const functionNames = [...callNames(), ...Object.keys(functionSpellings)];
export const cellKinds = Object.keys(cellDefinitions);
export const initialiserNames = Object.keys(initialiserDocs);
/** The names of named arguments: of cells, of losses and of the initialisers that take arguments. */
export const argumentNames = [
  ...new Set([
    ...Object.keys(cellArgumentDocs),
    ...Object.keys(lossArgumentDocs),
    ...initialiserNames.flatMap((i) =>
      initialiserSignatures(i).flatMap((s) => s.parameters.map((p) => p.name ?? p.label)),
    ),
  ]),
];
/** The words that mean something by their place: a type's kind, when a loss scores. */
export const typeWords = ["onehot", "class"];
export const whenWords = ["last", "each"];

// A name as the lexer reads it (grammar/tokens.ts), in the Unicode classes both Oniguruma and
// JavaScript know: letters and `_` to start, then letters, marks, digits and `_`.
const nameStart = "[\\p{L}_]";
const namePart = `${nameStart}[\\p{L}\\p{M}\\p{N}_]*`;
const dottedName = `${namePart}(?:\\.${namePart})*`;

/**
 * One of `words` as a whole word: not inside a longer name, nor after a dot (`h.init` is a
 * name a cell generates, not the initialiser). `\b` would not do: `σ` has no word boundary in
 * every engine.
 */
function anyWord(words: readonly string[]): string {
  const longestFirst = [...words].sort((a, b) => b.length - a.length);
  return `(?<![\\p{L}\\p{M}\\p{N}_.])(?:${longestFirst.map(escape).join("|")})(?![\\p{L}\\p{M}\\p{N}_])`;
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A character class of the operator `op` and the lecture's spellings of it (`·` for `@`). */
function operator(op: "@" | "*", others = ""): string {
  const spellings = Object.keys(operatorSpellings).filter((c) => operatorSpellings[c] === op);
  return `[${escape(op)}${spellings.join("")}${others}]`;
}

function captures(...names: string[]): Record<string, { name: string }> {
  return Object.fromEntries(names.map((name, i) => [String(i + 1), { name }]));
}

export function textMateGrammar(): TextMateGrammar {
  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "RNN",
    scopeName: "source.rnn",
    fileTypes: ["rnn"],
    patterns: [{ include: "#comments" }, { include: "#model" }, { include: "#body" }],
    repository: {
      comments: {
        patterns: [
          { name: "comment.line.double-slash.rnn", match: "//.*$" },
          { name: "comment.block.rnn", begin: "/\\*", end: "\\*/" },
        ],
      },
      model: {
        match: `(${anyWord(["model"])})\\s+(${namePart})`,
        captures: captures("keyword.declaration.model.rnn", "entity.name.type.model.rnn"),
      },
      body: {
        patterns: [
          { include: "#comments" },
          { include: "#declaration" },
          { include: "#loss" },
          { include: "#equation" },
          { include: "#expression" },
        ],
      },
      declaration: {
        match: `(${anyWord(declarationKeywords)})\\s+(${dottedName})`,
        captures: captures("keyword.declaration.rnn", "variable.other.declaration.rnn"),
      },
      loss: {
        match: `(${anyWord(["loss"])})\\s+(${namePart})`,
        captures: captures("keyword.declaration.loss.rnn", "support.function.loss.rnn"),
      },
      equation: {
        match: `^\\s*(${dottedName})\\s*(?=(?:\\[\\s*t\\s*\\])?\\s*=(?!=))`,
        captures: captures("variable.other.definition.rnn"),
      },
      expression: {
        patterns: [
          { include: "#delay" },
          { name: "keyword.other.at.rnn", match: anyWord(["at"]) },
          { name: "constant.language.when.rnn", match: anyWord(whenWords) },
          { name: "support.function.builtin.rnn", match: `${anyWord(functionNames)}(?=\\s*\\()` },
          { name: "support.function.loss.rnn", match: anyWord(lossNames()) },
          { name: "support.class.cell.rnn", match: `${anyWord(cellKinds)}(?=\\s*\\()` },
          { name: "support.constant.initialiser.rnn", match: anyWord(initialiserNames) },
          { name: "storage.modifier.type.rnn", match: `${anyWord(typeWords)}(?=\\s*\\[)` },
          {
            match: `(${anyWord(argumentNames)})\\s*(=)(?!=)`,
            captures: captures("variable.parameter.rnn", "keyword.operator.assignment.rnn"),
          },
          { name: "constant.language.reduction.rnn", match: anyWord(reductions) },
          {
            name: "constant.numeric.rnn",
            match: "(?<![\\p{L}\\p{M}\\p{N}_.])(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?",
          },
          { name: "keyword.operator.matmul.rnn", match: operator("@") },
          { name: "keyword.operator.arithmetic.rnn", match: operator("*", "/+\\-") },
          { name: "keyword.operator.assignment.rnn", match: "=" },
          { name: "punctuation.separator.type.rnn", match: ":" },
          { name: "punctuation.separator.comma.rnn", match: "," },
          { name: "variable.other.rnn", match: dottedName },
        ],
      },
      delay: {
        match: "(?<=[\\p{L}\\p{M}\\p{N}_])(\\[)\\s*(t)\\s*(?:([-+])\\s*(\\d+))?\\s*(\\])",
        captures: captures(
          "punctuation.section.delay.begin.rnn",
          "variable.language.step.rnn",
          "keyword.operator.delay.rnn",
          "constant.numeric.delay.rnn",
          "punctuation.section.delay.end.rnn",
        ),
      },
    },
  };
}
