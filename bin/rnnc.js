#!/usr/bin/env node
// The CLI runs from the compiled output in dist/, built by `npm run build` (run on `prepare`, so `npm ci` builds it).
import { describeFileError } from "../dist/engine/io/file-error.js";
import { enableRelaxedSimd } from "../dist/engine/wasm-features.js";

// Node 20 compiles WebAssembly's fused multiply-add (relaxed SIMD) only behind a V8 flag, set
// here before the CLI is loaded and before any module is compiled; the kernel tiers are chosen
// when a model is first made (docs/kernels.md). V8's flags are process-wide: worker threads see it.
enableRelaxedSimd();
const { main } = await import("../dist/compiler/cli/main.js");

// A reader that stops early (`rnnc ir model.rnn | head`) closes the pipe: that ends the
// output quietly, as it does for any Unix tool, instead of crashing on EPIPE. Output that
// cannot be written (a full disk under `> file`) is an error that says so.
for (const [stream, name] of [
  [process.stdout, "standard output"],
  [process.stderr, "standard error"],
]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    if (stream === process.stdout) process.stderr.write(`rnnc: cannot write to ${name}: ${describeFileError(e)}\n`);
    process.exit(1);
  });
}

process.exitCode = await main(process.argv.slice(2));
