/** `rnnc check FILE...`: parse, expand and check; print every diagnostic; exit 1 on any error. */
import type { Command } from "commander";
import { hasErrors } from "../../../grammar/diagnostic.js";
import { diagnosticsToJson } from "../../diagnostics/render.js";
import type { CheckedModel } from "../../check/model.js";
import { elementCount } from "../../check/limits.js";
import { loadModel, printDiagnostics, type LoadedModel } from "../load.js";
import { UserError, type Output } from "../io.js";
import { collectDims } from "./options.js";
import { plural } from "../../plural.js";

export function registerCheck(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command("check")
    .description("check models: names, shapes, delays, same-step cycles, losses")
    .argument("<files...>", ".rnn files")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .option("--format <format>", "text or json", "text")
    .action((files: string[], opts: { dim: string[]; format: string }) => {
      if (opts.format !== "text" && opts.format !== "json")
        throw new Error(`--format is text or json, not '${opts.format}'`);
      const reports: object[] = [];
      let failed = false;
      for (const file of files) {
        const loaded = readModel(file, opts.dim, io);
        if (!loaded) {
          failed = true;
          continue;
        }
        const { diagnostics } = loaded.result;
        // A bad --dim is an error too, though the model checked with the overrides that were valid.
        const model = hasErrors(diagnostics) ? undefined : loaded.result.model;
        failed ||= hasErrors(diagnostics);
        if (opts.format === "json") {
          reports.push(...diagnosticsToJson(diagnostics, file));
          continue;
        }
        printDiagnostics(loaded, io);
        if (model)
          io.out(`${file}: ok (${summary(model, diagnostics.filter((d) => d.severity === "warning").length)})\n`);
      }
      if (opts.format === "json") io.out(JSON.stringify(reports, null, 2) + "\n");
      setExit(failed ? 1 : 0);
    });
}

/** One unreadable file is reported and skipped; the others are still checked. */
function readModel(file: string, dims: string[], io: Output): LoadedModel | undefined {
  try {
    return loadModel(file, dims);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    io.err(`rnnc: ${e.message}\n`);
    return undefined;
  }
}

function summary(model: CheckedModel, warnings: number): string {
  const weights = model.params.reduce((n, p) => n + elementCount(p.shape), 0n);
  const parts = [
    `model ${model.name}`,
    `${model.params.length} parameters`,
    `${weights.toLocaleString("en-US")} weights`,
  ];
  if (warnings > 0) parts.push(`${warnings} ${plural(warnings, "warning")}`);
  return parts.join(", ");
}
