/**
 * Names from the `.rnn` file can be anything the grammar calls a name (any letters, dots):
 * JavaScript keywords, Object.prototype's members, names the generated code itself uses
 * (`t`, `Math`, `B`, `matmulBatch`). The module must not care: names reach it as quoted property
 * keys, string literals and comment text, and as the identifiers of its arrays (`h`, `dh`), which
 * are spelled in ASCII and kept distinct from each other and from every identifier the code uses
 * itself, so that a module's code is that of plain names with its arrays renamed. Equations are copied into comments, but
 * as the formatter prints them, so no comment of the source (and no `*\/` in one) is copied.
 * Nor must the runtime: its records keyed by names (batches, weights, the carried state, JSON
 * files, checkpoints) take `__proto__` or `constructor` as ordinary keys.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import type { Carry } from "../../engine/interpret/execution.js";
import { batchFromJson, batchToJson } from "../../engine/io/data-json.js";
import { weightsFromJson, weightsToJson } from "../../engine/io/weights-json.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { loadCheckpoint, snapshotCheckpoint, writeCheckpoint } from "../../engine/train/checkpoint.js";
import { initialTrainState } from "../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../engine/train/optimizers.js";
import { maxRelativeError } from "../support/compare.js";
import { backendDifference, compiledFor } from "../support/equivalence.js";
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

// Members of Object.prototype in every role: a record built as `{}` would read `constructor`
// or `toString` as present when it is not, and `__proto__` would set the prototype instead.
const hostile: Names = {
  file: "*/ a file /*\n\u2028name.rnn",
  model: "constructor",
  K: "class",
  V: "valueOf",
  L: "t",
  x: "toLocaleString",
  ids: "return",
  y: "isPrototypeOf",
  W: "prototype",
  U: "toString",
  b: "hasOwnProperty",
  C: "function",
  M: "__proto__",
  Wo: "h.W",
  bo: "eval",
  s: "Δh",
  h: "constructor",
  c: "__lookupGetter__",
  g: "let",
  cell: "θ",
  e: "__defineGetter__",
  n: "new",
  m: "Math",
  z: "yield",
  p: "delete",
};

/**
 * Names the generated code itself uses, for its locals (`b`, `i`, `t`, `lengths`, `fused`), the kernels it calls, the
 * globals it reads, the locals of its loops (`a4`, `r0`, `scale0`) and names it derives from others (`dW`, `hAt`).
 */
const generated: Names = {
  file: "own.rnn",
  model: "Model",
  K: "B",
  V: "T",
  L: "t",
  x: "b",
  ids: "i",
  y: "lengths",
  W: "matmulBatch",
  U: "Math",
  b: "b_",
  C: "a4",
  M: "r0",
  Wo: "scale0",
  bo: "softmaxRows",
  s: "dW",
  h: "fused",
  c: "hAt",
  g: "ragged",
  cell: "row",
  e: "targets",
  n: "do_raw",
  m: "d0",
  z: "positions0",
  p: "Float64Array",
};

/** The hostile names with `__proto__` moved to `role` (an input, a target, a state, a quantity). */
function protoAs(role: keyof Names): Names {
  return { ...hostile, M: hostile[role], [role]: "__proto__" };
}

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
  gate ${n.g} = sigmoid(${n.C} @ [${n.c}[t-2], ${n.x}[t-1]])
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
  return compileModule(irFromText(source(names)), {
    emit: "ts",
    dtype: "f64",
    standalone: false,
    sourceName: names.file,
    format,
  });
}

/**
 * Where the syntax trees of two modules differ only by renaming identifiers one to one, and only those a plain
 * name gave (all contain `n_`), leaving every identifier of the code's own as it is: "" when they do, else the
 * first difference.
 */
