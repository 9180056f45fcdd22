/**
 * `rnnc translate FILE [--checkpoint DIR] [--beam K] [--max-length N] [--input PATH]`: one
 * source a line (standard input by default) translated by an encoder-decoder trained on
 * sentence pairs, one output a line, each cut into tokens as the checkpoint's training cut its
 * pairs (characters or words, with its vocabularies). Every line is read and encoded before
 * anything is printed, so a bad line stops the run with nothing written.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { cutSide, sideEncoder, type PairVocabularies } from "../../../engine/data/pairs.js";
import { DataError } from "../../../engine/io/data-error.js";
import { describeFileError } from "../../../engine/io/file-error.js";
import { joinTokens, translateIds } from "../../../engine/translate.js";
import { readText, UserError, type Output } from "../io.js";
import { loadTrained, pairModel } from "../model-data.js";
import { collectDims } from "./options.js";
import { positiveInt } from "./train-options.js";

/** The longest output by default, in tokens: more than any sentence of a corpus of short pairs. */
export const DEFAULT_MAX_LENGTH = 100;

interface TranslateCommandOptions {
  checkpoint?: string;
  beam?: number;
  maxLength: number;
  input?: string;
  batch?: number;
  dim: string[];
}

export function registerTranslate(program: Command, io: Output): void {
  program
    .command("translate")
    .description("translate one source a line with an encoder-decoder trained on sentence pairs")
    .argument("<file>", ".rnn file")
    .option(
      "--checkpoint <dir>",
      "checkpoint directory written by rnnc train (default: runs/<model file name>, where rnnc train writes)",
    )
    .option(
      "--beam <k>",
      "beam search with K hypotheses (default: greedy, the most probable token at each step)",
      positiveInt,
    )
    .option("--max-length <n>", "the most tokens of an output", positiveInt, DEFAULT_MAX_LENGTH)
    .option("--input <path>", "the sources, one a line (default: standard input)")
    .option("--batch <n>", "sources decoded together", positiveInt)
    .option("--dim <NAME=VALUE>", "override a dim (must agree with the checkpoint)", collectDims, [])
    .action((file: string, opts: TranslateCommandOptions) => {
      const model = pairModel(loadTrained(file, opts.checkpoint, opts.dim, io));
      const text = opts.input === undefined ? standardInput() : readText(opts.input, "input");
      const sources = encodeSources(text, model.vocabularies, opts.input);
      const outputs = translateIds(model, sources, {
        maxLength: opts.maxLength,
        ...(opts.beam === undefined ? {} : { beam: opts.beam }),
        ...(opts.batch === undefined ? {} : { batch: opts.batch }),
      });
      io.out(outputs.map((tokens) => joinTokens(tokens, model.vocabularies.tokens) + "\n").join(""));
    });
}

function standardInput(): string {
  try {
    return readFileSync(0, "utf8");
  } catch (e) {
    throw new UserError(`cannot read standard input: ${describeFileError(e)}`);
  }
}

/** Each line's ids; an empty line or a token outside the source vocabulary is an error at its line. */
function encodeSources(text: string, vocabularies: PairVocabularies, path: string | undefined): Int32Array[] {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.at(-1) === "") lines.pop();
  const encode = sideEncoder(vocabularies, "source");
  return lines.map((line, i) => {
    const where = path === undefined ? `standard input:${i + 1}` : `${path}:${i + 1}`;
    // A line of white space only is empty too: a pair corpus has no such source.
    if (line.trim() === "") throw new UserError(`${where}: the line is empty: each line is a source to translate`);
    try {
      return encode(cutSide(line, vocabularies.tokens), where);
    } catch (e) {
      if (e instanceof DataError) throw new UserError(e.message);
      throw e;
    }
  });
}
