/**
 * `rnnc analyze FILE [--checkpoint DIR | --weights W | --seed N] [--data D]`: the spectrum of
 * every recurrent matrix (eigenvalues, spectral radius, norm) and, for a batch of data, the
 * norm of the loss gradient with respect to each state at every step, ||dL/dh_t||; for a
 * model without inputs, ||h_t|| over `--steps` steps from its initial state beside ρ^t.
 * Printed as tables and drawn in one SVG (eigenvalues against the unit circle; norms on a
 * log scale). Given none of the three, it analyses the checkpoint `rnnc train` keeps for
 * the file by default when there is one, the initial weights from seed 1 when there is none.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { stateGradientNorms, type StateGradientNorms } from "../../../engine/analysis/gradient-norms.js";
import { freeRunNorms, type StateNorms } from "../../../engine/analysis/state-norms.js";
import { spectra, type Spectrum } from "../../../engine/analysis/recurrent.js";
import { buildDataset, readData } from "../../../engine/data/load.js";
import { evaluationBatches } from "../../../engine/train/evaluate.js";
import { initialWeights } from "../../../engine/init-weights.js";
import type { Batch, Weights } from "../../../engine/interpret/batch.js";
import type { IrModel } from "../../ir/ir.js";
import { NumericError } from "../../../engine/interpret/numeric-error.js";
import { DataError } from "../../../engine/io/data-error.js";
import { parseWeights } from "../../../engine/io/weights-file.js";
import { composeCharts, PALETTE, type Chart } from "../../../engine/plot/svg.js";
import { UserError, writeFileReported, type Output } from "../io.js";
import {
  defaultRunDirectory,
  hasDefaultCheckpoint,
  loadTrained,
  prepareModel,
  type PreparedModel,
} from "../model-data.js";
import { collectDims } from "./options.js";
import { choice, defaultSeed, positiveInt, seedValue } from "./train-options.js";

interface AnalyzeOptions {
  checkpoint?: string;
  weights?: string;
  seed: number;
  data?: string;
  batch?: number;
  seqLen?: number;
  steps: number;
  plot?: string;
  format: "text" | "json";
  dim: string[];
}

export function registerAnalyze(program: Command, io: Output): void {
  program
    .command("analyze")
    .description("eigenvalues of the recurrent matrices and ||dL/dh_t|| per step: vanishing and exploding gradients")
    .argument("<file>", ".rnn file")
    .option(
      "--checkpoint <dir>",
      "a trained model (default, without --weights or --seed: runs/<model file name> if rnnc train wrote a checkpoint there)",
    )
    .option("--weights <path>", "weights file (JSON or safetensors)")
    .option("--seed <n>", "without --checkpoint or --weights: initial weights from this seed", seedValue, defaultSeed)
    .option("--data <path>", "data whose first batch gives ||dL/dh_t|| (.txt, .jsonl or .json)")
    .option("--batch <n>", "sequences in that batch (default: as trained, or 16)", positiveInt)
    .option("--seq-len <n>", "steps of that batch for a text (default: as trained, or 50)", positiveInt)
    .option(
      "--steps <n>",
      "for a model without inputs: steps to run from the initial state, printing ||h_t|| beside ρ^t",
      positiveInt,
      20,
    )
    .option("--plot <file.svg>", "where to draw the plot (default: analyze.svg in the checkpoint directory)")
    .option("--format <format>", "text or json", choice(["text", "json"] as const), "text")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .action((file: string, opts: AnalyzeOptions, command: Command) => {
      if (opts.checkpoint && opts.weights) throw new UserError("give --checkpoint or --weights, not both");
      const seedGiven = command.getOptionValueSource("seed") === "cli";
      const trainedByDefault = !opts.checkpoint && !opts.weights && !seedGiven && hasDefaultCheckpoint(file);
      // A checkpoint's data is read as its training data was (a text as words for a word model).
      let raw = opts.data && !opts.checkpoint && !trainedByDefault ? readData(opts.data) : undefined;
      let prepared: PreparedModel;
      let weights: Weights;
      let batchSize = opts.batch ?? 16;
      let seqLen = opts.seqLen ?? 50;
      let source: string;
      let checkpointDir: string | undefined;
      if (opts.checkpoint || trainedByDefault) {
        const trained = loadTrained(file, opts.checkpoint, opts.dim, io, opts.data);
        ({ prepared, weights, raw, dir: checkpointDir } = trained);
        batchSize = opts.batch ?? trained.meta.config.batch;
        seqLen = opts.seqLen ?? trained.meta.config.seqLen;
        source = `checkpoint ${checkpointDir} (step ${trained.meta.step})`;
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
          source = `initial weights from seed ${opts.seed}${seedGiven ? "" : ` (no checkpoint in ${defaultRunDirectory(file)})`}`;
        }
      }
      const { ir } = prepared;
      const found = spectra(ir, weights);
      let gradients: { loss: number; batch: Batch; norms: StateGradientNorms[] } | undefined;
      const freeRun = ir.inputs.length === 0 ? freeRunGrowth(ir, weights, opts.steps, found) : undefined;
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
                  ...(gradients.batch.sequences
                    ? { steps: Object.fromEntries(Object.entries(gradients.batch.sequences).map(([s, e]) => [s, e.T])) }
                    : {}),
                  grad_norms: Object.fromEntries(gradients.norms.map((n) => [n.state, Array.from(n.perStep)])),
                }
              : {}),
            ...(freeRun
              ? {
                  free_run: {
                    steps: opts.steps,
                    norms: Object.fromEntries(freeRun.map((g) => [g.state, Array.from(g.perStep)])),
                    growth_per_step: Object.fromEntries(freeRun.map((g) => [g.state, g.measured])),
                  },
                }
              : {}),
          }) + "\n",
        );
      } else {
        io.out(`${ir.name}, ${source}\n`);
        io.out(spectrumTable(found));
        if (freeRun) io.out(freeRunTable(freeRun));
        if (gradients) io.out(gradientTable(gradients));
        else if (ir.inputs.length > 0 && ir.losses.length > 0) io.out("(give --data to see ||dL/dh_t|| per step)\n");
      }

      const plotPath = opts.plot ?? (checkpointDir ? join(checkpointDir, "analyze.svg") : undefined);
      if (plotPath)
        writeFileReported(
          io,
          plotPath,
          drawAnalysis(ir.name, found, gradients?.norms, freeRun),
          gradients
            ? "plot of the eigenvalues and of ||dL/dh_t||"
            : freeRun
              ? "plot of the eigenvalues and of ||h_t|| from the initial state"
              : "plot of the eigenvalues",
        );
    });
}

/** The widest line analyze prints (a table of many states' gradients aside). */
const columns = 100;

