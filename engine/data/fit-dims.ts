/**
 * A model's dims fitted to its data, the one rule `rnnc train` and the playground share: the
 * one-hot input's dim and a class target's become what the data needs (its vocabulary, its
 * labels), a real target's the width of its vectors, unless a dim is given explicitly; a size
 * the data does not fit is an error that says what the data needs.
 */
import type { CheckedModel, Size } from "../../compiler/check/model.js";
import { MAX_ID_COUNT } from "../../compiler/check/limits.js";
import { namedRecord } from "../../runtime/records.js";
import { DataError } from "../io/data-error.js";
import { count } from "../memory.js";
import type { DataNeeds } from "./needs.js";

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

/**
 * Dims to set from the data (`dataName`: a path, or "the pasted text"): the one-hot input's and
 * the target's, when each is a plain dim not in `explicit`. Pushes a note per dim set onto `notes`
 * ("V = 41 (41 distinct characters in corpus.txt; the file says 65)").
 */
export function fitDims(
  model: CheckedModel,
  needs: DataNeeds,
  explicit: ReadonlySet<string>,
  dataName: string,
  notes: string[],
): Record<string, number> {
  const out = namedRecord<number>();
  const dims = new Set(model.dims.map((d) => d.name));
  for (const w of sizeNeeds(model, needs)) {
    const symbol = w.size.symbol;
    // Ids are 32-bit (E207): a label or token id past that is refused here, where the data can be named.
    if (!w.exact && w.need > MAX_ID_COUNT)
      throw new DataError(
        `the data in ${dataName} needs ${symbol} = ${count(w.need)} (${w.what}), more than 32-bit ids can number (${count(MAX_ID_COUNT)})`,
      );
    if (!dims.has(symbol) || explicit.has(symbol)) continue;
    const value = Math.max(w.need, out[symbol] ?? 0);
    if (out[symbol] === undefined)
      notes.push(`${symbol} = ${value} (${w.what} in ${dataName}; the file says ${w.size.value})`);
    out[symbol] = value;
  }
  checkFits(model, needs, Object.fromEntries([...explicit].map((k) => [k, 0])), dataName, out);
  return out;
}

/** Refuses a size that does not fit the data (and is not being set from it), saying what the data needs. */
export function checkFits(
  model: CheckedModel,
  needs: DataNeeds,
  explicit: Record<string, number>,
  dataName: string,
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
    throw new DataError(
      `${how}: the data in ${dataName} needs ${w.exact ? "exactly " : ""}${w.need} (${w.what}); ${fix}`,
    );
  }
}
