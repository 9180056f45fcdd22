/**
 * What a weights file may carry beside its tensors, in its safetensors `__metadata__`: the
 * playground writes a language model's vocabulary there, so that `rnnc sample --weights FILE`
 * turns its ids back into characters without a checkpoint directory.
 */
import type { Vocabulary } from "../data/vocabulary.js";
import { DataError, jsonErrorText } from "./data-error.js";

export const VOCABULARY_METADATA = "rnnc.vocabulary";

/** The metadata entry that carries `vocabulary`. */
export function vocabularyMetadata(vocabulary: Vocabulary): Record<string, string> {
  return { [VOCABULARY_METADATA]: JSON.stringify(vocabulary) };
}

/** The vocabulary a file's metadata carries, undefined when it carries none; a malformed one is a DataError. */
export function vocabularyFromMetadata(metadata: Record<string, string> | undefined): Vocabulary | undefined {
  const text = metadata?.[VOCABULARY_METADATA];
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DataError(`its ${VOCABULARY_METADATA} is not valid JSON (${jsonErrorText(e)})`);
  }
  const candidate = v as Partial<Vocabulary> | null;
  const ids = (x: unknown) => x === undefined || (Number.isInteger(x) && (x as number) >= 0);
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    !["chars", "words", "tokens"].includes(candidate.kind as string) ||
    !Array.isArray(candidate.entries) ||
    !candidate.entries.every((e) => typeof e === "string") ||
    !ids(candidate.unknown) ||
    !ids(candidate.endOfLine)
  )
    throw new DataError(`its ${VOCABULARY_METADATA} is not a vocabulary ({"kind": "chars", "entries": [...]})`);
  return candidate as Vocabulary;
}
