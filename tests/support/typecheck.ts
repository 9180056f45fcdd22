/**
 * Type-checks generated modules as a user's strictest project would: `tsc --strict` with the checks
 * --noUncheckedIndexedAccess, --exactOptionalPropertyTypes, --noUnusedLocals and --noUnusedParameters, in memory, all
 * modules in one program, with `rnnc/runtime` resolved to this repository's runtime sources.
 */
import { join, resolve } from "node:path";
import ts from "typescript";

const options: ts.CompilerOptions = {
  strict: true,
  // The checks a strict project adds on top of --strict (tsc --init turns on the first two).
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts"],
  // Generated code needs no ambient types (no Node); leaving them out keeps the program small.
  types: [],
  paths: { "rnnc/runtime": [resolve("runtime/index.ts")] },
};

/**
 * The diagnostics of the given modules (file name → source) as tsc prints them; "" when they check clean.
 * `lib`: TypeScript's libraries, by default ES2022 alone (a `--standalone` module on the WebAssembly tier needs
 * WebAssembly's types: "lib.dom.d.ts" as well, as a project's default libraries have).
 */
export function strictDiagnostics(modules: Record<string, string>, lib: readonly string[] = options.lib!): string {
  // A directory that does not exist: the modules live only in this map.
  const root = resolve("tests/.generated");
  const files = new Map(Object.entries(modules).map(([name, text]) => [join(root, name), text]));
  const host = ts.createCompilerHost({ ...options, lib: [...lib] });
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, onError, create) => {
    const text = files.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, language, onError, create)
      : ts.createSourceFile(name, text, language);
  };
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  // So that one module can import another ("./elman.js").
  host.directoryExists = (name) => name === root || ts.sys.directoryExists(name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...files.keys()], { ...options, lib: [...lib] }, host);
  // Only the generated modules are judged: the runtime is checked by the project's own tsconfig.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys()].flatMap((name) => {
      const file = program.getSourceFile(name)!;
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    }),
  ];
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}
