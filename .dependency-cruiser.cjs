/**
 * The layers of rnnc and the one rule between them: a layer imports only from the layers
 * below it. docs/architecture.md explains each layer; `npm test` runs this check
 * (tests/repo/hygiene.test.ts), so an import against the rule fails CI.
 *
 *   apps      compiler/cli, compiler/lsp, bench/,    commands, the editor, measurements,
 *             playground/                            the page in the browser
 *   engine    engine/                                runs models: interpreter, training, threads
 *   compiler  compiler/ (but its apps)               expand, check, IR, gradient, unroll, codegen
 *   grammar   grammar/                               tokens, parser, AST, diagnostics as data
 *   runtime   runtime/                               what a generated module needs at run time
 */
const apps = "^(compiler/(cli|lsp)|bench|playground)/";
const compilerCore = "^compiler/(?!(cli|lsp)/)";

module.exports = {
  forbidden: [
    {
      name: "runtime-stands-alone",
      comment: "runtime/ is what a generated module imports: it imports nothing of rnnc above it.",
      severity: "error",
      from: { path: "^runtime/" },
      to: { path: "^(grammar|compiler|engine|bench|tests|tools)/" },
    },
    {
      name: "grammar-below-compiler",
      comment: "The grammar reads text into an AST; it knows nothing of the passes after it.",
      severity: "error",
      from: { path: "^grammar/" },
      to: { path: "^(compiler|engine|bench|tests|tools)/" },
    },
    {
      name: "compiler-below-engine",
      comment: "The compiler turns text into IR and code; running models (engine/) sits above it.",
      severity: "error",
      from: { path: compilerCore },
      to: { path: `^engine/|${apps}|^(tests|tools)/` },
    },
    {
      name: "engine-below-apps",
      comment: "The engine serves the command line, the language server and the benchmark, never the reverse.",
      severity: "error",
      from: { path: "^engine/" },
      to: { path: `${apps}|^(tests|tools)/` },
    },
    {
      name: "apps-independent",
      comment: "The command line and the language server share the layers below, not each other's code.",
      severity: "error",
      from: { path: "^compiler/lsp/" },
      to: { path: "^compiler/cli/" },
    },
    {
      name: "playground-runs-the-language-server",
      comment:
        "The playground runs the language server's core in a worker (the same code as rnnc lsp, reused, not forked), and nothing else of another app: not the command line's Node-only code, nor the benchmark's.",
      severity: "error",
      from: { path: "^playground/" },
      to: { path: "^(compiler/cli|bench|tests|tools)/|^compiler/lsp/server\\.ts$" },
    },
    {
      name: "nothing-imports-the-playground",
      comment: "The playground is a page built on top of everything; no layer and no other app depends on it.",
      severity: "error",
      from: { pathNot: "^playground/" },
      to: { path: "^playground/" },
    },
    {
      name: "bench-self-contained",
      comment: "The benchmark measures the product; it does not borrow the tests' helpers.",
      severity: "error",
      from: { path: "^bench/" },
      to: { path: "^tests/" },
    },
    {
      name: "no-circular",
      comment: "Modules that import each other cannot be understood (or tested) one at a time.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: "^(grammar|compiler|runtime|engine|playground|bench|tests|tools|bin|examples)/",
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
  },
};
