/**
 * One side of the front end's paired comparison in a process of its own:
 * `node frontend-side.js rnnc|typescript LAYERS MS` analyses (rnnc) or parses and checks
 * (TypeScript) the generated program of LAYERS layers for MS milliseconds of CPU time to warm
 * up (at least 5 calls: rnnc's analysis takes about 10 calls to settle in a new process), then
 * for MS more, and prints its lines and the CPU and wall milliseconds of each timed call as JSON. In a process of its
 * own a call's CPU time (every thread's: the collector's helpers too) is its own side's work,
 * never the other side's garbage being marked or swept while it runs.
 */
import { analyze } from "../compiler/frontend.js";
import { generatedModel } from "./support/generated-model.js";
import { generatedTypeScript, typeCheck } from "./support/typescript-peer.js";
import { cpuMsOf } from "./cpu-time.js";

export interface SideTimes {
  lines: number;
  cpuMs: number[];
  wallMs: number[];
}

const [side, layers, budgetMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const text = side === "rnnc" ? generatedModel(layers) : generatedTypeScript(layers);
const call = side === "rnnc" ? () => analyze(text) : () => typeCheck(text);
if (side !== "rnnc" && side !== "typescript") throw new Error(`unknown side ${side}`);

/** CPU and wall milliseconds of calls made until `budgetMs` of CPU time have passed, at least 5 of them. */
function callsFor(budgetMs: number): Omit<SideTimes, "lines"> {
  const cpuMs: number[] = [];
  const wallMs: number[] = [];
  for (let spent = 0; cpuMs.length < 5 || spent < budgetMs; spent += cpuMs.at(-1)!) {
    const start = performance.now();
    cpuMs.push(cpuMsOf(call));
    wallMs.push(performance.now() - start);
  }
  return { cpuMs, wallMs };
}

callsFor(budgetMs);
const times: SideTimes = { lines: text.split("\n").length - 1, ...callsFor(budgetMs) };
console.log(JSON.stringify(times));
