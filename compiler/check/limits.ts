/**
 * Sizes a model can have and still run. Every value rnnc computes lives in a typed array (a
 * parameter; B rows of a quantity at a step), so a parameter's element count and a vector's
 * size must fit one array; ids (one-hot inputs, class targets) are 32-bit integers. A size
 * beyond these is an error here, positioned at its declaration, instead of a crash in the
 * first allocation (`RangeError: Invalid typed array length`). Whether the whole run fits in
 * memory depends on the data and the machine: engine/memory.ts checks that before each run.
 */
import { constants } from "node:buffer";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import type * as A from "../../grammar/ast.js";
import type { InputInfo, ParamInfo, Size, StateInfo, TargetInfo } from "./model.js";

/**
 * The most elements one typed array can hold in this JavaScript engine (Node 20: 2^32), and
 * never more than a float64 array can address in bytes counted exactly.
 */
export const MAX_ARRAY_LENGTH = Math.min(constants.MAX_LENGTH, Math.floor(Number.MAX_SAFE_INTEGER / 8));

/** Ids are stored in Int32Arrays (−1 marks padding): a one-hot or class size is at most 2^31 − 1. */
export const MAX_ID_COUNT = 2 ** 31 - 1;

/** The number of elements of a shape, exactly. */
export function elementCount(shape: readonly Size[]): bigint {
  return shape.reduce((n, s) => n * BigInt(s.value), 1n);
}

export interface SizedDeclarations {
  inputs: Iterable<InputInfo>;
  targets: Iterable<TargetInfo>;
  params: Iterable<ParamInfo>;
  states: Iterable<StateInfo>;
  /** Each equation that is not a state's (a state's size is checked at its declaration), and the size it checked to. */
  quantities: Iterable<{ name: A.Name; size: Size }>;
}

export function checkSizeLimits(d: SizedDeclarations, diagnostics: Diagnostic[]): void {
  const tooLarge = (what: string, count: bigint, range: A.Range) =>
    diagnostics.push(
      error(
        "E207",
        `${what} holds ${count.toLocaleString("en-US")} numbers, more than one array can hold (${MAX_ARRAY_LENGTH.toLocaleString("en-US")})`,
        range,
        { hint: "make the dims it is written with smaller" },
      ),
    );
  for (const p of d.params) {
    // In doubles first: exact while it is small, and a product of positive integers that is
    // not small is not small in doubles either. Counting every parameter in BigInt cost more.
    if (p.shape.reduce((n, s) => n * s.value, 1) <= MAX_ARRAY_LENGTH) continue;
    const count = elementCount(p.shape);
    if (count > BigInt(MAX_ARRAY_LENGTH))
      tooLarge(`parameter '${p.name}' ${shapeText(p.shape)}`, count, p.decl.shapeRange);
  }
  for (const item of [...d.inputs, ...d.targets]) {
    const what = `${item.decl.kind} '${item.name}' ${item.decl.type.kind?.text ?? ""}${shapeText([item.size])}`;
    const ids = "encoding" in item ? item.encoding === "onehot" : item.kind === "class";
    if (ids && item.size.value > MAX_ID_COUNT)
      diagnostics.push(
        error(
          "E207",
          `${what} has ${item.size.value.toLocaleString("en-US")} ids, more than 32-bit ids can number (${MAX_ID_COUNT.toLocaleString("en-US")})`,
          item.decl.type.range,
        ),
      );
    else if (item.size.value > MAX_ARRAY_LENGTH) tooLarge(what, BigInt(item.size.value), item.decl.type.range);
  }
  for (const s of d.states)
    if (s.size.value > MAX_ARRAY_LENGTH)
      tooLarge(`state '${s.name}' ${shapeText([s.size])}`, BigInt(s.size.value), s.decl.shapeRange);
  for (const q of d.quantities)
    if (q.size.value > MAX_ARRAY_LENGTH)
      tooLarge(`'${q.name.text}' [${q.size.value}]`, BigInt(q.size.value), q.name.range);
}

/** `[H, H] = [100000, 100000]`, or `[100000]` when the shape is written with numbers. */
export function shapeText(shape: readonly Size[]): string {
  const symbols = `[${shape.map((s) => s.symbol).join(", ")}]`;
  const values = `[${shape.map((s) => s.value).join(", ")}]`;
  return symbols === values ? values : `${symbols} = ${values}`;
}
