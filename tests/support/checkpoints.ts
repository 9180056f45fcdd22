/** What a checkpoint records of a run besides its state, for tests that write checkpoints without `rnnc train`. */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { CheckpointFixed } from "../../engine/train/checkpoint.js";
import type { TrainConfig } from "../../engine/train/loop.js";

/** A run of `ir` on JSON records with `config`, by the interpreter. */
export function checkpointFixed(ir: IrModel, config: TrainConfig, file = `${ir.name}.rnn`): CheckpointFixed {
  return {
    format: "rnnc-checkpoint",
    version: 1,
    model: { file, name: ir.name, sha256: "", source: "", dims: ir.dims, overrides: {} },
    data: { path: "records", sha256: "", codebook: { format: "json" } },
    config: { ...config, backend: "interp" },
  };
}
