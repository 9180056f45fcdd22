/**
 * Names from the `.rnn` file can be anything the grammar calls a name (any letters, dots):
 * JavaScript keywords, Object.prototype's members, names the generated code itself uses
 * (`t`, `Math`). The module must not care: names reach it only as quoted property keys,
 * string literals and comment text, never as code. Equations are copied into comments, but
 * as the formatter prints them, so no comment of the source (and no `*\/` in one) is copied.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import { initialWeights } from "../../runtime/init-weights.js";
import { randomBatch } from "../../runtime/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";
import { strictDiagnostics } from "../support/typecheck.js";

/** Every name of the model, by its role, and the name of its file (the module's header names it). */
interface Names {
  file: string;
  model: string;
  K: string;
  V: string;
  L: string;
  x: string;
  ids: string;
  y: string;
  W: string;
  U: string;
  b: string;
  C: string;
  M: string;
  Wo: string;
  bo: string;
  s: string;
  h: string;
  c: string;
  g: string;
  cell: string;
  e: string;
  n: string;
  m: string;
  z: string;
  p: string;
}

// `__proto__` names a parameter. As an input, a state or a quantity it would also reach the
// runtime's own records (random batches, the interpreter's carry and outputs), which are
// plain objects where it is not an own key: that is the runtime's business, not the module's.
const hostile: Names = {
  file: "*/ a file /*\n\u2028name.rnn",
  model: "constructor",
  K: "class",
  V: "valueOf",
  L: "t",
  x: "this",
  ids: "return",
  y: "default",
  W: "prototype",
  U: "toString",
  b: "hasOwnProperty",
  C: "function",
  M: "__proto__",
  Wo: "h.W",
  bo: "eval",
  s: "Δh",
  h: "arguments",
  c: "await",
  g: "let",
  cell: "θ",
  e: "é",
  n: "new",
  m: "Math",
  z: "yield",
  p: "delete",
};

const plain = Object.fromEntries(Object.keys(hostile).map((role) => [role, `n_${role}`])) as unknown as Names;

/** An LSTM-like model touching every kind of name, with comments in and after its equations. */
function source(n: Names): string {
  return `// a model of hostile names */ alert(1)
model ${n.model} {
  dim ${n.K} = 3
  dim ${n.V} = ${n.K} + 1
  dim ${n.L} = 2
  input ${n.x} : [${n.K}] /* a block comment */
  input ${n.ids} : onehot[${n.V}]
  target ${n.y} : class[${n.V}]
  param ${n.W} : [${n.K}, ${n.K}]
  param ${n.U} : [${n.K}, ${n.V}]
  param ${n.b} : [${n.K}] = 0.1
  param ${n.C} : [${n.K}, ${n.K} + ${n.K}]
  param ${n.M} : [${n.L}, ${n.K}]
  param ${n.Wo} : [${n.V}, ${n.K} + ${n.K} + ${n.L}]
  param ${n.bo} : [${n.V}]
  param ${n.s} : [${n.K}] = ones
  state ${n.h} : [${n.K}] = learned
  state ${n.c} : [${n.K}] = 0.5
  ${n.h} = tanh(${n.W} @ ${n.h}[t-1] + ${n.U} @ ${n.ids} /* alert(2) */ + ${n.b}) // */ alert(3)
  gate ${n.g} = sigmoid(${n.C} @ [${n.c}[t-2], ${n.x}])
  ${n.c} = ${n.g} * ${n.h} + (1 - ${n.g}) * ${n.c}[t-1]
  cell ${n.cell} = gru(${n.x}, size = ${n.K})
  ${n.e} = ${n.cell} * ${n.s}
  ${n.n} = [${n.e}, ${n.c}]
  ${n.m} = tanh(${n.M} @ ${n.e})
  ${n.z} = ${n.Wo} @ [${n.n}, ${n.m}] + ${n.bo}
  ${n.p} = softmax(${n.z})
  loss cross_entropy(${n.p}, ${n.y}) at each
}
`;
}

function compile(names: Names, format: boolean): Promise<string> {
  return compileModule(irFromText(source(names)), { emit: "ts", dtype: "f64", standalone: false, sourceName: names.file, format });
}

/** The module's syntax tree as a list of node kinds, with identifiers and numbers spelled out and strings left blank. */
function shape(code: string): string[] {
  const file = ts.createSourceFile("module.ts", code, ts.ScriptTarget.ES2022);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    const kind = ts.SyntaxKind[node.kind]!;
    out.push(ts.isIdentifier(node) || ts.isNumericLiteral(node) ? `${kind} ${node.text}` : kind);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

describe("names that are JavaScript keywords and built-ins", () => {
  it("compile to the same code as plain names: names are only ever string contents or comment text", async () => {
    expect(shape(await compile(hostile, false))).toEqual(shape(await compile(plain, false)));
  });

  it("type-check under --strict", async () => {
    expect(strictDiagnostics({ "hostile.ts": await compile(hostile, true) })).toBe("");
  });

  it("compute what the interpreter computes", async () => {
    const ir = irFromText(source(hostile));
    const rng = new Rng(3);
    const weights = initialWeights(ir, 3);
    for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.5, 0.5);
    const { worst, where } = await backendDifference(ir, weights, randomBatch(ir, rng, { T: 5, B: 3, ragged: true }));
    expect(worst, where).toBeLessThan(1e-12);
  });

  it("copy no comment of the source into the module", async () => {
    const code = await compile(hostile, true);
    expect(code).not.toContain("alert");
    expect(code).not.toContain("block comment");
  });
});
