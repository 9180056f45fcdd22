/**
 * rnnc as a library (`import { ... } from "rnnc"`): the compiler's passes, for programs
 * that check, run or compile models at run time. Each is one pass with one input and one
 * output, as the command line uses them; `docs/generated-modules.md` shows the result of
 * `compileModule` in use, `rnnc/runtime` holds the kernels and utilities the modules use, and
 * `rnnc/engine` runs models (the interpreter and the compiled backend).
 */
export { parse, type ParseResult } from "../grammar/parse.js";
export { analyze, type FrontEndResult } from "./frontend.js";
export type { Diagnostic } from "../grammar/diagnostic.js";
/** A diagnostic's or an AST node's range holds offsets; these give its lines and columns. */
export { startOf, endOf, type SourceRange, type Position } from "../grammar/source-range.js";
export { renderDiagnostics, diagnosticsToJson } from "./diagnostics/render.js";
export { formatFile } from "./format/format.js";
export { lower } from "./ir/lower.js";
export type { IrModel } from "./ir/ir.js";
export { printIr } from "./ir/print.js";
export { unroll } from "./unroll/unroll.js";
export { compileModule, type CompileOptions } from "./codegen/compile.js";
export { version } from "./version.js";
