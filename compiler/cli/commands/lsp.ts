/** `rnnc lsp --stdio`: the language server for editors (see docs/editors.md). */
import type { Command } from "commander";
import { UserError, type Output } from "../io.js";

export function registerLsp(program: Command, io: Output): void {
  program
    .command("lsp")
    .description("run the language server (hover, diagnostics, completion, rename, formatting, ...) over stdin/stdout")
    .option("--stdio", "speak LSP over stdin and stdout (the only transport)")
    .option(
      "--clientProcessId <pid>",
      "the editor's process id (passed by some clients; the server also exits when stdin closes)",
    )
    .action(async (opts: { stdio?: boolean }) => {
      if (!opts.stdio)
        throw new UserError(
          "'rnnc lsp' needs --stdio: it speaks LSP to an editor over stdin and stdout (see docs/editors.md)",
          2,
        );
      if (process.stdin.isTTY)
        io.err("rnnc lsp: waiting for an editor to speak LSP on stdin (this is not an interactive command)\n");
      // Loaded here, not at the top: the protocol library would slow every other command's start.
      const { startStdioServer } = await import("../../lsp/server.js");
      startStdioServer();
      // The server runs until the client sends `exit` or closes stdin; both end the process.
      return new Promise<never>(() => {});
    });
}
