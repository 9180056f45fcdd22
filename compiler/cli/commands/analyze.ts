/**
 * `rnnc analyze FILE (--checkpoint DIR | --weights W | --seed N) [--data D]`: the spectrum of
 * every recurrent matrix (eigenvalues, spectral radius, norm) and, for a batch of data, the
 * norm of the loss gradient with respect to each state at every step, ||dL/dh_t||, printed
 * as tables and drawn in one SVG (eigenvalues against the unit circle; norms on a log scale).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { modulus } from "../../../engine/analysis/eigen.js";
import { stateGradientNorms } from "../../../engine/analysis/gradient-norms.js";
import { spectra, type Spectrum } from "../../../engine/analysis/recurrent.js";
import { buildDataset, readData } from "../../../engine/data/load.js";
import { evaluationBatches } from "../../../engine/train/evaluate.js";
import { initialWeights } from "../../../engine/init-weights.js";
import type { Batch, Weights } from "../../../engine/interpret/batch.js";
import { NumericError } from "../../../engine/interpret/numeric-error.js";
import { DataError } from "../../../engine/io/data-error.js";
import { parseWeights } from "../../../engine/io/weights-file.js";
import { composeCharts, PALETTE, type Chart } from "../../../engine/plot/svg.js";
import { writeAtomic } from "../../../engine/io/atomic-write.js";
import { UserError, type Output } from "../io.js";
import { loadTrained, prepareModel, type PreparedModel } from "../model-data.js";
import { collectDims } from "./options.js";
import { choice, positiveInt, seedValue } from "./train-options.js";

interface AnalyzeOptions {
  checkpoint?: string;
  weights?: string;
  seed: number;
  data?: string;
  batch?: number;
  seqLen?: number;
  plot?: string;
  format: "text" | "json";
  dim: string[];
}

export function registerAnalyze(program: Command, io: Output): void {
  program
    .command("analyze")
    .description("eigenvalues of the recurrent matrices and ||dL/dh_t|| per step: vanishing and exploding gradients")
    .argument("<file>", ".rnn file")
    .option("--checkpoint <dir>", "a trained model")
    .option("--weights <path>", "weights file (JSON or safetensors)")
    .option("--seed <n>", "without --checkpoint or --weights: initial weights from this seed", seedValue, 1)
    .option("--data <path>", "data whose first batch gives ||dL/dh_t|| (.txt, .jsonl or .json)")
    .option("--batch <n>", "sequences in that batch (default: as trained, or 16)", positiveInt)
    .option("--seq-len <n>", "steps of that batch for a text (default: as trained, or 50)", positiveInt)
    .option("--plot <file.svg>", "where to draw the plot (default: analyze.svg in the checkpoint directory)")
    .option("--format <format>", "text or json", choice(["text", "json"] as const), "text")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .action((file: string, opts: AnalyzeOptions) => {
      if (opts.checkpoint && opts.weights) throw new UserError("give --checkpoint or --weights, not both");
      let raw = opts.data && !opts.checkpoint ? readData(opts.data) : undefined;
      let prepared: PreparedModel;
      let weights: Weights;
      let batchSize = opts.batch ?? 16;
      let seqLen = opts.seqLen ?? 50;
      let source: string;
      if (opts.checkpoint) {
        const trained = loadTrained(file, opts.checkpoint, opts.dim, io, opts.data);
        ({ prepared, weights, raw } = trained);
        batchSize = opts.batch ?? trained.meta.config.batch;
        seqLen = opts.seqLen ?? trained.meta.config.seqLen;
        source = `checkpoint ${opts.checkpoint} (step ${trained.meta.step})`;
      } else {
        prepared = prepareModel(file, opts.dim, io, raw ? { data: raw } : {});
        if (opts.weights) {
          try {
            weights = parseWeights(prepared.ir, readFileSync(opts.weights));
          } catch (e) {
            if (e instanceof DataError || (e instanceof Error && e.message.startsWith("safetensors")))
              throw new UserError(`${opts.weights}: ${e.message}`);
            throw new UserError(`cannot read weights '${opts.weights}': ${(e as Error).message}`);
          }
          source = `weights ${opts.weights}`;
        } else {
          weights = initialWeights(prepared.ir, opts.seed);
          source = `initial weights from seed ${opts.seed}`;
        }
      }
      const { ir } = prepared;
      const found = spectra(ir, weights);
      let gradients: { loss: number; batch: Batch; norms: { state: string; perStep: Float64Array }[] } | undefined;
      if (raw) {
        const dataset = buildDataset(raw, ir, prepared.codebook ?? { format: raw.format });
        const first = evaluationBatches(dataset, ir, batchSize, seqLen).next();
        if (first.done) throw new UserError(`${raw.path} holds no batch`);
        try {
          gradients = { ...stateGradientNorms(ir, weights, first.value.batch), batch: first.value.batch };
        } catch (e) {
          if (e instanceof NumericError) throw new UserError(`${e.message}\n  hint: ${e.hint}`);
          throw e;
        }
      }

      if (opts.format === "json") {
        io.out(
          JSON.stringify({
            model: ir.name,
            source,
            matrices: found.map((s) => ({
              label: s.matrix.label,
              param: s.matrix.param,
              columns: [s.matrix.col, s.matrix.col + s.matrix.size],
              state: s.matrix.state,
              spectral_radius: s.spectralRadius,
              spectral_norm: s.spectralNorm,
              eigenvalues: s.eigenvalues.map((z) => [z.re, z.im]),
            })),
            ...(gradients
              ? {
                  loss: gradients.loss,
                  T: gradients.batch.T,
                  B: gradients.batch.B,
                  grad_norms: Object.fromEntries(gradients.norms.map((n) => [n.state, Array.from(n.perStep)])),
                }
              : {}),
          }) + "\n",
        );
      } else {
        io.out(`${ir.name}, ${source}\n`);
        io.out(spectrumTable(found));
        if (gradients) io.out(gradientTable(gradients));
        else io.out("(give --data to see ||dL/dh_t|| per step)\n");
      }

      const plotPath = opts.plot ?? (opts.checkpoint ? join(opts.checkpoint, "analyze.svg") : undefined);
      if (plotPath) {
        writeAtomic(plotPath, drawAnalysis(ir.name, found, gradients?.norms));
        if (opts.format === "text") io.out(`plot: ${plotPath}\n`);
      }
    });
}

function spectrumTable(found: Spectrum[]): string {
  if (found.length === 0) return "no recurrent matrix (no matvec reads a delayed state of its own size)\n";
  const rows = found.map((s) => {
    const top = s.eigenvalues.slice(0, 4).map(formatComplex).join(", ");
    const verdict =
      s.spectralRadius < 1 ? "< 1: signals and gradients shrink" : s.spectralRadius > 1 ? "> 1: can explode" : "= 1";
    return [
      s.matrix.label,
      `${s.matrix.size}×${s.matrix.size}`,
      s.spectralRadius.toFixed(4),
      s.spectralNorm.toFixed(4),
      verdict,
      top + (s.eigenvalues.length > 4 ? ", …" : ""),
    ];
  });
  return table(["recurrent matrix", "size", "radius ρ", "norm ‖W‖₂", "ρ", "largest eigenvalues"], rows);
}

function gradientTable(g: { loss: number; batch: Batch; norms: { state: string; perStep: Float64Array }[] }): string {
  const T = g.batch.T;
  const every = Math.max(1, Math.ceil(T / 40));
  const steps = Array.from({ length: T }, (_, t) => t).filter((t) => t % every === 0 || t === T - 1);
  const rows = steps.map((t) => [String(t + 1), ...g.norms.map((n) => n.perStep[t]!.toExponential(3))]);
  const head = `loss ${g.loss.toFixed(4)} on a batch of ${g.batch.B} × ${T} steps; ||dL/dh_t|| over the batch${every > 1 ? ` (every ${every}th step)` : ""}:\n`;
  return head + table(["step t", ...g.norms.map((n) => `‖dL/d${n.state}‖`)], rows);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}

function formatComplex(z: { re: number; im: number }): string {
  if (Math.abs(z.im) < 1e-12) return z.re.toFixed(3);
  return `${z.re.toFixed(3)}${z.im < 0 ? "−" : "+"}${Math.abs(z.im).toFixed(3)}i (|λ| ${modulus(z).toFixed(3)})`;
}

export function drawAnalysis(
  name: string,
  found: Spectrum[],
  norms?: { state: string; perStep: Float64Array }[],
): string {
  const charts: Chart[] = [
    {
      title: `${name}: eigenvalues of the recurrent matrices`,
      xLabel: "Re λ",
      yLabel: "Im λ",
      equalAspect: true,
      circles: [{ cx: 0, cy: 0, r: 1, label: "|λ| = 1" }],
      series: found.map((s, i) => ({
        name: `${s.matrix.label} (ρ ${s.spectralRadius.toFixed(2)})`,
        points: s.eigenvalues.map((z) => [z.re, z.im] as const),
        line: false,
        color: PALETTE[i % PALETTE.length]!,
      })),
    },
  ];
  if (norms) {
    charts.push({
      title: "||dL/dh_t|| per step (log scale)",
      xLabel: "step t",
      yLabel: "gradient norm",
      logY: true,
      series: norms.map((n) => ({ name: n.state, points: Array.from(n.perStep, (v, t) => [t + 1, v] as const) })),
    });
  }
  return composeCharts(charts);
}
