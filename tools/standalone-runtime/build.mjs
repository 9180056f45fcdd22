// @ts-check
/**
 * Writes dist/compiler/codegen/runtime-index.json, the runtime's sources as `--standalone`
 * modules inline them (compiler/codegen/runtime-source.ts): `npm run build` runs it after tsc,
 * so that compiling a standalone module from the built package reads the runtime without
 * loading TypeScript. A test compares it with an index read from the sources.
 */
import { writeRuntimeIndex } from "../../dist/compiler/codegen/runtime-source.js";

await writeRuntimeIndex();
