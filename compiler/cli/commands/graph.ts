/**
 * `rnnc graph FILE [--unroll T] -o out.svg|out.dot`: draw the model. Without `--unroll`, the
 * folded graph (one step, delay boxes carrying values to the next step); with it, the graph
 * unrolled over T steps. The output's extension picks the format: `.dot` is the Graphviz
 * source, `.svg` the picture, laid out in-process by Graphviz compiled to WebAssembly.
 */
import type { Command } from "commander";
import { extname } from "node:path";
import { toDot } from "../../graph/dot.js";
import { foldedGraph } from "../../graph/folded.js";
import { MAX_UNROLL, unrolledGraph } from "../../graph/unrolled.js";
import { lower } from "../../ir/lower.js";
import { validateIr } from "../../ir/validate.js";
import { requireModel } from "../load.js";
import { UserError, writeFileReported, type Output } from "../io.js";
import { collectDims } from "./options.js";
import { plural } from "../../plural.js";

interface GraphOptions {
  output?: string;
  unroll?: string;
  dim: string[];
  params: boolean;
}

export function registerGraph(program: Command, io: Output): void {
  program
    .command("graph")
    .description(
      "draw the model: the folded graph with its delay boxes, or the graph unrolled over T steps (SVG or DOT)",
    )
    .argument("<file>", ".rnn file")
    .option("-o, --output <file>", "where to write the drawing: a .svg picture or a .dot Graphviz source")
    .option("--unroll <T>", `draw the graph unrolled over T steps (1 to ${MAX_UNROLL})`)
    .option("--no-params", "leave out the grey parameter boxes of the folded graph")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .addHelpText(
      "after",
      `
The folded graph shows one time step: a node per input, per equation (gates in yellow,
states with a double border), per target and loss, and a purple z⁻¹ box on every edge
that carries a value to the next step. The unrolled graph shows T copies of the step side
by side, the values a step sends to later steps, and the initial values feeding step 1.

Examples:
  rnnc graph examples/lstm.rnn -o lstm.svg
  rnnc graph examples/elman.rnn --unroll 3 -o elman-3.svg
  rnnc graph examples/gru.rnn -o gru.dot
`,
    )
    .action(async (file: string, opts: GraphOptions) => {
      // Check the arguments before reading the model: a typo in -o should not cost a parse.
      const format = outputFormat(opts.output);
      const T = opts.unroll === undefined ? undefined : parseSteps(opts.unroll);
      const { model } = requireModel(file, opts.dim, io);
      const ir = lower(model);
      validateIr(ir);
      const drawing = T === undefined ? foldedGraph(ir, { params: opts.params }) : unrolledGraph(ir, T);
      const dot = toDot(drawing);
      const text = format === "dot" ? dot : await (await import("../../graph/render.js")).renderSvg(dot); // Graphviz (WebAssembly) loads only when needed
      writeFileReported(
        io,
        opts.output!,
        text,
        T === undefined ? "folded graph" : `unrolled over ${T} ${plural(T, "step")}`,
      );
    });
}

/** The format named by the output file's extension. */
export function outputFormat(output: string | undefined): "svg" | "dot" {
  if (output === undefined || output === "")
    throw new UserError("graph needs an output file: -o FILE.svg (a picture) or -o FILE.dot (Graphviz source)", 2);
  const ext = extname(output).toLowerCase();
  if (ext === ".svg") return "svg";
  if (ext === ".dot" || ext === ".gv") return "dot";
  throw new UserError(
    `cannot tell the format of '${output}': the output must end in .svg (a picture) or .dot (Graphviz source)`,
    2,
  );
}

/** `--unroll T`: a whole number of steps from 1 to MAX_UNROLL. */
export function parseSteps(text: string): number {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed))
    throw new UserError(`--unroll takes a whole number of steps (1 to ${MAX_UNROLL}), not '${text}'`, 2);
  const T = Number(trimmed);
  if (T < 1) throw new UserError(`--unroll takes at least 1 step, not ${T}`, 2);
  if (T > MAX_UNROLL)
    throw new UserError(
      `--unroll ${T} is too many steps to draw: at most ${MAX_UNROLL} (a picture of a few steps shows the same structure)`,
      2,
    );
  return T;
}
