/** Fresh parameters for a model from a seed: every initialiser in declaration order from one stream, so a seed fixes them all. */
import type { IrModel } from "../compiler/ir/ir.js";
import { initialise } from "../runtime/init.js";
import type { Weights } from "./interpret/batch.js";
import { namedRecord } from "../runtime/records.js";
import { Rng } from "../runtime/rng.js";

export function initialWeights(ir: IrModel, seed: number): Weights {
  const rng = new Rng(seed);
  return namedRecord(ir.params.map((p) => [p.name, initialise(p.init, p.shape, rng)]));
}
