/**
 * `rnnc lsp`: the language server over a pair of Node streams (the CLI passes stdin and
 * stdout). What it answers is serve.ts, the same core the playground runs in a Web Worker.
 */
import { createConnection, ProposedFeatures, type Connection } from "vscode-languageserver/node.js";
import { serve } from "./serve.js";

export type { ServerOptions } from "./options.js";

export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(ProposedFeatures.all, input, output);
  return serve(connection, (message) => void process.stderr.write(`rnnc lsp: ${message}\n`));
}

/**
 * Serves over stdin and stdout. stdout belongs to the protocol, so anything that would print
 * there (a stray console.log) goes to stderr instead; an error that escapes a handler is
 * logged rather than allowed to end the process.
 */
export function startStdioServer(): Connection {
  const toStderr = (...args: unknown[]) =>
    void process.stderr.write(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") + "\n");
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  process.on("uncaughtException", (e) => process.stderr.write(`rnnc lsp: uncaught: ${e.stack ?? e.message}\n`));
  process.on("unhandledRejection", (e) =>
    process.stderr.write(`rnnc lsp: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`),
  );
  return startServer(process.stdin, process.stdout);
}
