/**
 * The checks of what a generated module's calls are given (docs/generated-modules.md), run
 * once per call before anything is computed: an array too short would be read as NaN, a
 * class id out of range would score the wrong row or none, and an array of another type
 * would be converted without a word (1.7 to 1 in an Int32Array, or read as NaN).
 *
 * Each message names the argument and what it should hold. A TypeError says a value is of
 * the wrong kind, missing, unknown, shares memory it must not, or comes in the wrong order; a
 * RangeError that a number or a length is out of range. The passing path reads each array
 * once and builds no message.
 */
import { ownValue } from "../records.js";
import type { CarriedLayout, InputLayout, MaskLayout, ModuleLayout, ParameterLayout, TargetLayout } from "./layout.js";
import type { ModuleDtype } from "./memory.js";

type ArrayType = Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor;

/** What an array of the call must be: its type, and its length exactly or at least. */
interface ArrayRule {
  readonly name: string;
  /** How messages name it, e.g. `input 'x' [T][B]`. */
  readonly label: string;
  readonly type: ArrayType;
  /** The type in words, e.g. "an Int32Array of token ids". */
  readonly expected: string;
}

type ParameterRole = "params" | "grads";

interface BatchLike {
  /** A model of one sequence: its steps (else each sequence's, in `sequences`). */
  readonly T?: number;
  readonly B: number;
  readonly sequences?: Readonly<Record<string, SequenceLike>>;
  readonly inputs: object;
  readonly targets?: object;
  readonly masks?: object;
  readonly lengths?: Int32Array;
}

interface SequenceLike {
  readonly T: number;
  readonly lengths?: Int32Array;
}

/** The steps of each sequence of a checked batch, by name ("" for the one of a model of one sequence). */
interface Extent {
  readonly T: number;
  readonly lengths: Int32Array | undefined;
}
type Extents = ReadonlyMap<string, Extent>;

interface StateLike {
  readonly B: number;
  readonly fresh: boolean;
  readonly values: object;
}

/** A value in a message: its kind, never its contents, which may not even convert to a string. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) {
    const type = Object.prototype.toString.call(value).slice(8, -1);
    const length = (value as { length?: unknown }).length;
    return typeof length === "number" ? `${article(type)} ${type} of ${length} numbers` : `${article(type)} ${type}`;
  }
  if (Array.isArray(value)) return `an Array of ${value.length} elements`;
  switch (typeof value) {
    case "number":
    case "bigint":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return "an object of another kind";
  }
}

/** The float array type of a module of this dtype. */
export function floatType(dtype: ModuleDtype): Float64ArrayConstructor | Float32ArrayConstructor {
  return dtype === "f32" ? Float32Array : Float64Array;
}

/** The float array type of a module in words: "a Float64Array (the module's dtype is f64)". */
export function floatWords(dtype: ModuleDtype): string {
  return `a ${floatType(dtype).name} (the module's dtype is ${dtype})`;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? "an" : "a";
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/** Throws unless `value` is an object: `what` names the argument, `shape` what it should hold. */
export function checkObject(value: unknown, what: string, shape: string): asserts value is object {
  if (!isObject(value)) throw new TypeError(`${what} must be ${shape}, not ${describeValue(value)}`);
}

/** Throws unless `value` is a whole number ≥ 1: a TypeError naming `what` for no number at all, else `outOfRange`'s RangeError. */
export function checkWholeNumber(
  value: unknown,
  what: string,
  outOfRange: (n: number) => string,
): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${what} must be a number, not ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(outOfRange(value));
}

/**
 * The parameter sets createParameters made, with the parameters they were made for. Such a set is frozen: its names
 * and arrays are those it was made with, views in order over one buffer of the module's float type. Only that
 * buffer can change under it (detached, or a resizable buffer shrunk), which leaves its last view out of bounds, of
 * length 0. So a call given one checks that view alone, where another object costs a check per parameter and a
 * search for unknown names (a for-in over the parameters, about 1.4 µs for 12 of them).
 */
const parameterSets = new WeakMap<object, ParameterLayout>();

/** Records that `views` (frozen) holds exactly the parameters of `parameters`. */
export function markParameterSet(views: object, parameters: ParameterLayout): void {
  parameterSets.set(views, parameters);
}

const shapeOf = (dims: readonly (string | number)[]) => dims.map((d) => `[${d}]`).join("");
/** The steps of an array's sequence, as messages name them: T, or `T of s` in a model of several sequences. */
const stepsOf = (sequence: string | undefined) => (sequence === undefined ? "T" : `T of ${sequence}`);
const quoteName = (name: string) => `'${name}'`;