function spectrumTable(found: Spectrum[]): string {
  if (found.length === 0) return "no recurrent matrix (no matvec reads a delayed state of its own size)\n";
  const header = ["recurrent matrix", "size", "ρ", "‖W‖₂", "ρ vs 1", "largest eigenvalues"];
  const rows = found.map((s) => [
    s.matrix.label,
    `${s.matrix.size}×${s.matrix.size}`,
    s.spectralRadius.toFixed(4),
    s.spectralNorm.toFixed(4),
    s.spectralRadius < 1 ? "shrinks" : s.spectralRadius > 1 ? "can explode" : "= 1",
  ]);
  // The eigenvalues fill what the other columns leave of the line.
  const used = header
    .slice(0, -1)
    .reduce((sum, h, i) => sum + Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2, 0);
  found.forEach((s, i) => rows[i]!.push(eigenvalueList(s.eigenvalues, columns - used)));
  return (
    table(header, rows) +
    "ρ: spectral radius, the largest |λ|; ‖W‖₂: spectral norm. Through a matrix with ρ < 1 signals and\n" +
    "gradients shrink step by step; with ρ > 1 they can grow (explode). a±bi: a pair of conjugates.\n"
  );
}

/** The eigenvalues, largest first, a conjugate pair as one a±bi, as many as fit in `room` characters (at least one). */
function eigenvalueList(eigenvalues: readonly { re: number; im: number }[], room: number): string {
  // A real matrix's complex eigenvalues come in conjugate pairs, the positive imaginary part first.
  const shown = eigenvalues.filter((z) => z.im >= -1e-12).map(formatComplex);
  let text = shown[0] ?? "";
  for (let k = 1; k < shown.length; k++) {
    const rest = k + 1 < shown.length ? ", …" : "";
    if (text.length + 2 + shown[k]!.length + rest.length > room) return `${text}, …`;
    text += `, ${shown[k]}`;
  }
  return text;
}

/** ‖h_t‖ of a free run, with ρ of the state's recurrent matrix and the growth per step measured over the second half of the run. */
interface FreeRunGrowth extends StateNorms {
  rho?: number;
  measured: number;
}

function freeRunGrowth(ir: IrModel, weights: Weights, steps: number, found: Spectrum[]): FreeRunGrowth[] {
  return freeRunNorms(ir, weights, steps).map((n) => {
    const radii = found.filter((s) => s.matrix.state === n.state && s.matrix.delay === 1).map((s) => s.spectralRadius);
    const from = Math.floor(steps / 2);
    const measured = (n.perStep[steps]! / n.perStep[from]!) ** (1 / (steps - from));
    return { ...n, ...(radii.length > 0 ? { rho: Math.max(...radii) } : {}), measured };
  });
}

