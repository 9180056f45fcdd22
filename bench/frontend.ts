/**
 * Front-end speed on the generated 10,000-line model of the LSP benchmark: parse, the whole
 * front end (parse, cell expansion, checks: `analyze`), and lowering the checked model to IR,
 * in lines per second. The peer, in the same run: TypeScript's parser and checker on a
 * generated TypeScript program of the same length and shape (five lines per layer).
 */
import ts from "typescript";
import { analyze } from "../compiler/frontend.js";
import { lower } from "../compiler/ir/lower.js";
import { parse } from "../grammar/parse.js";
import { generatedModel } from "./support/generated-model.js";
import { median } from "./stats.js";

export interface FrontEndRow {
  what: string;
  runs: number;
  medianMs: number;
  linesPerSecond: number;
  /** Median CPU time of the process over a run (all its threads, the garbage collector's too). */
  cpuMs: number;
  linesPerCpuSecond: number;
}

/** The same stack of Elman layers as TypeScript: declarations, a state, an equation per layer. */
function generatedTypeScript(layers: number): string {
  const lines = [
    "// generated: stacked Elman layers",
    "type Vec = number[];",
    "type Mat = number[][];",
    "declare function zeros(rows: number, columns: number): Mat;",
    "declare function vector(size: number): Vec;",
    "declare function matvec(m: Mat, v: Vec): Vec;",
    "declare function add(a: Vec, b: Vec): Vec;",
    "declare function tanh(v: Vec): Vec;",
    "declare const x: Vec;",
  ];
  let previous = "x";
  for (let i = 0; i < layers; i++) {
    lines.push(
      `const W${i}: Mat = zeros(16, 16);`,
      `const U${i}: Mat = zeros(16, ${i === 0 ? 8 : 16});`,
      `const b${i}: Vec = vector(16);`,
      `let h${i}: Vec = b${i};`,
      `h${i} = tanh(add(add(matvec(W${i}, h${i}), matvec(U${i}, ${previous})), b${i}));`,
    );
    previous = `h${i}`;
  }
  return lines.join("\n") + "\n";
}

/** The global types the checker insists on, and nothing else: the standard library would outweigh the program. */
const minimalLib = [
  "Array<T> { length: number; [n: number]: T }",
  "Boolean {}",
  "CallableFunction {}",
  "Function {}",
  "IArguments {}",
  "NewableFunction {}",
  "Number {}",
  "Object {}",
  "RegExp {}",
  "String {}",
]
  .map((i) => `interface ${i}`)
  .join("\n");

function typeCheck(text: string): void {
  const options: ts.CompilerOptions = {
    noLib: true,
    types: [],
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const files = new Map([
    ["big.ts", ts.createSourceFile("big.ts", text, ts.ScriptTarget.ES2022, true)],
    ["lib.d.ts", ts.createSourceFile("lib.d.ts", minimalLib, ts.ScriptTarget.ES2022, true)],
  ]);
  host.getSourceFile = (name) => files.get(name);
  const program = ts.createProgram(["big.ts", "lib.d.ts"], options, host);
  const errors = ts.getPreEmitDiagnostics(program).length;
  if (errors > 0) throw new Error(`the generated TypeScript program has ${errors} errors`);
}

/** CPU milliseconds of one call of `f`. */
function cpuMsOf(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Median wall and CPU milliseconds of a run. On a shared machine the CPU time is the steadier of the two. */
function timeRuns(runs: number, f: () => void): { wall: number; cpu: number } {
  f(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    cpu.push(cpuMsOf(f));
    wall.push(performance.now() - start);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/**
 * rnnc's lines per CPU second over TypeScript's, the two timed in turn (rnnc, TypeScript,
 * rnnc, ...): the median of the ratios of each pair. On a shared machine the load drifts
 * between the rows above, measured one after the other; a pair sees the same load.
 */
function pairedRatio(pairs: number, rnnc: () => void, rnncLines: number, peer: () => void, peerLines: number): number {
  rnnc();
  peer();
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const rnncMs = cpuMsOf(rnnc);
    const peerMs = cpuMsOf(peer);
    ratios.push(rnncLines / rnncMs / (peerLines / peerMs));
  }
  return median(ratios);
}

export function frontEndBench(
  quick: boolean,
  layers = 2_000,
): { lines: number; rows: FrontEndRow[]; pairs: number; pairedCpuRatio: number } {
  const runs = quick ? 3 : 10;
  const text = generatedModel(layers);
  const lines = text.split("\n").length - 1;
  const first = analyze(text);
  if (!first.model) throw new Error(`the generated model does not check: ${first.diagnostics[0]?.message}`);
  const model = first.model;
  const tsText = generatedTypeScript(layers);
  const tsLines = tsText.split("\n").length - 1;
  const row = (what: string, count: number, f: () => void): FrontEndRow => {
    const { wall, cpu } = timeRuns(runs, f);
    return {
      what,
      runs,
      medianMs: wall,
      linesPerSecond: count / (wall / 1000),
      cpuMs: cpu,
      linesPerCpuSecond: count / (cpu / 1000),
    };
  };
  const pairs = quick ? 3 : 15;
  return {
    lines,
    pairs,
    pairedCpuRatio: pairedRatio(
      pairs,
      () => analyze(text),
      lines,
      () => typeCheck(tsText),
      tsLines,
    ),
    rows: [
      row("rnnc parse", lines, () => parse(text)),
      row("rnnc analyze (parse, expand, check)", lines, () => analyze(text)),
      row("rnnc lower to IR (checked model given)", lines, () => lower(model)),
      row("rnnc analyze + lower", lines, () => lower(analyze(text).model!)),
      row(`peer: TypeScript ${ts.version} parse (${tsLines.toLocaleString("en-US")} lines)`, tsLines, () =>
        ts.createSourceFile("big.ts", tsText, ts.ScriptTarget.ES2022, true),
      ),
      row(`peer: TypeScript ${ts.version} parse + check`, tsLines, () => typeCheck(tsText)),
    ],
  };
}
