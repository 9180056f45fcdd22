/**
 * Decoding on an encoder-decoder's generated module (docs/generated-modules.md#decoding): its
 * encode, decodeStep and selectRows as the StepDecoder of the one decoding loop
 * (engine/interpret/generate.ts), so `rnnc translate` and `rnnc eval` decode compiled, greedy or
 * by a beam search, and give what the interpreter generates.
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { DecodingModel, GeneratedModule } from "../runtime/generated-module.js";
import { moduleAdapter } from "./compiled-backend.js";
import { decodeWith, type Generator } from "./interpret/generate.js";

export function compiledGenerator(ir: IrModel, module: GeneratedModule): Generator {
  // Two models, so two workspaces: a Model sizes every array of its workspace for the longest sequence and the most
  // rows it has run, so encoding (the source's steps, B rows) and decoding (one step, a beam's B·K rows) on one would
  // hold the source's steps for B·K rows of every array (243 MB for examples/translate.rnn, 40 steps, beam 4).
  const encoder = new module.Model() as DecodingModel;
  const decoder = new module.Model() as DecodingModel;
  if (typeof decoder.selectRows !== "function")
    throw new Error(`the module of ${ir.name} has no decoding methods: it does not generate its last sequence`);
  const adapt = moduleAdapter(ir, module);
  return (weights, batch, options) => {
    const params = adapt.params(weights);
    let state = encoder.encode(params, adapt.batch(batch));
    const stepper = {
      step: (previous: Int32Array) => decoder.decodeStep(params, state, previous),
      keep: (parents: Int32Array) => {
        state = decoder.selectRows(state, parents);
      },
    };
    return decodeWith(ir, stepper, batch.B, options).outputs;
  };
}