export class ArgumentChecks {
  private readonly parameterRules: readonly (ArrayRule & { readonly size: number })[];
  private readonly parameterNames: ReadonlySet<string>;
  private readonly inputRules: readonly (ArrayRule & { readonly layout: InputLayout })[];
  private readonly inputNames: ReadonlySet<string>;
  private readonly targetRules: readonly (ArrayRule & { readonly layout: TargetLayout })[];
  private readonly targetNames: ReadonlySet<string>;
  private readonly maskRules: readonly (ArrayRule & { readonly layout: MaskLayout })[];
  private readonly maskNames: ReadonlySet<string>;
  private readonly carriedRules: readonly (ArrayRule & { readonly layout: CarriedLayout })[];
  private readonly carriedNames: ReadonlySet<string>;

  constructor(private readonly layout: ModuleLayout) {
    const floats = { type: floatType(layout.dtype), expected: floatWords(layout.dtype) };
    const ids = (of: string) => ({ type: Int32Array, expected: `an Int32Array of ${of}` });
    const { shapes } = layout.parameters;
    this.parameterRules = Object.keys(shapes).map((name) => ({
      name,
      label: `parameter ${quoteName(name)} [${shapes[name]!.join(", ")}]`,
      size: shapes[name]!.reduce((a, b) => a * b, 1),
      ...floats,
    }));
    this.inputRules = layout.inputs.map((i) => ({
      name: i.name,
      label: `input ${quoteName(i.name)} ${shapeOf(i.encoding === "onehot" ? [stepsOf(i.sequence), "B"] : [stepsOf(i.sequence), "B", i.size])}`,
      layout: i,
      ...(i.encoding === "onehot" ? ids("token ids") : floats),
    }));
    this.targetRules = layout.targets.map((t) => {
      const rows = t.at === "each" ? [stepsOf(t.sequence), "B"] : ["B"];
      return {
        name: t.name,
        label: `target ${quoteName(t.name)} ${shapeOf(t.kind === "class" ? rows : [...rows, t.size])}`,
        layout: t,
        ...(t.kind === "class" ? ids("class ids") : floats),
      };
    });
    this.maskRules = (layout.masks ?? []).map((m) => ({
      name: m.name,
      label: `mask ${quoteName(m.name)} ${shapeOf([stepsOf(m.sequence), "B", m.size])}`,
      layout: m,
      ...floats,
    }));
    this.carriedRules = layout.carried.map((c) => ({
      name: c.name,
      label: `state value ${quoteName(c.name)} ${shapeOf([c.steps, "B", c.size])}`,
      layout: c,
      ...(c.encoding === "onehot" ? ids("token ids") : floats),
    }));
    this.parameterNames = new Set(this.parameterRules.map((r) => r.name));
    this.inputNames = new Set(this.inputRules.map((r) => r.name));
    this.targetNames = new Set(this.targetRules.map((r) => r.name));
    this.maskNames = new Set(this.maskRules.map((r) => r.name));
    this.carriedNames = new Set(this.carriedRules.map((r) => r.name));
  }

  /** Every parameter of the model, each an array of its shape's size, and no other name. */
  parameters(params: unknown, role: ParameterRole): void {
    checkObject(params, role, "an object of arrays by parameter name (as createParameters makes)");
    const record = params as Readonly<Record<string, unknown>>;
    const made = parameterSets.get(record) === this.layout.parameters;
    const last = this.parameterRules[this.parameterRules.length - 1];
    if (made && (last === undefined || (record[last.name] as ArrayLike<number>).length === last.size)) return;
    for (const rule of this.parameterRules) {
      const array = record[rule.name];
      if (!(array instanceof rule.type && array.length === rule.size))
        arrayFailure(ownValue(record, rule.name), rule, `${role}: ${rule.label}`, rule.size, true);
    }
    if (!made) checkNames(record, this.parameterNames, role, "parameter");
  }