function renamingDifference(plainCode: string, code: string): string {
  const [plain, other] = [shape(plainCode), shape(code)];
  if (plain.length !== other.length) return `${plain.length} nodes against ${other.length}`;
  const forward = new Map<string, string>();
  const backward = new Map<string, string>();
  for (let k = 0; k < plain.length; k++) {
    const [p, o] = [plain[k]!, other[k]!];
    const [pKind, pName] = p.split(" ");
    const [oKind, oName] = o.split(" ");
    if (pKind !== "Identifier" || oKind !== "Identifier") {
      if (p === o) continue;
      return `node ${k}: ${p} against ${o}`;
    }
    if (!pName!.includes("n_") && pName !== oName) return `node ${k}: the code's own ${pName} became ${oName}`;
    if ((forward.get(pName!) ?? oName) !== oName || (backward.get(oName!) ?? pName) !== pName)
      return `node ${k}: ${pName} → ${oName} is not one to one`;
    forward.set(pName!, oName!);
    backward.set(oName!, pName!);
  }
  return "";
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
  it("compile to the code of plain names with the arrays renamed one to one", async () => {
    expect(renamingDifference(await compile(plain, false), await compile(hostile, false))).toBe("");
  });

  it("that the generated code uses itself compile to the code of plain names with the arrays renamed", async () => {
    const own = await compile(generated, false);
    expect(renamingDifference(await compile(plain, false), own)).toBe("");
    expect(strictDiagnostics({ "own.ts": await compile(generated, true) })).toBe("");
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

describe("Unicode names and the lecture's notation", () => {
  // Names per Unicode ID_Start/ID_Continue: combining marks (C̃, h̃), Greek (σ is also the
  // lecture's sigmoid: a parameter named σ is read as the parameter, σ(...) as the function).
  const unicode: Names = {
    ...plain,
    model: "Modèle",
    W: "Wα",
    h: "h\u0303",
    c: "C\u0303",
    s: "σ",
    cell: "θ",
    g: "f\u0331",
    n: "ñ",
    x: "x\u30fbt",
  };
  /** The same source in the lecture's notation: h[t] on the left, x[t] on the right, ·, ⊙, σ. */
  const lecture = (text: string) =>
    text
      .replace(/ @ /g, " · ")
      .replace(/ \* /g, " ⊙ ")
      .replace(/sigmoid\(/g, "σ(")
      .replace(/^( {2}(?:gate )?)(\S+) = /gm, "$1$2[t] = ")
      .replace(/\+ (\S+) \/\* alert/, "+ $1[t] /* alert");

  it("compile to the code of plain names with the arrays renamed, spelled in ASCII", async () => {
    const code = await compile(unicode, false);
    expect(renamingDifference(await compile(plain, false), code)).toBe("");
    // h̃ is htilde, C̃ Ctilde, Wα Walpha, σ sigma: the lecture's names, readable in code.
    expect(code).toMatch(/\bconst htilde = /);
    expect(code).toMatch(/\bconst Ctilde = /);
    expect(code).toMatch(/\bconst Walpha = /);
    expect(code).toMatch(/\bconst sigma = /);
    expect(strictDiagnostics({ "unicode.ts": await compile(unicode, true) })).toBe("");
  });

  it("in the lecture's notation compile to exactly the module of the canonical syntax", async () => {
    const written = lecture(source(unicode));
    expect(written).toContain("h\u0303[t] = tanh(Wα · h\u0303[t-1]");
    expect(written).toContain("σ(");
    const options = {
      emit: "ts" as const,
      dtype: "f64" as const,
      standalone: false,
      sourceName: "m.rnn",
      format: true,
    };
    expect(await compileModule(irFromText(written), options)).toBe(
      await compileModule(irFromText(source(unicode)), options),
    );
  });
});

describe("__proto__ as any kind of name, through the runtime", () => {
  const roles = ["M", "x", "ids", "y", "h", "c", "e"] as const satisfies readonly (keyof Names)[];

  /** Weights worth comparing (none zero), and two consecutive chunks of ragged batches. */
  function setUp(role: keyof Names) {
    const ir = irFromText(source(protoAs(role)));
    const rng = new Rng(5);
    const weights = initialWeights(ir, 5);
    for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.5, 0.5);
    const chunks = [
      randomBatch(ir, rng, { T: 4, B: 3, ragged: true }),
      randomBatch(ir, rng, { T: 3, B: 3, ragged: true }),
    ];
    return { ir, weights, chunks };
  }

  for (const role of roles) {
    describe(`as the ${role} of the model`, () => {
      it("runs a stream in two chunks: the compiled module computes what the interpreter computes, carry included", async () => {
        const { ir, weights, chunks } = setUp(role);
        expect(Object.keys(chunks[0]!.inputs).sort()).toEqual(ir.inputs.map((i) => i.name).sort());
        const interpreted = interpreterBackend(ir);
        const carry = interpreted.forward(weights, chunks[0]!).carry();
        expect(Object.keys(carry).sort()).toEqual(carriedNames(ir));
        const compiledCarry = (await compiledFor(ir)).forward(weights, chunks[0]!).carry();
        expect(maxCarryDifference(compiledCarry, carry)).toBeLessThan(1e-12);
        const { worst, where } = await backendDifference(ir, weights, chunks[1]!, carry);
        expect(worst, where).toBeLessThan(1e-12);
      });

      it("reads back the weights and a batch it wrote as JSON", () => {
        const { ir, weights, chunks } = setUp(role);
        const viaJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
        expect(weightsFromJson(ir, viaJson(weightsToJson(ir, weights)))).toEqual(weights);
        expect(batchFromJson(ir, viaJson(batchToJson(ir, chunks[0]!)))).toEqual(chunks[0]);
      });

      it("reads back a checkpoint it wrote: weights, optimiser moments and the carried state", async () => {
        const { ir, weights, chunks } = setUp(role);
        const backend = interpreterBackend(ir);
        const state = initialTrainState(weights, {
          epochs: 1,
          batch: 3,
          seqLen: 4,
          optimizer: defaultOptimizerConfig("adam", 0.01),
          clipValue: null,
          clipNorm: null,
          seed: 5,
          valSplit: 0,
          evalEvery: 0,
        });
        const result = backend.lossAndGrad(state.weights, chunks[0]!);
        state.optimizer.step(state.weights, result.grads);
        state.carry = result.carry();
        const dir = mkdtempSync(join(tmpdir(), "rnnc-names-"));
        try {
          await writeCheckpoint(
            dir,
            snapshotCheckpoint(checkpointIdentity(ir), state, {
              metricsBytes: 0,
              finished: false,
              shapes: Object.fromEntries(ir.params.map((p) => [p.name, p.shape])),
            }),
          );
          const loaded = loadCheckpoint(dir);
          expect(loaded.weights).toEqual(state.weights);
          expect(loaded.optimizer).toEqual(state.optimizer.getState());
          expect(Object.keys(loaded.carry!).sort()).toEqual(carriedNames(ir));
          expect(loaded.carry).toEqual(state.carry);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});

/** The states and inputs a model reads through a delay: what a stream carries. */
function carriedNames(ir: IrModel): string[] {
  return [...new Set(ir.nodes.flatMap((n) => (n.op === "delay" ? [n.source] : [])))].sort();
}

function maxCarryDifference(actual: Carry, expected: Carry): number {
  if (Object.keys(actual).sort().join() !== Object.keys(expected).sort().join()) return Infinity;
  return Math.max(
    0,
    ...Object.keys(expected).flatMap((name) =>
      expected[name]!.map((steps, j) => maxRelativeError(actual[name]![j]!, steps)),
    ),
  );
}

/** What a checkpoint records about the run besides its state; none of it matters here but its shape. */
function checkpointIdentity(ir: IrModel): Parameters<typeof snapshotCheckpoint>[0] {
  return {
    format: "rnnc-checkpoint",
    version: 1,
    model: { file: "names.rnn", name: ir.name, sha256: "", source: "", dims: ir.dims, overrides: {} },
    data: { path: "data.json", sha256: "", codebook: { format: "json" } },
    config: {
      epochs: 1,
      batch: 3,
      seqLen: 4,
      optimizer: defaultOptimizerConfig("adam", 0.01),
      clipValue: null,
      clipNorm: null,
      seed: 5,
      valSplit: 0,
      evalEvery: 0,
      backend: "interp",
    },
  };
}
