/**
 * A generated module's parameters: named row-major views over one flat buffer
 * (`createParameters`), set as `rnnc train --seed` sets them (`initialiseParameters`).
 */
import type { FloatArray } from "../floatArray.js";
import { initialise } from "../init.js";
import { namedRecord } from "../records.js";
import { Rng } from "../rng.js";
import { ArgumentChecks, describeValue, floatType, floatWords, markParameterSet } from "./arguments.js";
import type { ParameterLayout, ModuleLayout } from "./layout.js";

/** Parameters (or gradients) by name: each a row-major array of its shape's size. */
export type ParameterSet = { readonly [name: string]: FloatArray };

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The parameters' names in declaration order. */
export function parameterNames(parameters: ParameterLayout): string[] {
  return Object.keys(parameters.shapes);
}

/**
 * Views over `buffer` (of the module's float type, `parameters.count` numbers; a new buffer of zeros when
 * undefined), one per parameter at its offset: a frozen record without prototype, so any name is an own key.
 */
export function parameterViews(layout: ModuleLayout, buffer?: unknown): ParameterSet {
  const { shapes, offsets, count } = layout.parameters;
  const Float = floatType(layout.dtype);
  const flat = buffer === undefined ? new Float(count) : buffer;
  if (!(flat instanceof Float))
    throw new TypeError(
      `createParameters: buffer must be ${floatWords(layout.dtype)} of ${count} numbers, not ${describeValue(flat)}`,
    );
  if (flat.length !== count) throw new RangeError(`a parameter buffer holds ${count} numbers, not ${flat.length}`);
  const views = namedRecord<FloatArray>();
  for (const name of parameterNames(layout.parameters)) {
    const at = offsets[name]!;
    views[name] = flat.subarray(at, at + sizeOf(shapes[name]!));
  }
  markParameterSet(Object.freeze(views), layout.parameters);
  return views;
}

/**
 * Sets every parameter as `rnnc train --seed SEED` does: each by its declared initialiser, in declaration order,
 * all drawing from one generator seeded with `seed`.
 */
export function initialiseParameterViews(layout: ModuleLayout, params: unknown, seed: unknown): void {
  new ArgumentChecks(layout).parameters(params, "params");
  if (typeof seed !== "number")
    throw new TypeError(`initialiseParameters: seed must be a number, not ${describeValue(seed)}`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
    throw new RangeError(`initialiseParameters: seed must be an integer in [0, 2^32), not ${seed}`);
  const { shapes, inits } = layout.parameters;
  const views = params as ParameterSet;
  const rng = new Rng(seed);
  for (const name of parameterNames(layout.parameters)) views[name]!.set(initialise(inits[name]!, shapes[name]!, rng));
}

/** Copies every parameter of `from` into `to`; returns `to`. */
export function copyParameters<P extends ParameterSet>(names: readonly string[], from: P, to: P): P {
  for (const name of names) to[name]!.set(from[name]!);
  return to;
}