  /** T and B, every input, `lengths` and the targets (needed with `targetsNeeded`, checked whenever given). */
  batch(batch: unknown, targetsNeeded: boolean): asserts batch is BatchLike {
    const extents = this.extents(batch);
    const { B, inputs, targets, masks } = batch as Partial<Record<keyof BatchLike, unknown>> & { B: number };
    const extent = (sequence: string | undefined) => extents.get(sequence ?? "")!;
    checkObject(inputs, "batch.inputs", "an object of arrays by input name");
    const inputRecord = inputs as Readonly<Record<string, unknown>>;
    for (const rule of this.inputRules) {
      const { encoding, size, sequence } = rule.layout;
      const { T } = extent(sequence);
      const length = encoding === "onehot" ? T * B : T * B * size;
      const array = inputRecord[rule.name];
      if (!(array instanceof rule.type && array.length >= length))
        arrayFailure(ownValue(inputRecord, rule.name), rule, rule.label, length, false);
      if (encoding === "onehot") checkTokenIds(array as Int32Array, size, T, B, rule.name);
    }
    checkNames(inputRecord, this.inputNames, "batch.inputs", "input");
    if (masks !== undefined) this.masks(masks, extent, B);
    if (targets === undefined) {
      if (targetsNeeded) throw new TypeError("lossAndGrad needs batch.targets");
    } else this.targets(targets, extent, B);
  }

  /** The longest sequence of a checked batch: the workspace holds that many steps of every one. */
  longest(batch: BatchLike): number {
    return batch.sequences ? Math.max(...Object.values(batch.sequences).map((s) => s.T)) : batch.T!;
  }

