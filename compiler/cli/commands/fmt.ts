/** `rnnc fmt FILE... [--write|--check]`: print, rewrite, or verify the canonical layout. */
import type { Command } from "commander";
import { parse } from "../../../grammar/parse.js";
import { renderDiagnostics } from "../../diagnostics/render.js";
import { formatFile } from "../../format/format.js";
import { UserError, writeFileReported, type Output } from "../io.js";
import { readModelSource } from "../load.js";

export function registerFmt(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command("fmt")
    .description("format .rnn files canonically (prints to stdout unless --write or --check)")
    .argument("<files...>", ".rnn files")
    .option("--write", "rewrite the files in place")
    .option("--check", "exit 1 if a file is not formatted, listing it")
    .option(
      "--keep-notation",
      "keep the lecture's notation as written (h[t] = σ(W · h[t-1] + U · x[t]), ⊙) instead of the canonical h = sigmoid(W @ h[t-1] + U @ x), *",
    )
    .action((files: string[], opts: { write?: boolean; check?: boolean; keepNotation?: boolean }) => {
      if (opts.write && opts.check) throw new UserError("--write and --check exclude each other");
      let unformatted = 0;
      for (const file of files) {
        const { text, notUtf8 } = readModelSource(file);
        if (notUtf8) {
          io.err(renderDiagnostics([notUtf8], text, { fileName: file, color: io.color }));
          throw new UserError(`${file}: not formatted, it is not valid UTF-8`);
        }
        const { file: ast, diagnostics } = parse(text);
        // Formatting a file that does not parse would drop what the parser skipped.
        if (diagnostics.length > 0) {
          io.err(renderDiagnostics(diagnostics, text, { fileName: file, color: io.color }));
          throw new UserError(`${file}: not formatted, it has syntax errors`);
        }
        const formatted = formatFile(ast, { keepNotation: Boolean(opts.keepNotation) });
        if (opts.check) {
          if (formatted !== text) {
            unformatted++;
            io.out(`${file}: not formatted\n`);
          }
        } else if (opts.write) {
          if (formatted !== text) writeFileReported(io, file, formatted, "formatted");
        } else {
          io.out(formatted);
        }
      }
      setExit(unformatted > 0 ? 1 : 0);
    });
}
