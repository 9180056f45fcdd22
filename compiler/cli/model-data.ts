/**
 * Model + data, for the commands that train or use a trained model (train, eval, sample,
 * analyze). A character model's one-hot and class dims come from its data: each is set to
 * the size the data needs unless given with `--dim` (or fixed by a checkpoint), and a
 * given value too small for the data is an error that says what the data needs.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { CheckedModel } from "../check/model.js";
import type { IrModel } from "../ir/ir.js";
import { parseDimOverrides } from "../check/dims.js";
import { dataFormatOf, dataNeeds, readData, type DataCodebook, type RawData } from "../../engine/data/load.js";
import type { Weights } from "../../engine/interpret/batch.js";
import type { PairModel } from "../../engine/translate.js";
import { DataError } from "../../engine/io/data-error.js";
import { namedRecord } from "../../runtime/records.js";
import { validateWeights } from "../../engine/io/weights-json.js";
import {
  CHECKPOINT_FILE,
  CheckpointError,
  loadCheckpoint,
  readCheckpointMeta,
  type CheckpointMeta,
} from "../../engine/train/checkpoint.js";
import { lowerModel, printDiagnostics, requireModel, type LoadedModel } from "./load.js";
import { UserError, type Output } from "./io.js";
import { checkFits, fitDims } from "../../engine/data/fit-dims.js";

export interface PreparedModel {
  loaded: LoadedModel;
  model: CheckedModel;
  ir: IrModel;
  /** Dims set from the command line, the data or a checkpoint. */
  overrides: Record<string, number>;
  /** "V = 41 (41 distinct characters in corpus.txt)" for each dim taken from the data. */
  notes: string[];
  codebook?: DataCodebook;
  sha256: string;
}

export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `--dim` specs as a record (errors are reported by the front end when the model loads). */
export function dimSpecsToRecord(specs: readonly string[]): Record<string, number> {
  return parseDimOverrides(specs, []);
}

/**
 * Loads and checks the model with the given dims, fitting the one-hot input and class target
 * to the data when there is data. `fixed` dims (from a checkpoint) are used as they are.
 */
export function prepareModel(
  file: string,
  dimSpecs: readonly string[],
  io: Output,
  options: { data?: RawData; saved?: DataCodebook; fixed?: Record<string, number> } = {},
): PreparedModel {
  const explicit = namedRecord([...Object.entries(options.fixed ?? {}), ...Object.entries(dimSpecsToRecord(dimSpecs))]);
  for (const [name, value] of Object.entries(options.fixed ?? {})) {
    const given = dimSpecsToRecord(dimSpecs)[name];
    if (given !== undefined && given !== value)
      throw new UserError(
        `--dim ${name}=${given} differs from the checkpoint, which was trained with ${name} = ${value}`,
      );
  }
  const specs = Object.entries(explicit).map(([k, v]) => `${k}=${v}`);
  let { loaded, model } = requireModel(file, specs, io, { deferWarnings: true });
  const overrides = namedRecord(Object.entries(explicit));
  const notes: string[] = [];
  let codebook: DataCodebook | undefined;
  if (options.data) {
    const { codebook: cb, needs } = dataNeeds(options.data, model, options.saved);
    codebook = cb;
    const inferred = asUserError(() =>
      fitDims(model, needs, new Set(Object.keys(explicit)), options.data!.path, notes),
    );
    if (Object.keys(inferred).length > 0) {
      Object.assign(overrides, inferred);
      ({ loaded, model } = withDataNotes(notes, () =>
        requireModel(
          file,
          Object.entries(overrides).map(([k, v]) => `${k}=${v}`),
          io,
          { deferWarnings: true },
        ),
      ));
      asUserError(() => checkFits(model, needs, explicit, options.data!.path));
    }
  }
  printDiagnostics(loaded, io);
  const ir = lowerModel(loaded, model, io, notes.length > 0 ? dataSizeHint(notes) : undefined);
  return { loaded, model, ir, overrides, notes, ...(codebook ? { codebook } : {}), sha256: sha256(loaded.text) };
}

