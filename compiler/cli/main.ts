/**
 * The `rnnc` command line. Each command is a small module under `commands/`; this file
 * wires them up and turns every failure into a message and an exit status.
 */
import { Command, CommanderError } from "commander";
import { processOutput, UserError, type Output } from "./io.js";
import { version } from "../version.js";
import { environmentHelp } from "./environment.js";
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
import { registerTranslate } from "./commands/translate.js";
import { registerAnalyze } from "./commands/analyze.js";
import { registerExport } from "./commands/export.js";
import { registerPlayground } from "./commands/playground.js";

export async function main(argv: string[], io: Output = processOutput): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command("rnnc")
    .description("rnnc: declare, check, run, train and compile recurrent networks")
    .version(version, "-V, --version", "print the version of rnnc")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run 'rnnc help' or 'rnnc help COMMAND' for usage)")
    .addHelpText("after", environmentHelp());
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
  registerTranslate(program, io);
  registerAnalyze(program, io);
  registerExport(program, io);
  registerPlayground(program, io);
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError)
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help"
        ? 0
        : 2;
    if (e instanceof UserError) {
      io.err(`rnnc: ${e.message}\n`);
      return e.exitCode;
    }
    // What the memory checks did not foresee (memory taken by others meanwhile) is still not a crash.
    if (e instanceof RangeError && e.message === "Array buffer allocation failed") {
      io.err("rnnc: out of memory: the system refused an array this run needs (docs/reliability.md#limits)\n");
      return 1;
    }
    if (
      e instanceof Error &&
      !(e instanceof TypeError) &&
      !(e instanceof RangeError) &&
      !(e instanceof ReferenceError)
    ) {
      io.err(`rnnc: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
