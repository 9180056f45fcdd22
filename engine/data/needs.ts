/**
 * What a data set needs of a model's sizes (its vocabulary, its labels, its vectors), and how
 * it counted them, for the messages that set or check the dims (fit-dims.ts). Free of file
 * access, so that the playground computes it too.
 */
import type { DataRoles } from "./roles.js";
import type { Vocabulary } from "./vocabulary.js";

export interface DataNeeds {
  roles?: DataRoles;
  tokens?: number;
  classes?: number;
  width?: number;
  /** How the need was counted, for messages ("41 distinct characters"). */
  tokensWhat?: string;
  classesWhat?: string;
  widthWhat?: string;
}

/**
 * What a vocabulary holds, for messages: "41 distinct characters", "1,002 tokens (the 1,000
 * most frequent of 4,211 words, <eos> and <unk>)". `distinct` is how many the data has.
 */
export function describeVocabulary(v: Vocabulary, distinct?: number): string {
  const n = v.entries.length.toLocaleString("en-US");
  const own = v.entries.length - (v.unknown === undefined ? 0 : 1) - (v.endOfLine === undefined ? 0 : 1);
  const noun = v.kind === "chars" ? "characters" : v.kind === "words" ? "words" : "tokens";
  if (v.unknown === undefined) return `${n} distinct ${noun}`;
  const specials = v.endOfLine === undefined ? "<unk>" : "<eos> and <unk>";
  const ownDistinct = distinct === undefined ? undefined : distinct - (v.endOfLine === undefined ? 0 : 1);
  const which =
    ownDistinct !== undefined && ownDistinct > own
      ? `the ${own.toLocaleString("en-US")} most frequent of ${ownDistinct.toLocaleString("en-US")} ${noun}`
      : `${own.toLocaleString("en-US")} ${noun}`;
  return `${n} ${v.kind === "chars" ? "characters" : "tokens"} (${which}, ${specials})`;
}

/** What a text of this vocabulary needs of a language model: an input and a class per token (`distinct`: tokens before a cap). */
export function textNeeds(vocabulary: Vocabulary, roles: DataRoles, distinct?: number): DataNeeds {
  const n = vocabulary.entries.length;
  const what = describeVocabulary(vocabulary, distinct);
  return { roles, tokens: n, classes: n, tokensWhat: what, classesWhat: what };
}