/** What to do about parameters too large for memory when the data set their dims. */
function dataSizeHint(notes: string[]): string {
  return `the data set ${notes.join(", ")}: look for a stray label or id in the data, or keep the most frequent tokens with --vocab-size N`;
}

/** The data's own errors (a size it does not fit) as the command's. */
export function asUserError<T>(fit: () => T): T {
  try {
    return fit();
  } catch (e) {
    if (e instanceof DataError) throw new UserError(e.message);
    throw e;
  }
}

/** A model that does not check once dims are set from the data says which dims the data set, and why. */
function withDataNotes<T>(notes: string[], check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${e.message}, with dims set from the data: ${notes.join(", ")}`);
    throw e;
  }
}

/** Where `rnnc train FILE` keeps its run unless given --checkpoint: runs/<the file's name without its extension>. */
export function defaultRunDirectory(file: string): string {
  return join("runs", basename(file, extname(file)));
}

/** Whether `rnnc train FILE` has written a checkpoint where it keeps its run by default. */
export function hasDefaultCheckpoint(file: string): boolean {
  return existsSync(join(defaultRunDirectory(file), CHECKPOINT_FILE));
}

export interface TrainedModel {
  prepared: PreparedModel;
  meta: CheckpointMeta;
  weights: Weights;
  /** The checkpoint directory read. */
  dir: string;
  /** The data at `dataPath`, read as the checkpoint's was (a text as words for a word model). */
  raw?: RawData;
}

/**
 * A model file with the weights, dims and vocabulary of a checkpoint (for eval, sample,
 * analyze): the one in `given`, or by default the one `rnnc train` keeps for the file, and
 * the data at `dataPath` read as training read its data.
 */
export function loadTrained(
  file: string,
  given: string | undefined,
  dimSpecs: readonly string[],
  io: Output,
  dataPath?: string,
): TrainedModel {
  const dir = given ?? defaultRunDirectory(file);
  if (given === undefined && !hasDefaultCheckpoint(file))
    throw new UserError(
      `no checkpoint in ${dir}, where rnnc train ${file} keeps its run: train the model first, or give --checkpoint DIR`,
    );
  let meta: CheckpointMeta;
  let weights: Weights;
  try {
    meta = readCheckpointMeta(dir);
    weights = loadCheckpoint(dir).weights;
  } catch (e) {
    if (e instanceof CheckpointError) throw new UserError(e.message);
    throw e;
  }
  // A text or pair corpus is cut into words when the checkpoint's vocabulary is of words.
  const words = meta.data.codebook.vocabulary?.kind === "words";
  const cut = words && (dataFormatOf(dataPath ?? "") === "text" || meta.data.codebook.format === "pairs");
  const data = dataPath === undefined ? undefined : readData(dataPath, cut ? { tokens: "words" } : {});
  const prepared = prepareModel(file, dimSpecs, io, {
    ...(data ? { data } : {}),
    saved: meta.data.codebook,
    fixed: meta.model.overrides,
  });
  if (prepared.sha256 !== meta.model.sha256)
    io.err(
      `note: ${file} is not the model file the checkpoint was trained with (${meta.model.file}); using it since its parameters fit\n`,
    );
  try {
    validateWeights(prepared.ir, weights);
  } catch (e) {
    if (e instanceof DataError) throw new UserError(`the checkpoint in ${dir} does not fit ${file}: ${e.message}`);
    throw e;
  }
  return { prepared, meta, weights, dir, ...(data ? { raw: data } : {}) };
}

/** The model and vocabularies of a checkpoint trained on sentence pairs; any other is refused. */
export function pairModel({ prepared, meta, weights, dir }: TrainedModel): PairModel {
  const { codebook } = meta.data;
  if (codebook.format !== "pairs" || !codebook.vocabulary || !codebook.targetVocabulary)
    throw new UserError(
      `the checkpoint in ${dir} was not trained on sentence pairs (its data is ${codebook.format}), so it has no source and target vocabularies to translate with`,
    );
  const tokens = codebook.vocabulary.kind === "words" ? "words" : "chars";
  return {
    ir: prepared.ir,
    weights,
    vocabularies: { tokens, source: codebook.vocabulary, target: codebook.targetVocabulary },
  };
}