  /** B, and the steps and lengths of each sequence: `batch.T` and `batch.lengths`, or each of `batch.sequences`. */
  private extents(batch: unknown): Extents {
    const several = this.layout.sequences;
    const fields = several
      ? `B, sequences, inputs, targets?${this.maskRules.length > 0 ? ", masks?" : ""}`
      : `T, B, inputs, targets?, ${this.maskRules.length > 0 ? "masks?, " : ""}lengths?`;
    checkObject(batch, "batch", `an object { ${fields} }`);
    const { T, B, lengths, sequences } = batch as Partial<Record<keyof BatchLike | "lengths", unknown>>;
    if (several) {
      if (typeof B !== "number") throw new TypeError(`batch.B must be a number, not ${describeValue(B)}`);
      if (!Number.isInteger(B) || B < 1) throw new RangeError(`a batch needs B ≥ 1, not B = ${B}`);
      const shape = `an object { ${several.map((n) => `${n}: { T, lengths? }`).join(", ")} }`;
      checkObject(sequences, "batch.sequences", shape);
      const record = sequences as Readonly<Record<string, unknown>>;
      checkNames(record, new Set(several), "batch.sequences", "sequence");
      return new Map(
        several.map((name) => {
          const what = `batch.sequences[${quoteName(name)}]`;
          const steps = ownValue(record, name);
          checkObject(steps, what, "an object { T, lengths? }");
          const { T: n, lengths: l } = steps as Partial<Record<keyof SequenceLike, unknown>>;
          if (typeof n !== "number") throw new TypeError(`${what}.T must be a number, not ${describeValue(n)}`);
          if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} needs T ≥ 1, not T = ${n}`);
          if (l !== undefined) checkLengths(l, n, B, `${what}.lengths`);
          return [name, { T: n, lengths: l as Int32Array | undefined }];
        }),
      );
    }
    if (typeof T !== "number" || typeof B !== "number")
      throw new TypeError(`batch.T and batch.B must be numbers, not ${describeValue(T)} and ${describeValue(B)}`);
    if (!Number.isInteger(T) || T < 1 || !Number.isInteger(B) || B < 1)
      throw new RangeError(`a batch needs T ≥ 1 and B ≥ 1, not T = ${T}, B = ${B}`);
    const unrolled = this.layout.unrollSteps;
    if (unrolled !== undefined && T !== unrolled)
      throw new RangeError(
        `this module is unrolled for batches of T = ${unrolled} steps (rnnc compile --unroll ${unrolled}), not T = ${T}`,
      );
    if (lengths !== undefined) checkLengths(lengths, T, B, "batch.lengths");
    return new Map([["", { T, lengths: lengths as Int32Array | undefined }]]);
  }

  private targets(targets: unknown, extent: (sequence: string | undefined) => Extent, B: number): void {
    checkObject(targets, "batch.targets", "an object of arrays by target name");
    const record = targets as Readonly<Record<string, unknown>>;
    for (const rule of this.targetRules) {
      const { kind, size, at, scored, sequence } = rule.layout;
      const array = record[rule.name];
      // An unscored target is never read: only its type is checked, when it is given.
      if (!scored) {
        if (array !== undefined && !(array instanceof rule.type)) arrayFailure(array, rule, rule.label, 0, false);
        continue;
      }
      const { T, lengths } = extent(sequence);
      const length = (at === "each" ? T * B : B) * (kind === "class" ? 1 : size);
      if (!(array instanceof rule.type && array.length >= length))
        arrayFailure(ownValue(record, rule.name), rule, rule.label, length, false);
      if (kind === "class") checkClassIds(array as Int32Array, size, T, B, lengths, at === "each", rule.name);
    }
    checkNames(record, this.targetNames, "batch.targets", "target");
  }

  /** Every mask of the model, [T][B][size], and no other name: masks are given all together, or not at all. */
  private masks(masks: unknown, extent: (sequence: string | undefined) => Extent, B: number): void {
    checkObject(masks, "batch.masks", "an object of arrays by mask name");
    const record = masks as Readonly<Record<string, unknown>>;
    for (const rule of this.maskRules) {
      const length = extent(rule.layout.sequence).T * B * rule.layout.size;
      const array = record[rule.name];
      if (!(array instanceof rule.type && array.length >= length))
        arrayFailure(ownValue(record, rule.name), rule, rule.label, length, false);
    }
    checkNames(record, this.maskNames, "batch.masks", "mask");
  }

  /** A state for B streams: each carried value [steps][B][size], and no other name. */
  state(state: unknown, B: number): asserts state is StateLike {
    const { values, fresh, B: streams } = this.stateOf(state);
    if (streams !== B) throw new RangeError(`the state is for ${streams} streams, the batch has ${B}`);
    if (typeof fresh !== "boolean")
      throw new TypeError(
        `state.fresh must be true or false (true until a call uses the state), not ${describeValue(fresh)}`,
      );
    const record = values as Readonly<Record<string, unknown>>;
    for (const rule of this.carriedRules) {
      const length = rule.layout.steps * B * rule.layout.size;
      const array = record[rule.name];
      if (!(array instanceof rule.type && array.length === length))
        arrayFailure(ownValue(record, rule.name), rule, rule.label, length, true);
    }
    checkNames(record, this.carriedNames, "state.values", "state value");
  }

  /** A state's own shape: an object with a whole number of streams B ≥ 1 and its values; returns them. */
  stateOf(state: unknown): { B: number; values: object; fresh: unknown } {
    checkObject(state, "state", "a State (from createState)");
    const { B, values, fresh } = state as Partial<Record<keyof StateLike, unknown>>;
    checkWholeNumber(B, "state.B", (n) => `state.B must be a whole number of streams ≥ 1, not ${n}`);
    checkObject(values, "state.values", "an object of arrays by state name");
    return { B, values, fresh };
  }

  /**
   * After the other checks: an array a call writes (the gradients, a state's values) must not share memory with
   * any other array of the call (gradients written over the parameters they are computed from), and neither it
   * nor a target (read after the passes have run) may lie in the model's workspace (`workspace`: the buffers of
   * what output() returns), which the passes overwrite.
   */
  sharing(
    params: object,
    batch: BatchLike,
    grads: object | undefined,
    state: StateLike | undefined,
    workspace: ReadonlySet<ArrayBufferLike>,
  ): void {
    const targets = batch.targets as Readonly<Record<string, unknown>> | undefined;
    if (targets !== undefined)
      for (const rule of this.targetRules) {
        const array = targets[rule.name];
        if (ArrayBuffer.isView(array) && workspace.has(array.buffer)) throw workspaceView(rule.label);
      }
    // A forward pass without a state writes nothing the caller passed.
    if (grads === undefined && state === undefined) return;
    const written = [
      ...(grads ? named(grads, this.parameterRules, "grads: ") : []),
      ...(state ? named(state.values, this.carriedRules) : []),
    ];
    const read = [
      ...named(params, this.parameterRules, "params: "),
      ...named(batch.inputs, this.inputRules),
      ...(batch.masks ? named(batch.masks, this.maskRules) : []),
      ...(targets ? named(targets, this.targetRules) : []),
      ...(batch.lengths ? [{ array: batch.lengths, label: "lengths" }] : []),
      ...Object.entries(batch.sequences ?? {}).flatMap(([name, s]) =>
        s.lengths ? [{ array: s.lengths, label: `batch.sequences[${quoteName(name)}].lengths` }] : [],
      ),
    ];
    checkOverlaps(written, read, workspace);
  }

  /**
   * Before a call that makes the workspace larger: an input may be an output view (inputs are copied in before
   * anything is written), but not when the call replaces the arrays the outputs are views of (on the WebAssembly
   * tier their memory is handed out again).
   */
  inputsOutside(batch: BatchLike, workspace: ReadonlySet<ArrayBufferLike>): void {
    for (const { array, label } of named(batch.inputs, this.inputRules))
      if (workspace.has(array.buffer))
        throw new TypeError(
          `${label} is a view of this Model's workspace (what output() returns), which this call allocates anew, being larger than any before: copy it first`,
        );
  }
}

/** An array a call reads or writes, as messages name it. */
interface NamedArray {
  readonly array: ArrayBufferView;
  readonly label: string;
}

/** The arrays of `record` that `rules` name (all present after the checks), with their labels. */
function named(record: object, rules: readonly ArrayRule[], prefix = ""): NamedArray[] {
  return rules.flatMap((rule) => {
    const array = (record as Readonly<Record<string, unknown>>)[rule.name];
    return ArrayBuffer.isView(array) ? [{ array, label: prefix + rule.label }] : [];
  });
}

function checkOverlaps(
  written: readonly NamedArray[],
  read: readonly NamedArray[],
  workspace: ReadonlySet<ArrayBufferLike>,
): void {
  const spans = [...written, ...read].map(({ array, label }) => ({
    label,
    buffer: array.buffer,
    start: array.byteOffset,
    end: array.byteOffset + array.byteLength,
  }));
  for (const [i, w] of spans.slice(0, written.length).entries()) {
    if (workspace.has(w.buffer)) throw workspaceView(w.label);
    for (const [j, other] of spans.entries()) {
      if (i === j || w.buffer !== other.buffer || w.start >= other.end || other.start >= w.end) continue;
      throw new TypeError(
        `${w.label} shares memory with ${other.label}: the call writes ${w.label}, so it must not overlap another array of the call (make gradients with createParameters(), states with createState())`,
      );
    }
  }
}

function workspaceView(label: string): TypeError {
  return new TypeError(
    `${label} is a view of this Model's workspace (what output() returns), which the call overwrites: copy it first`,
  );
}

/** Why `value` fails `rule`: missing, of another type, or of another length. */
function arrayFailure(value: unknown, rule: ArrayRule, what: string, length: number, exact: boolean): never {
  if (value === undefined || value === null) throw new TypeError(`${what} is missing`);
  if (!(value instanceof rule.type))
    throw new TypeError(`${what} must be ${rule.expected}, not ${describeValue(value)}`);
  throw new RangeError(
    exact
      ? `${what} holds ${value.length} numbers, not ${length}`
      : `${what} holds ${value.length} numbers, fewer than ${length}`,
  );
}

/** Names in `record` that the model does not have: a misspelt or foreign name is an error, not ignored. */
function checkNames(record: object, known: ReadonlySet<string>, what: string, kind: string): void {
  for (const name in record) {
    if (known.has(name)) continue;
    const names = [...known].map(quoteName).join(", ") || "none";
    throw new TypeError(`${what} has no ${kind} named ${quoteName(name)} (this model's: ${names})`);
  }
}

function checkLengths(lengths: unknown, T: number, B: number, what: string): void {
  if (!(lengths instanceof Int32Array))
    throw new TypeError(`${what} must be an Int32Array of B lengths, not ${describeValue(lengths)}`);
  if (lengths.length !== B || lengths.some((l) => !(l >= 1 && l <= T)))
    throw new RangeError("lengths must hold B values from 1 to T");
}

/** Every position, padding included: the products read them all. -1 is the padding id (a zero vector). */
function checkTokenIds(ids: Int32Array, size: number, T: number, B: number, name: string): void {
  for (let r = 0; r < T * B; r++) {
    const id = ids[r]!;
    if ((id >= 0 && id < size) || id === -1) continue;
    throw new RangeError(
      `input ${quoteName(name)} holds the id ${id} at step ${Math.floor(r / B)} of sequence ${r % B}, outside [0, ${size}) and not the padding id -1`,
    );
  }
}

/** Only the scored positions: what the padding of a sequence holds does not matter. */
function checkClassIds(
  ids: Int32Array,
  classes: number,
  T: number,
  B: number,
  lengths: Int32Array | undefined,
  atEach: boolean,
  name: string,
): void {
  for (let b = 0; b < B; b++) {
    const length = lengths ? lengths[b]! : T;
    for (let t = atEach ? 0 : length - 1; t < length; t++) {
      const id = ids[atEach ? t * B + b : b]!;
      if (id >= 0 && id < classes) continue;
      const where = atEach ? `at step ${t} of sequence ${b}` : `for sequence ${b}`;
      throw new RangeError(`target ${quoteName(name)} holds the class id ${id} ${where}, outside [0, ${classes})`);
    }
  }
}
