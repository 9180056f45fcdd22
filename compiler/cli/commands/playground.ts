/**
 * `rnnc playground [--port N]`: serves the playground, the page `npm run build:playground`
 * writes into dist/playground (docs/playground.md), on this machine's loopback address. The
 * server hands out those files and nothing else; the page's policy lets it fetch nothing but
 * them, so once it is loaded it works without the network.
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { UserError, type Output } from "../io.js";
import { nonNegativeInt } from "./train-options.js";

/** dist/playground, beside dist/compiler, where the build writes the page. */
export const playgroundDirectory = fileURLToPath(new URL("../../../playground/", import.meta.url));

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * Scripts from the page's own files and from the blobs it makes (the generated module it
 * trains); WebAssembly compiled in the page (the kernels, Graphviz); no connection elsewhere.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' blob: 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' blob:",
].join("; ");

export function registerPlayground(program: Command, io: Output): void {
  program
    .command("playground")
    .description("serve the playground: edit, draw, compile and train a model in the browser (docs/playground.md)")
    .option("--port <n>", "the port to listen on (0: any free port)", nonNegativeInt, 8080)
    .option("--host <address>", "the address to listen on (the default serves this machine only)", "127.0.0.1")
    .action(async (opts: { port: number; host: string }) => {
      const dir = playgroundDirectory;
      if (!existsSync(join(dir, "index.html")))
        throw new UserError(`the playground is not built: run 'npm run build:playground' (it writes ${dir})`);
      const server = serveDirectory(dir);
      await new Promise<void>((resolve, reject) => {
        server.once("error", (e: NodeJS.ErrnoException) =>
          reject(
            new UserError(
              e.code === "EADDRINUSE"
                ? `port ${opts.port} is in use: give another with --port N (0 picks a free one)`
                : `cannot listen on ${opts.host}:${opts.port}: ${e.message}`,
            ),
          ),
        );
        server.listen(opts.port, opts.host, resolve);
      });
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : opts.port;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      io.out(`rnnc playground: serving http://${host}:${port}/ (Ctrl-C stops it)\n`);
      // Serves until the process is stopped.
      return new Promise<never>(() => {});
    });
}

/** The files directly in `dir`, by name; `/` is index.html. */
export function serveDirectory(dir: string): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const name = path === "/" ? "index.html" : path.slice(1);
    const type = contentTypes[extname(name)];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    // Only names of the build's own files: no directories, so nothing outside `dir`.
    if (!/^[\w.-]+$/.test(name) || name.startsWith(".") || !type || !existsSync(join(dir, name))) {
      response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end(`not found: ${path}\n`);
      return;
    }
    const body = readFileSync(join(dir, name));
    response
      .writeHead(200, {
        "Content-Type": type,
        "Content-Length": body.length,
        "Content-Security-Policy": contentSecurityPolicy,
        "X-Content-Type-Options": "nosniff",
      })
      .end(request.method === "HEAD" ? undefined : body);
  });
}
