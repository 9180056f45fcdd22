/** Test helpers: a `.rnn` file or text all the way to validated IR, failing loudly on any error. */
import { readdirSync, readFileSync } from "node:fs";
import { analyze } from "../../compiler/frontend.js";
import { lower } from "../../compiler/ir/lower.js";
import { validateIr } from "../../compiler/ir/validate.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { startOf } from "../../grammar/source-range.js";

export function irFromText(text: string, dims: Record<string, number> = {}): IrModel {
  const result = analyze(text, dims);
  if (!result.model)
    throw new Error(
      `model does not check:\n${result.diagnostics.map((d) => `${startOf(d.range).line}:${startOf(d.range).column} ${d.code} ${d.message}`).join("\n")}`,
    );
  const ir = lower(result.model);
  validateIr(ir);
  return ir;
}

export function irFromFile(path: string, dims: Record<string, number> = {}): IrModel {
  return irFromText(readFileSync(path, "utf8"), dims);
}

/** The same model with every dim cut to at most `limit`, for checks whose cost grows with size. */
export function smallIrFromFile(path: string, limit = 5): IrModel {
  const text = readFileSync(path, "utf8");
  const declared = analyze(text).model?.dims ?? [];
  return irFromText(text, Object.fromEntries(declared.map((d) => [d.name, Math.min(d.value, limit)])));
}

/** The file names of the shipped examples, examples/*.rnn. */
export function exampleFiles(): string[] {
  return readdirSync("examples").filter((f) => f.endsWith(".rnn"));
}

/**
 * The shipped examples whose batches the thread pool splits: all but the models of several
 * sequences (examples/translate.rnn), which train on one thread (rnnc train refuses --threads).
 */
export function threadedExamples(): string[] {
  return exampleFiles().filter((f) => !irFromFile(`examples/${f}`).sequences);
}

/** A model whose state grows without bound (exp of a positive recurrence): its forward pass overflows within a few steps. */
export const explodingModel = `model Blowup {
  dim V = 4
  dim H = 4
  input x : onehot[V]
  target y : class[V]
  param W : [H, H] = 2
  param U : [H, V] = 2
  param Vo : [V, H]
  state h : [H] = zeros
  h = exp(W @ h[t-1] + U @ x)
  o = softmax(Vo @ h)
  loss cross_entropy(o, y) at each
}
`;
