/**
 * The `rnnc` command line. Each command is a small module under `commands/`; this file
 * wires them up and turns every failure into a message and an exit status.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { processOutput, UserError, type Output } from "./io.js";
import { registerCheck } from "./commands/check.js";
import { registerExpand } from "./commands/expand.js";
import { registerFmt } from "./commands/fmt.js";
import { registerIr } from "./commands/ir.js";
import { registerGraph } from "./commands/graph.js";
import { registerRun } from "./commands/run.js";
import { registerCompile } from "./commands/compile.js";
import { registerGradcheck } from "./commands/gradcheck.js";
import { registerLsp } from "./commands/lsp.js";
import { registerTrain } from "./commands/train.js";
import { registerEval } from "./commands/eval.js";
import { registerSample } from "./commands/sample.js";
import { registerAnalyze } from "./commands/analyze.js";

export async function main(argv: string[], io: Output = processOutput): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command("rnnc")
    .description("rnnc: declare, check, run, train and compile recurrent networks")
    .version(packageVersion(), "-V, --version", "print the version of rnnc")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run 'rnnc help' or 'rnnc help COMMAND' for usage)");
  registerCheck(program, io, setExit);
  registerExpand(program, io);
  registerFmt(program, io, setExit);
  registerIr(program, io);
  registerGraph(program, io);
  registerRun(program, io);
  registerCompile(program, io);
  registerGradcheck(program, io, setExit);
  registerLsp(program, io);
  registerTrain(program, io, setExit);
  registerEval(program, io);
  registerSample(program, io);
  registerAnalyze(program, io);
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? 0 : 2;
    if (e instanceof UserError) {
      io.err(`rnnc: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && !(e instanceof ReferenceError)) {
      io.err(`rnnc: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** The version in package.json (two folders above dist/compiler/cli, as above compiler/cli). */
function packageVersion(): string {
  for (const up of ["../../../package.json", "../../package.json"]) {
    try {
      const json = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (json.name === "rnnc" && json.version) return json.version;
    } catch {
      // not this folder: try the next one up
    }
  }
  return "unknown";
}
