/**
 * `rnnc gradcheck FILE`: BPTT against central finite differences on random weights and a
 * random ragged batch; prints the worst relative error per parameter and fails above tolerance.
 */
import type { Command } from "commander";
import { createBackend } from "../../../engine/backend.js";
import { gradcheck } from "../../../engine/gradcheck.js";
import { initialWeights } from "../../../engine/init-weights.js";
import { randomBatch } from "../../../engine/random-batch.js";
import type { Batch } from "../../../engine/interpret/batch.js";
import { batchNeed, describeBatch, requireMemory } from "../../../engine/memory.js";
import { Rng } from "../../../runtime/rng.js";
import { lowerModel, requireModel } from "../load.js";
import { UserError, type Output } from "../io.js";
import { parsePositiveInt } from "../model-inputs.js";
import { collectDims } from "./options.js";
import { backendKinds, type BackendKind } from "../../../engine/train/backend-choice.js";
import { choice, defaultSeed, seedValue } from "./train-options.js";

interface GradcheckCliOptions {
  seed: number;
  dim: string[];
  steps: string;
  batch: string;
  samples: string;
  tolerance: string;
  backend: BackendKind;
}

export function registerGradcheck(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command("gradcheck")
    .description("check BPTT gradients against central finite differences for every parameter")
    .argument("<model>", ".rnn file")
    .option("--seed <n>", "seed for weights, data and the elements checked", seedValue, defaultSeed)
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .option("--steps <T>", "sequence length", "5")
    .option("--batch <B>", "sequences in the batch (lengths are random)", "3")
    .option("--samples <n>", "elements checked per parameter (all when fewer)", "24")
    .option("--tolerance <x>", "largest acceptable relative error", "1e-5")
    .option("--backend <backend>", "interp or compiled", choice(backendKinds), "interp")
    .action(async (file: string, opts: GradcheckCliOptions) => {
      const tolerance = Number(opts.tolerance);
      if (!(tolerance > 0)) throw new UserError(`--tolerance must be a positive number, not '${opts.tolerance}'`);
      const { loaded, model } = requireModel(file, opts.dim, io);
      const ir = lowerModel(loaded, model, io);
      if (ir.losses.length === 0)
        throw new UserError(`${file}: the model declares no loss, so it has no gradient to check`);
      const { seed } = opts;
      const rng = new Rng(seed);
      const weights = initialWeights(ir, seed);
      // Non-zero biases and initial states, so every gradient is exercised away from a special point.
      for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.1, 0.1);
      const T = parsePositiveInt(opts.steps, "--steps");
      const B = parsePositiveInt(opts.batch, "--batch");
      requireMemory(batchNeed(ir, T, B), describeBatch(T, B), "give fewer --steps or a smaller --batch");
      const batch = randomBatch(ir, rng, { T, B, ragged: true });
      const backend = await createBackend(ir, opts.backend);
      const results = gradcheck(backend, weights, batch, rng, {
        samplesPerParam: parsePositiveInt(opts.samples, "--samples"),
      });

      const width = Math.max(9, ...results.map((r) => r.param.length));
      io.out(`${"parameter".padEnd(width)}  checked  worst relative error\n`);
      for (const r of results) {
        const mark = r.worstError > tolerance ? "  FAIL" : "";
        io.out(
          `${r.param.padEnd(width)}  ${`${r.checked}/${r.size}`.padStart(7)}  ${r.worstError.toExponential(2)}${mark}\n`,
        );
      }
      const failed = results.filter((r) => r.worstError > tolerance);
      io.out(
        failed.length === 0
          ? `ok: every gradient within ${tolerance} (${describeShape(batch)})\n`
          : `${failed.length} parameter(s) above tolerance ${tolerance}\n`,
      );
      setExit(failed.length === 0 ? 0 : 1);
    });
}

/** The batch checked: its steps and lengths, per sequence in a model of several. */
function describeShape(batch: Batch): string {
  const lengths = (l: Int32Array) => Array.from(l).join(" ");
  if (!batch.sequences) return `T = ${batch.T}, B = ${batch.B}, lengths ${lengths(batch.lengths)}`;
  const each = Object.entries(batch.sequences).map(
    ([s, e]) => `sequence ${s}: ${e.T} steps, lengths ${lengths(e.lengths)}`,
  );
  return `B = ${batch.B}; ${each.join("; ")}`;
}
