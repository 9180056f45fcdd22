#!/usr/bin/env node
// The CLI runs from the compiled output in dist/, built by `npm run build` (run on `prepare`, so `npm ci` builds it).
import { main } from "../dist/compiler/cli/main.js";

// A reader that stops early (`rnnc ir model.rnn | head`) closes the pipe: that ends the
// output quietly, as it does for any Unix tool, instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv.slice(2));
