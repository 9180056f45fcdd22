/**
 * `rnnc run MODEL --weights W --data D [--grad] [--pretty]`: one forward (and backward) pass,
 * printed as the normative JSON `{"loss", "outputs": {NAME: [T][B][n]}, "grads": {PARAM: ...}}`,
 * on one line, or laid out for reading with --pretty. A model without inputs (the linear
 * recurrence h = W @ h[t-1]) runs `--steps T` from its initial state instead, and prints its
 * states at every step.
 */
import type { Command } from "commander";
import { constants } from "node:buffer";
import { paramSize, type IrModel } from "../../ir/ir.js";
import { defaultOutputs } from "../../ir/outputs.js";
import { count } from "../../../engine/memory.js";
import { nest } from "../../../engine/io/nested.js";
import { inputlessBatch, stepsOf, type Batch } from "../../../engine/interpret/batch.js";
import { createBackend } from "../../../engine/backend.js";
import type { ForwardResult, GradientResult, ModelBackend } from "../../../engine/model-backend.js";
import { forwardBackendKinds, type ForwardBackendKind } from "../../../engine/train/backend-choice.js";
import { suggest } from "../../check/suggest.js";
import { lowerModel, requireModel } from "../load.js";
import { UserError, type Output } from "../io.js";
import { loadBatch, loadWeights } from "../model-inputs.js";
import { collectDims, kernelsHelp, kernelsOf, openForwardBackend } from "./options.js";
import { prettyJson } from "../pretty-json.js";
import { choice, defaultSeed, positiveInt, seedValue } from "./train-options.js";
import { kernelTiers, type KernelTier } from "../../codegen/kernel-tier.js";

interface RunOptions {
  kernels?: KernelTier;
  weights?: string;
  data?: string;
  steps?: number;
  grad?: boolean;
  seed: number;
  dim: string[];
  outputs?: string;
  backend: ForwardBackendKind;
  pretty?: boolean;
}

export function registerRun(program: Command, io: Output): void {
  program
    .command("run")
    .description(
      "run a model on a batch and print loss (null without targets), outputs and (with --grad) gradients as JSON",
    )
    .argument("<model>", ".rnn file")
    .option("--weights <file>", "weights (.json or .safetensors); without it, parameters are initialised from --seed")
    .option("--data <file>", "data, JSON (time-major: x [T][B] ids or [T][B][D], y, optional lengths)")
    .option(
      "--steps <T>",
      "for a model without inputs (h = W @ h[t-1]): run T steps from the initial state, printing the states at every step",
      positiveInt,
    )
    .option("--grad", "also compute gradients of the loss for every parameter")
    .option("--pretty", "lay the JSON out for reading, indented and at most 100 columns wide (default: one line)")
    .option("--seed <n>", "seed for initial parameters when no --weights is given", seedValue, defaultSeed)
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .option("--outputs <names>", "comma-separated quantities to print (default: the predictions scored by the losses)")
    .option(
      "--backend <backend>",
      "interp, compiled or onnxruntime (the forward pass, when onnxruntime-node is installed beside rnnc)",
      choice(forwardBackendKinds),
      "interp",
    )
    .option("--kernels <tier>", kernelsHelp, choice(kernelTiers))
    .action(async (file: string, opts: RunOptions) => {
      const backendKind = opts.backend;
      if (opts.grad && backendKind === "onnxruntime")
        throw new UserError("--grad needs --backend interp or compiled: onnxruntime runs the forward pass only");
      const { loaded, model } = requireModel(file, opts.dim, io);
      const ir = lowerModel(loaded, model, io);
      const outputs = chooseOutputs(ir, opts.outputs);
      const weights = loadWeights(ir, opts.weights, opts.seed);
      const batch = batchToRun(ir, opts);
      const backend =
        backendKind === "onnxruntime"
          ? await openForwardBackend(ir, { ...opts, backend: backendKind })
          : await createBackend(ir, backendKind, kernelsOf(opts));
      if (opts.grad && ir.losses.length === 0)
        throw new UserError(`${file}: --grad needs a loss, and the model declares none`);
      requirePrintable(
        outputs.reduce((n, name) => n + outputShape(ir, batch, name).reduce((a, b) => a * b, 1), 0) +
          (opts.grad ? ir.params.reduce((n, p) => n + paramSize(p), 0) : 0),
      );
      const result: ForwardResult = opts.grad
        ? (backend as ModelBackend).lossAndGrad(weights, batch)
        : await backend.forward(weights, batch);
      const json: Record<string, unknown> = {
        loss: result.loss,
        outputs: Object.fromEntries(
          outputs.map((name) => [name, nest(result.quantity(name), outputShape(ir, batch, name))]),
        ),
      };
      if (opts.grad) {
        const { grads } = result as GradientResult;
        json["grads"] = Object.fromEntries(ir.params.map((p) => [p.name, nest(grads[p.name]!, p.shape)]));
      }
      io.out((opts.pretty ? prettyJson(json) : JSON.stringify(json)) + "\n");
    });
}

