#!/usr/bin/env node
// The CLI runs from the compiled output in dist/, built by `npm run build` (run on `prepare`, so `npm ci` builds it).
import { main } from "../dist/compiler/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
