/**
 * Model + data, for the commands that train or use a trained model (train, eval, sample,
 * analyze). A character model's one-hot and class dims come from its data: each is set to
 * the size the data needs unless given with `--dim` (or fixed by a checkpoint), and a
 * given value too small for the data is an error that says what the data needs.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { CheckedModel, Size } from "../check/model.js";
import type { IrModel } from "../ir/ir.js";
import { parseDimOverrides } from "../check/dims.js";
import {
  dataFormatOf,
  dataNeeds,
  readData,
  type DataCodebook,
  type DataNeeds,
  type RawData,
} from "../../engine/data/load.js";
import type { Weights } from "../../engine/interpret/batch.js";
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
import { lowerModel, requireModel, type LoadedModel } from "./load.js";
import { UserError, type Output } from "./io.js";
import { MAX_ID_COUNT } from "../check/limits.js";
import { count } from "../../engine/memory.js";

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
  let { loaded, model } = requireModel(file, specs, io);
  const overrides = namedRecord(Object.entries(explicit));
  const notes: string[] = [];
  let codebook: DataCodebook | undefined;
  if (options.data) {
    const { codebook: cb, needs } = dataNeeds(options.data, model, options.saved);
    codebook = cb;
    const inferred = fitDims(model, needs, new Set(Object.keys(explicit)), options.data.path, notes);
    if (Object.keys(inferred).length > 0) {
      Object.assign(overrides, inferred);
      ({ loaded, model } = withDataNotes(notes, () =>
        requireModel(
          file,
          Object.entries(overrides).map(([k, v]) => `${k}=${v}`),
          io,
        ),
      ));
      checkFits(model, needs, explicit, options.data.path);
    }
  }
  const ir = lowerModel(loaded, model, io, notes.length > 0 ? dataSizeHint(notes) : undefined);
  return { loaded, model, ir, overrides, notes, ...(codebook ? { codebook } : {}), sha256: sha256(loaded.text) };
}

/** What to do about parameters too large for memory when the data set their dims. */
function dataSizeHint(notes: string[]): string {
  return `the data set ${notes.join(", ")}: look for a stray label or id in the data, or keep the most frequent tokens with --vocab-size N`;
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

/** A size of the model the data fixes: the one-hot input's (at least), a class target's (at least), a real target's (exactly). */
interface SizeNeed {
  declared: string;
  size: Size;
  need: number;
  what: string;
  exact: boolean;
}

function sizeNeeds(model: CheckedModel, needs: DataNeeds): SizeNeed[] {
  if (!needs.roles) return [];
  const input = model.inputs.find((i) => i.name === needs.roles!.input)!;
  const target = model.targets.find((t) => t.name === needs.roles!.target.name)!;
  const out: SizeNeed[] = [
    {
      declared: `input ${input.name} : onehot[${input.size.symbol}]`,
      size: input.size,
      need: needs.tokens!,
      what: needs.tokensWhat!,
      exact: false,
    },
  ];
  if (needs.classes !== undefined)
    out.push({
      declared: `target ${target.name} : class[${target.size.symbol}]`,
      size: target.size,
      need: needs.classes,
      what: needs.classesWhat!,
      exact: false,
    });
  if (needs.width !== undefined)
    out.push({
      declared: `target ${target.name} : [${target.size.symbol}]`,
      size: target.size,
      need: needs.width,
      what: needs.widthWhat!,
      exact: true,
    });
  return out;
}

/** Dims to set from the data: the one-hot input's and the target's, when each is a plain dim not given explicitly. */
function fitDims(
  model: CheckedModel,
  needs: DataNeeds,
  explicit: Set<string>,
  dataPath: string,
  notes: string[],
): Record<string, number> {
  const out = namedRecord<number>();
  const dims = new Set(model.dims.map((d) => d.name));
  for (const w of sizeNeeds(model, needs)) {
    const symbol = w.size.symbol;
    // Ids are 32-bit (E207): a label or token id past that is refused here, where the data can be named.
    if (!w.exact && w.need > MAX_ID_COUNT)
      throw new UserError(
        `the data in ${dataPath} needs ${symbol} = ${count(w.need)} (${w.what}), more than 32-bit ids can number (${count(MAX_ID_COUNT)})`,
      );
    if (!dims.has(symbol) || explicit.has(symbol)) continue;
    const value = Math.max(w.need, out[symbol] ?? 0);
    if (out[symbol] === undefined)
      notes.push(`${symbol} = ${value} (${w.what} in ${dataPath}; the file says ${w.size.value})`);
    out[symbol] = value;
  }
  checkFits(model, needs, Object.fromEntries([...explicit].map((k) => [k, 0])), dataPath, out);
  return out;
}

/** Errors for a size that does not fit the data (and is not being set from it). */
function checkFits(
  model: CheckedModel,
  needs: DataNeeds,
  explicit: Record<string, number>,
  dataPath: string,
  settingNow: Record<string, number> = {},
): void {
  for (const w of sizeNeeds(model, needs)) {
    const { symbol, value } = w.size;
    if (settingNow[symbol] !== undefined || (w.exact ? value === w.need : value >= w.need)) continue;
    const given = Object.hasOwn(explicit, symbol);
    const how = given
      ? `--dim ${symbol}=${value} is ${value < w.need ? "too small" : "too large"}`
      : `${w.declared} is ${value}`;
    const fix =
      given || model.dims.some((d) => d.name === symbol)
        ? `give --dim ${symbol}=${w.need}${w.exact ? "" : " or more"}${given ? ", or leave the dim out to take it from the data" : ""}`
        : `declare its size as ${w.need}`;
    throw new UserError(
      `${how}: the data in ${dataPath} needs ${w.exact ? "exactly " : ""}${w.need} (${w.what}); ${fix}`,
    );
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
  const words = meta.data.codebook.vocabulary?.kind === "words";
  const data =
    dataPath === undefined
      ? undefined
      : readData(dataPath, words && dataFormatOf(dataPath) === "text" ? { tokens: "words" } : {});
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
