/**
 * The front end's peer: TypeScript's parser and checker on a generated TypeScript program of
 * the same length and shape as the generated model (five lines per layer).
 */
import ts from "typescript";

/** The same stack of Elman layers as TypeScript: declarations, a state, an equation per layer. */
export function generatedTypeScript(layers: number): string {
  const lines = [
    "// generated: stacked Elman layers",
    "type Vec = number[];",
    "type Mat = number[][];",
    "declare function zeros(rows: number, columns: number): Mat;",
    "declare function vector(size: number): Vec;",
    "declare function matvec(m: Mat, v: Vec): Vec;",
    "declare function add(a: Vec, b: Vec): Vec;",
    "declare function tanh(v: Vec): Vec;",
    "declare const x: Vec;",
  ];
  let previous = "x";
  for (let i = 0; i < layers; i++) {
    lines.push(
      `const W${i}: Mat = zeros(16, 16);`,
      `const U${i}: Mat = zeros(16, ${i === 0 ? 8 : 16});`,
      `const b${i}: Vec = vector(16);`,
      `let h${i}: Vec = b${i};`,
      `h${i} = tanh(add(add(matvec(W${i}, h${i}), matvec(U${i}, ${previous})), b${i}));`,
    );
    previous = `h${i}`;
  }
  return lines.join("\n") + "\n";
}

/** The global types the checker insists on, and nothing else: the standard library would outweigh the program. */
const minimalLib = [
  "Array<T> { length: number; [n: number]: T }",
  "Boolean {}",
  "CallableFunction {}",
  "Function {}",
  "IArguments {}",
  "NewableFunction {}",
  "Number {}",
  "Object {}",
  "RegExp {}",
  "String {}",
]
  .map((i) => `interface ${i}`)
  .join("\n");

export function typeCheck(text: string): void {
  const options: ts.CompilerOptions = {
    noLib: true,
    types: [],
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const files = new Map([
    ["big.ts", ts.createSourceFile("big.ts", text, ts.ScriptTarget.ES2022, true)],
    ["lib.d.ts", ts.createSourceFile("lib.d.ts", minimalLib, ts.ScriptTarget.ES2022, true)],
  ]);
  host.getSourceFile = (name) => files.get(name);
  const program = ts.createProgram(["big.ts", "lib.d.ts"], options, host);
  const errors = ts.getPreEmitDiagnostics(program).length;
  if (errors > 0) throw new Error(`the generated TypeScript program has ${errors} errors`);
}