/** Characters one number takes in the JSON at most, with its separator ("-0.12345678901234568e-100,"). */
const CHARACTERS_PER_NUMBER = 26;

/** The printed JSON is one string: refuses, before running, output longer than a string can be. */
function requirePrintable(numbers: number): void {
  if (numbers * CHARACTERS_PER_NUMBER > constants.MAX_STRING_LENGTH)
    throw new UserError(
      `the output would be ${count(numbers)} numbers, up to ${count(numbers * CHARACTERS_PER_NUMBER)} characters of JSON, more than one string can hold (${count(constants.MAX_STRING_LENGTH)}); print fewer quantities (--outputs) or run shorter sequences`,
    );
}

/** The data's batch, or for a model without inputs T steps of its recurrence alone. */
function batchToRun(ir: IrModel, opts: RunOptions): Batch {
  const inputs = ir.inputs.map((i) => i.name).join(", ");
  if (opts.steps !== undefined) {
    if (opts.data) throw new UserError("give --data or --steps, not both");
    if (ir.inputs.length > 0)
      throw new UserError(
        `model ${ir.name} reads input ${inputs}, so it runs on --data; --steps runs a model without inputs`,
      );
    if (opts.grad) throw new UserError("--grad needs targets, which a run of --steps has not: give --data");
    return inputlessBatch(opts.steps);
  }
  if (ir.inputs.length === 0)
    throw new UserError(
      `model ${ir.name} has no input, so no data can say how long to run it: give --steps T to run T steps from its initial state`,
    );
  if (!opts.data) throw new UserError("--data is required: the batch to run (see 'rnnc help run')");
  return loadBatch(ir, opts.data, { requireTargets: Boolean(opts.grad) });
}

/**
 * How a quantity is printed: [T][B][n] over its own sequence's steps, and one over the steps of
 * another sequence (attention's weights) [T][B][S][n], S that sequence's steps.
 */
function outputShape(ir: IrModel, batch: Batch, quantity: string): number[] {
  const node = ir.nodes[ir.quantities.find((q) => q.name === quantity)!.node]!;
  const over = node.over !== undefined ? [stepsOf(batch, node.over)] : [];
  return [stepsOf(batch, node.sequence), batch.B, ...over, node.size];
}

/** The quantities asked for with --outputs (each checked), else the default ones. */
function chooseOutputs(ir: IrModel, requested: string | undefined): string[] {
  const names = ir.quantities.map((q) => q.name);
  if (requested === undefined) return defaultOutputs(ir);
  const list = requested
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const name of list) {
    if (!names.includes(name)) {
      const guess = suggest(name, names);
      throw new UserError(
        `--outputs: the model has no quantity '${name}'${guess ? `; did you mean '${guess}'?` : ""} (quantities: ${names.join(", ")})`,
      );
    }
  }
  return list;
}