function freeRunTable(runs: FreeRunGrowth[]): string {
  const T = runs[0]!.perStep.length - 1;
  const every = Math.max(1, Math.ceil(T / 40));
  const steps = Array.from({ length: T + 1 }, (_, t) => t).filter((t) => t % every === 0 || t === T);
  const withRho = runs.filter((r) => r.rho !== undefined);
  const rows = steps.map((t) => [
    String(t),
    ...runs.flatMap((r) => [
      r.perStep[t]!.toExponential(3),
      ...(r.rho !== undefined ? [(r.rho ** t * r.perStep[0]!).toExponential(3)] : []),
    ]),
  ]);
  const header = [
    "step t",
    ...runs.flatMap((r) => [`‖${r.state}_t‖`, ...(r.rho !== undefined ? [`ρ^t ‖${r.state}_0‖`] : [])]),
  ];
  const growth = runs
    .map((r) => {
      const verdict = r.measured > 1 ? "grows" : r.measured < 1 ? "shrinks" : "keeps its size";
      return `${r.state} ${verdict} by ${r.measured.toFixed(4)} a step over steps ${Math.floor(T / 2)}–${T}${r.rho !== undefined ? ` (ρ = ${r.rho.toFixed(4)})` : ""}`;
    })
    .join("; ");
  return (
    `run from the initial state, no input, ${T} steps${every > 1 ? ` (every ${every}th step)` : ""}${withRho.length > 0 ? "; a linear recurrence h_t = W h_{t−1} grows like ρ^t" : ""}:\n` +
    table(header, rows) +
    growth +
    "\n"
  );
}

/** ||dL/dh_t|| per step; in a model of several sequences one table per sequence, each over its own steps. */
function gradientTable(g: { loss: number; batch: Batch; norms: StateGradientNorms[] }): string {
  const { B, sequences } = g.batch;
  const every = (T: number) => Math.max(1, Math.ceil(T / 40));
  const shown = (T: number) => (every(T) > 1 ? ` (every ${ordinal(every(T))} step)` : "");
  const tableOf = (norms: StateGradientNorms[], step: string) => {
    const T = norms[0]!.perStep.length;
    const steps = Array.from({ length: T }, (_, t) => t).filter((t) => t % every(T) === 0 || t === T - 1);
    const rows = steps.map((t) => [String(t + 1), ...norms.map((n) => n.perStep[t]!.toExponential(3))]);
    return table([`step ${step}`, ...norms.map((n) => `‖dL/d${n.state}‖`)], rows);
  };
  if (!sequences)
    return (
      `loss ${g.loss.toFixed(4)} on a batch of ${B} × ${g.batch.T} steps; ||dL/dh_t|| over the batch${shown(g.batch.T)}:\n` +
      tableOf(g.norms, "t")
    );
  const extents = Object.entries(sequences);
  return [
    `loss ${g.loss.toFixed(4)} on a batch of ${B} examples, ${extents.map(([s, e]) => `${e.T} steps of sequence ${s}`).join(", ")}:\n`,
    ...extents.flatMap(([sequence, { T }]) => {
      const norms = g.norms.filter((n) => n.sequence === sequence);
      return norms.length === 0
        ? []
        : [`||dL/dh_${sequence}|| over the batch, sequence ${sequence}${shown(T)}:\n` + tableOf(norms, sequence)];
    }),
  ].join("");
}

/** 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st, 22nd. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${suffix}`;
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
  return `${z.re.toFixed(3)}±${Math.abs(z.im).toFixed(3)}i`;
}

export function drawAnalysis(
  name: string,
  found: Spectrum[],
  norms?: { state: string; perStep: Float64Array }[],
  freeRun?: FreeRunGrowth[],
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
  if (freeRun) {
    charts.push({
      title: "||h_t|| from the initial state, no input (log scale)",
      xLabel: "step t",
      yLabel: "state norm",
      logY: true,
      series: freeRun.flatMap((r, i) => [
        {
          name: `‖${r.state}_t‖`,
          points: Array.from(r.perStep, (v, t) => [t, v] as const),
          color: PALETTE[i % PALETTE.length]!,
        },
        ...(r.rho !== undefined
          ? [
              {
                name: `ρ^t ‖${r.state}_0‖ (ρ ${r.rho.toFixed(2)})`,
                points: Array.from(r.perStep, (_, t) => [t, r.rho! ** t * r.perStep[0]!] as const),
                color: PALETTE[i % PALETTE.length]!,
                dashed: true,
              },
            ]
          : []),
      ]),
    });
  }
  return composeCharts(charts);
}
