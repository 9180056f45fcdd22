/**
 * `rnnc lsp --stdio` as an editor sees it: one server process, spoken to over JSON-RPC by
 * the protocol package's client side. Needs `npm run build` first (as `npm test` does).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as P from "vscode-languageserver-protocol/node.js";
import { parse } from "../../grammar/parse.js";
import { formatFile } from "../../compiler/format/format.js";
import { Doc, fileUri, LspClient, repoRoot } from "../../bench/support/lsp-client.js";

const examplesDir = join(repoRoot, "examples");
const exampleNames = readdirSync(examplesDir).filter((f) => f.endsWith(".rnn"));

function example(name: string): Doc {
  const path = join(examplesDir, name);
  return new Doc(fileUri(path), readFileSync(path, "utf8"));
}

let client: LspClient;
let init: P.InitializeResult;
const docs = new Map<string, Doc>();
const doc = (name: string) => docs.get(name)!;

beforeAll(async () => {
  ({ client, init } = await LspClient.start({ snippets: true }));
  for (const name of exampleNames) {
    const d = example(name);
    docs.set(name, d);
    await client.open(d);
  }
});

afterAll(() => client?.kill());

describe("initialize", () => {
  test("advertises incremental sync and every feature", () => {
    const c = init.capabilities;
    expect(c.textDocumentSync).toMatchObject({ openClose: true, change: P.TextDocumentSyncKind.Incremental });
    expect(c.hoverProvider).toBe(true);
    expect(c.definitionProvider).toBe(true);
    expect(c.referencesProvider).toBe(true);
    expect(c.renameProvider).toMatchObject({ prepareProvider: true });
    expect(c.documentSymbolProvider).toBe(true);
    expect(c.completionProvider).toBeDefined();
    expect(c.signatureHelpProvider?.triggerCharacters).toContain("(");
    expect(c.documentFormattingProvider).toBe(true);
  });

  test("every example is published without errors on open", async () => {
    expect(exampleNames.length).toBeGreaterThanOrEqual(5);
    for (const name of exampleNames) {
      const diagnostics = await client.diagnostics(doc(name));
      expect(
        diagnostics.filter((d) => d.severity === P.DiagnosticSeverity.Error),
        name,
      ).toEqual([]);
    }
  });
});

describe("hover", () => {
  test("the model name: total parameter count", async () => {
    const text = await client.hoverText(doc("elman.rnn"), doc("elman.rnn").pos("ElmanSentiment"));
    // W 32×32 + U 32×64 + b 32 + Vo 2×32 + c 2
    expect(text).toContain("**model** `ElmanSentiment`: 5 parameters, **3,170 weights** in total");
    expect(text).toContain("| `U` | `[H, V] = [32, 64]` | 2,048 |");
  });

  test("a dim: value and where it is used", async () => {
    const d = doc("elman.rnn");
    const text = await client.hoverText(d, d.pos("V = 64"));
    expect(text).toContain("**dim** `V` = **64**");
    expect(text).toContain("- line 7: `input x : onehot[V]`");
    expect(text).toContain("- line 11: `param U : [H, V]`");
  });

  test("a parameter: symbolic and numeric shape, weights, initialiser, equations using it", async () => {
    const d = doc("elman.rnn");
    const text = await client.hoverText(d, d.pos("W : [H, H]"));
    expect(text).toContain("**param** `W` : `[H, H] = [32, 32]` — 1,024 weights");
    expect(text).toContain("Xavier/Glorot uniform (the default for a matrix)");
    expect(text).toContain("h = tanh(W @ h[t-1] + U @ x + b)   // line 18");
    const gates = doc("lstm-gates.rnn");
    const wf = await client.hoverText(gates, gates.pos("Wf @"));
    expect(wf).toContain("`[H, H + V] = [24, 56]` — 1,344 weights");
    expect(wf).toContain("gate f = sigmoid(Wf @ [h[t-1], x] + bf)");
    const bf = await client.hoverText(gates, gates.pos("bf :"));
    expect(bf).toContain("**Initialiser:** ones");
  });

  test("a state: shape, equation, readers at the same step and through delays, initial value", async () => {
    const d = doc("elman.rnn");
    const text = await client.hoverText(d, d.pos("h : [H]"));
    expect(text).toContain("**state** `h` : `[H] = [32]`");
    expect(text).toContain("state h : [H] = zeros\nh = tanh(W @ h[t-1] + U @ x + b)");
    expect(text).toContain("**Initial value** (what `h[t-1]` reads at t = 0): zeros");
    expect(text).toContain("**Read at the same step by:** `o`");
    expect(text).toContain("**Read through `h[t-1]` by:** `h`");
  });

  test("a gate and a quantity: shape and defining equation", async () => {
    const gates = doc("lstm-gates.rnn");
    const f = await client.hoverText(gates, gates.pos("gate f", 0, 5));
    expect(f).toContain("**gate** `f` : `[H] = [24]`");
    expect(f).toContain("gate f = sigmoid(Wf @ [h[t-1], x] + bf)");
    expect(f).toContain("**Read at the same step by:** `C`");
    const d = doc("elman.rnn");
    const o = await client.hoverText(d, d.pos("o = softmax"));
    expect(o).toContain("**quantity** `o` : `[K] = [2]`");
    expect(o).toContain("o = softmax(Vo @ h + c)");
    expect(o).toContain("**Scored by:** `loss cross_entropy(o, y) at last`");
    expect(o).not.toContain("sequence `t`");
  });

  test("inputs and targets", async () => {
    const d = doc("elman.rnn");
    const x = await client.hoverText(d, d.pos("x : onehot"));
    expect(x).toContain("**input** `x` : `onehot[V]` = onehot[64]");
    expect(x).toContain("column lookup");
    const y = await client.hoverText(d, d.pos("y : class"));
    expect(y).toContain("**target** `y` : `class[K]` = class[2]");
    const r = doc("regression.rnn");
    const ry = await client.hoverText(r, r.pos("y : [K]"));
    expect(ry).toContain("A real vector of 2 numbers.");
  });

  test("a delay: the previous step's value and what it is at t = 0", async () => {
    const d = doc("elman.rnn");
    for (const position of [d.pos("h[t-1]"), d.pos("h[t-1]", 0, 3)]) {
      const text = await client.hoverText(d, position);
      expect(text).toContain("**delay** `h[t-1]`: the value of `h` computed at the previous step (t − 1).");
      expect(text).toContain("At t = 0 there is no previous step: it reads the initial value of `h`, zeros");
    }
    const j = doc("jordan.rnn");
    const o = await client.hoverText(j, j.pos("o[t-1]"));
    expect(o).toContain("**delay** `o[t-1]`");
    expect(o).toContain("**state** `o` : `[K] = [3]`");
  });

  test("a state read ahead: it runs backwards, and past each sequence's end it reads its initial value", async () => {
    const d = new Doc(
      fileUri(join(repoRoot, "tests", "lsp", "backward.rnn")),
      "model Backward {\n  dim H = 3\n  input x : [H]\n  param W : [H, H]\n  state hb : [H] = learned\n  hb = tanh(W @ hb[t+1] + x)\n  o = [x, hb]\n}\n",
    );
    await client.open(d);
    const ahead = await client.hoverText(d, d.pos("hb[t+1]"));
    expect(ahead).toContain("**read ahead** `hb[t+1]`: the value of `hb` computed at the next step (t + 1).");
    expect(ahead).toContain(
      "Past a sequence's last step it reads the initial value of `hb`, the learned parameter `hb.init`",
    );
    const state = await client.hoverText(d, d.pos("hb : [H]"));
    expect(state).toContain("**Runs backwards**: it reads `hb[t+1]`");
    expect(state).toContain("**Read through `hb[t+1]` by:** `hb`");
    expect(state).toContain("hb_t = tanh(W hb_{t+1} + x_t)");
  });

  test("an encoder-decoder: the encoder's last step, the previous target, and who reads them", async () => {
    const d = new Doc(
      fileUri(join(repoRoot, "tests", "lsp", "encoder-decoder.rnn")),
      "model EncDec {\n  dim V = 4\n  dim H = 3\n  input x[s] : onehot[V]\n  target y : class[V]\n  param We : [H, H + V]\n  param Wd : [H, H + V]\n  param Vo : [V, H]\n  state e : [H] = zeros\n  state d : [H] = e[last]\n  e = tanh(We @ [e[s-1], x])\n  d = tanh(Wd @ [d[t-1], y[t-1]])\n  o = softmax(Vo @ d)\n  loss cross_entropy(o, y) at each\n}\n",
    );
    await client.open(d);
    const last = await client.hoverText(d, d.pos("e[last]"));
    expect(last).toContain(
      "**last step** `e[last]`: the state `e` of another sequence at each example's last real step",
    );
    const previous = await client.hoverText(d, d.pos("y[t-1]"));
    expect(previous).toContain("**previous target** `y[t-1]`: the target `y` at the previous step");
    const own = await client.hoverText(d, d.pos("e[s-1]"));
    expect(own).toContain("**delay** `e[s-1]`");
    const state = await client.hoverText(d, d.pos("e : [H]"));
    expect(state).toContain("**Read at its last step, `e[last]`, by:** `d`");
    // Each name says which sequence it runs over, in the order they are computed.
    expect(state).toContain(
      "**Runs over sequence `s`** (of `s`, `t`), each example to its own length; the sequence is computed whole before `t`.",
    );
    expect(await client.hoverText(d, d.pos("x[s] : onehot"))).toContain("**Runs over sequence `s`**");
    expect(await client.hoverText(d, d.pos("y : class"))).toContain("**Runs over sequence `t`**");
    expect(await client.hoverText(d, d.pos("o = softmax"))).toContain(
      "**Runs over sequence `t`** (of `s`, `t`), each example to its own length; the sequence is computed whole after `s`.",
    );
    expect(await client.diagnostics(d)).toEqual([]);
  });

  test("attention: a quantity over the source's steps, and over which axis each reduction reduces", async () => {
    const d = new Doc(
      fileUri(join(repoRoot, "tests", "lsp", "attention.rnn")),
      "model Attention {\n  dim V = 4\n  dim H = 3\n  input x[s] : onehot[V]\n  target y : class[V]\n  param Wd : [H, V]\n  param Vo : [V, H]\n  cell e = gru(x, size = H)\n  state d : [H] = e[last]\n  d = tanh(Wd @ y[t-1])\n  score = sum(d * e[s])\n  α = softmax(score, over = s, mask = x)\n  c = sum(α * e[s], over = s, mask = x)\n  o = softmax(Vo @ c)\n  loss cross_entropy(o, y) at each\n}\n",
    );
    await client.open(d);
    expect(await client.diagnostics(d)).toEqual([]);
    const score = await client.hoverText(d, d.pos("score ="));
    expect(score).toContain("**Over the steps of sequence s** too: one number (a score) at each step `s` of it");
    expect(score).toContain("As in the lecture: `score_t = sum(d_t * e_s)`");
    const alpha = await client.hoverText(d, d.pos("α ="));
    expect(alpha).toContain("**Over the steps of sequence s** too");
    expect(alpha).toContain(
      "**Reduces over s**: `softmax(score, over = s, mask = x)` weighs the steps of sequence s (the real steps of `x`, its padding left out)",
    );
    const fn = await client.hoverText(d, d.pos("softmax(score"));
    expect(fn).toContain(
      "**Over the steps of another sequence** (attention), as `softmax(a, over = s, mask = x)`: `softmax(a, over = s, mask = x)_s = e^(a_s − max a) / Σ_{s' ≤ S} e^(a_s' − max a), 0 on the padding`",
    );
    const c = await client.hoverText(d, d.pos("c ="));
    expect(c).not.toContain("**Over the steps");
    expect(c).toContain(
      "**Reduces over s**: `sum(α * e[s], over = s, mask = x)` adds its operand over the steps of sequence s",
    );
  });

  test("a cell: the full expansion and its parameter names", async () => {
    const d = doc("lstm.rnn");
    for (const position of [d.pos("cell h", 0, 5), d.pos("lstm(")]) {
      const text = await client.hoverText(d, position);
      expect(text).toContain("**cell** `h = lstm(x, size = H)`: LSTM");
      expect(text).toContain("param h.W_i : [H, H + V]   // 24 × 56 = 1,344 weights");
      expect(text).toContain("gate h.f = sigmoid(h.W_f @ [h[t-1], x] + h.b_f)");
      expect(text).toContain("h.c = h.f * h.c[t-1] + h.i * h.g");
      expect(text).toContain("h = h.o * tanh(h.c)");
      expect(text).toContain("`h.W_i`, `h.b_i`, `h.W_f`");
      expect(text).toContain("**States:** `h`, `h.c`");
    }
    // The cell's output, where it is read.
    const use = await client.hoverText(d, d.pos("@ h", 0, 2));
    expect(use).toContain("**state** `h` : `[H] = [24]`");
    expect(use).toContain("The output of `cell h = lstm(x, size = H)`");
  });

  test("an equation, and a cell's, as the lecture prints it", async () => {
    const d = doc("elman.rnn");
    expect(await client.hoverText(d, d.pos("h : [H]"))).toContain(
      "As in the lecture: `h_t = tanh(W h_{t−1} + U x_t + b)`",
    );
    const lstm = doc("lstm.rnn");
    const cell = await client.hoverText(lstm, lstm.pos("lstm("));
    expect(cell).toContain("h.f_t = σ(h.W_f · [h_{t−1}, x_t] + h.b_f)");
    expect(cell).toContain("h.c_t = h.f_t * h.c_{t−1} + h.i_t * h.g_t");
    expect(cell).toContain("h_t = h.o_t * tanh(h.c_t)");
    const gru = doc("gru.rnn");
    expect(await client.hoverText(gru, gru.pos("gru("))).toContain("h_t = (1 − h.z_t) * h.n_t + h.z_t * h_{t−1}");
  });

  test("the lecture's notation: h[t], x[t], σ, ·, ⊙ and Unicode names", async () => {
    const d = new Doc(
      "file:///mem/lecture.rnn",
      [
        "model Lecture {",
        "  dim D = 3",
        "  dim H = 4",
        "  input x : [D]",
        "  param W : [H, H]",
        "  param U : [H, D]",
        "  state h : [H] = zeros",
        "  state C̃ : [H] = zeros",
        "  h[t] = σ(W · h[t-1] + U · x[t])",
        "  C̃[t] = h[t] ⊙ C̃[t-1]",
        "}",
      ].join("\n"),
    );
    await client.open(d);
    expect(await client.diagnostics(d)).toEqual([]);
    const h = await client.hoverText(d, d.pos("h[t] ="));
    expect(h).toContain("**state** `h` : `[H] = [4]`");
    expect(h).toContain("h[t] = σ(W · h[t-1] + U · x[t])");
    expect(h).toContain("As in the lecture: `h_t = σ(W h_{t−1} + U x_t)`");
    expect(await client.hoverText(d, d.pos("σ("))).toContain(
      "**function** `sigmoid(x)` (written `σ`, as in the lecture), element-wise",
    );
    expect(await client.hoverText(d, d.pos("x[t]", 0, 2))).toContain(
      "**current step** `x[t]`: `x` at step t, the lecture's notation for `x`.",
    );
    const c = await client.hoverText(d, d.pos("C̃[t] ="));
    expect(c).toContain("**state** `C̃` : `[H] = [4]`");
    expect(c).toContain("As in the lecture: `C̃_t = h_t * C̃_{t−1}`");
  });

  test("built-in functions: formula and derivative", async () => {
    const d = doc("elman.rnn");
    const tanh = await client.hoverText(d, d.pos("tanh("));
    expect(tanh).toContain("**function** `tanh(x)`, element-wise");
    expect(tanh).toContain("**Derivative:** `tanh'(x) = 1 − tanh(x)²`");
    const softmax = await client.hoverText(d, d.pos("softmax("));
    expect(softmax).toContain("softmax(x)_i = e^(x_i − max x)");
    const gates = doc("lstm-gates.rnn");
    const sigmoid = await client.hoverText(gates, gates.pos("sigmoid("));
    expect(sigmoid).toContain("σ'(x) = σ(x)(1 − σ(x))");
    const at = d.pos("  loss");
    await client.edit(d, { start: at, end: at }, "  z = dropout(h, p = 0.3)\n");
    const dropout = await client.hoverText(d, { line: at.line, character: 8 });
    await client.edit(d, { start: at, end: { line: at.line + 1, character: 0 } }, "");
    expect(dropout).toContain("**function** `dropout(x, p = …, per = step)`, element-wise");
    expect(dropout).toContain("while training m_i = 1/(1 − p) with probability 1 − p, else 0");
    expect(dropout).toContain("**Settings:** `p`: the probability that an element is dropped");
  });

  test("losses: formula, reduction and the gradient of the form computed", async () => {
    const d = doc("elman.rnn");
    const ce = await client.hoverText(d, d.pos("cross_entropy"));
    expect(ce).toContain("**loss** `cross_entropy(prediction, target, reduce = mean|sum)`");
    expect(ce).toContain("**Formula:** −log p_y");
    expect(ce).toContain("**Reduction:** mean (the default): the mean over all scored positions.");
    expect(ce).toContain("at the last step of each sequence");
    expect(ce).toContain(
      "**Fused** with the softmax that defines `o`: computed from its input, stably; gradient `dz = p − onehot(y)`.",
    );
    const r = doc("regression.rnn");
    const mse = await client.hoverText(r, r.pos("mse("));
    expect(mse).toContain("½ Σ_k (p_k − y_k)²");
    expect(mse).toContain("at every step");
    expect(mse).toContain("**Gradient:** `dp = p − y`.");
  });

  test("initialisers, keywords and words", async () => {
    const d = doc("elman.rnn");
    expect(await client.hoverText(d, d.pos("zeros"))).toContain("**initialiser** `zeros`");
    expect(await client.hoverText(d, d.pos("param"))).toContain("declares a trained parameter");
    expect(await client.hoverText(d, d.pos("at last", 0, 3))).toContain("`at last`: the loss scores the last step");
    expect(await client.hoverText(d, d.pos("onehot"))).toContain("column lookup");
    // Punctuation and numbers have nothing to say.
    expect(await client.hover(d, d.pos("= 64", 0, 2))).toBeNull();
  });

  test("a model with errors still hovers, with what did check", async () => {
    const d = new Doc("file:///mem/broken.rnn", doc("elman.rnn").text.replace("U @ x + b)", "U @ x + c)"));
    await client.open(d);
    const diagnostics = await client.diagnostics(d);
    expect(diagnostics.some((x) => x.code === "E201" && x.severity === P.DiagnosticSeverity.Error)).toBe(true);
    expect(await client.hoverText(d, d.pos("W :"))).toContain("`[H, H] = [32, 32]` — 1,024 weights");
    expect(await client.hoverText(d, d.pos("V = 64"))).toContain("**dim** `V` = **64**");
    const h = await client.hoverText(d, d.pos("h : [H]"));
    expect(h).toContain("**state** `h` : `[H] = [32]`");
    const o = await client.hoverText(d, d.pos("o = softmax"));
    expect(o).toContain("**quantity** `o`");
    expect(await client.hoverText(d, d.pos("ElmanSentiment"))).toContain("5 parameters");
    await client.close(d);
  });

  test("a half-typed model still hovers", async () => {
    const d = new Doc(
      "file:///mem/half.rnn",
      "model M {\n  dim H = 4\n  param W : [H, H]\n  state h : [H] = zeros\n  h = tanh(W @ h[t-1] +\n",
    );
    await client.open(d);
    const diagnostics = await client.diagnostics(d);
    expect(diagnostics.some((x) => x.code === "E002")).toBe(true);
    expect(await client.hoverText(d, d.pos("W :"))).toContain("`[H, H] = [4, 4]`");
    expect(await client.hoverText(d, d.pos("H = 4"))).toContain("**dim** `H` = **4**");
    expect(await client.hoverText(d, d.pos("h[t-1]"))).toContain("**delay** `h[t-1]`");
    await client.close(d);
  });
});

describe("navigation", () => {
  test("go to definition", async () => {
    const d = doc("elman.rnn");
    const w = await client.definition(d, d.pos("W @"));
    expect(w).toEqual([{ uri: d.uri, range: { start: d.pos("W :"), end: d.pos("W :", 0, 1) } }]);
    // A state is declared by its `state` line and its equation.
    const h = await client.definition(d, d.pos("h[t-1]"));
    expect(h.map((l) => l.range.start)).toEqual([d.pos("h : [H]"), d.pos("h = tanh")]);
    // The output of a cell and the names it generates lead to the cell.
    const lstm = doc("lstm.rnn");
    const cell = await client.definition(lstm, lstm.pos("@ h", 0, 2));
    expect(cell.map((l) => l.range.start)).toEqual([lstm.pos("h = lstm")]);
    // The cursor just after a name still finds it.
    expect(await client.definition(d, d.after("Vo @"))).toEqual([]);
    expect((await client.definition(d, d.pos("Vo @", 0, 2))).length).toBe(1);
  });

  test("find references", async () => {
    const d = doc("elman.rnn");
    const withDecl = await client.references(d, d.pos("W @"));
    expect(withDecl.map((l) => l.range.start)).toEqual([d.pos("W :"), d.pos("W @")]);
    const usesOnly = await client.references(d, d.pos("W :"), false);
    expect(usesOnly.map((l) => l.range.start)).toEqual([d.pos("W @")]);
    const H = await client.references(d, d.pos("H = 32"));
    expect(H.length).toBe(1 + 6); // the declaration and 6 uses in shapes
    const h = await client.references(d, d.pos("h : [H]"));
    expect(h.map((l) => l.range.start)).toEqual([
      d.pos("h : [H]"),
      d.pos("h = tanh"),
      d.pos("h[t-1]"),
      d.pos("@ h", 1, 2),
    ]);
  });

  test("document symbols: the model and its items", async () => {
    const symbols = await client.symbols(doc("lstm.rnn"));
    expect(symbols.map((s) => s.name)).toEqual(["LstmClassifier"]);
    const children = symbols[0]!.children!;
    expect(children.map((s) => s.name)).toEqual(["V", "H", "K", "x", "y", "h", "Vo", "c", "o", "loss cross_entropy"]);
    const cell = children.find((s) => s.name === "h")!;
    expect(cell.kind).toBe(P.SymbolKind.Class);
    expect(cell.children!.map((s) => s.name)).toContain("h.W_i");
    expect(children.find((s) => s.name === "Vo")!.detail).toBe("param [K, H] = [2, 24]");
  });
});

describe("rename", () => {
  test("renames a parameter everywhere", async () => {
    const d = doc("elman.rnn");
    expect(await client.prepareRename(d, d.pos("W @"))).toEqual({
      range: { start: d.pos("W @"), end: d.pos("W @", 0, 1) },
      placeholder: "W",
    });
    const edit = await client.rename(d, d.pos("W @"), "W_hh");
    const edits = edit!.changes![d.uri]!;
    expect(edits.length).toBe(2);
    const renamed = d.apply(edits);
    expect(renamed).toContain("param W_hh : [H, H]");
    expect(renamed).toContain("h = tanh(W_hh @ h[t-1] + U @ x + b)");
  });

  test("renames a state, its equation and its delays", async () => {
    const d = doc("elman.rnn");
    const renamed = d.apply((await client.rename(d, d.pos("h[t-1]"), "hidden"))!.changes![d.uri]!);
    expect(renamed).toContain("state hidden : [H] = zeros");
    expect(renamed).toContain("hidden = tanh(W @ hidden[t-1] + U @ x + b)");
    expect(renamed).toContain("o = softmax(Vo @ hidden + c)");
  });

  test("renaming a cell renames the names it generates where they are written", async () => {
    const d = new Doc(
      "file:///mem/cellref.rnn",
      doc("lstm.rnn").text.replace("o = softmax(Vo @ h + c)", "o = softmax(Vo @ (h + h.c) + c)"),
    );
    await client.open(d);
    const renamed = d.apply((await client.rename(d, d.pos("h = lstm"), "enc"))!.changes![d.uri]!);
    expect(renamed).toContain("cell enc = lstm(x, size = H)");
    expect(renamed).toContain("o = softmax(Vo @ (enc + enc.c) + c)");
    const hc = await client.hoverText(d, d.pos("h.c)"));
    expect(hc).toContain("**state** `h.c` : `[H] = [24]`");
    expect(hc).toContain("Generated by `cell h = lstm(x, size = H)`");
    expect(hc).toContain("h.c = h.f * h.c[t-1] + h.i * h.g");
    expect((await client.definition(d, d.pos("h.c)"))).map((l) => l.range.start)).toEqual([d.pos("h = lstm")]);
    await expect(client.rename(d, d.pos("h.c)"), "z")).rejects.toThrow(
      /generated by the cell 'h': rename the cell instead/,
    );
    await client.close(d);
  });

  test("refuses a collision, a keyword, a built-in, and renaming built-ins", async () => {
    const d = doc("elman.rnn");
    await expect(client.rename(d, d.pos("W @"), "U")).rejects.toThrow(
      /'U' is already a parameter in model 'ElmanSentiment' \(line 11\)/,
    );
    await expect(client.rename(d, d.pos("W @"), "H")).rejects.toThrow(/'H' is already a dim/);
    await expect(client.rename(d, d.pos("W @"), "param")).rejects.toThrow(/keyword/);
    await expect(client.rename(d, d.pos("W @"), "tanh")).rejects.toThrow(/built-in function/);
    await expect(client.rename(d, d.pos("W @"), "2W")).rejects.toThrow(/not a name/);
    await expect(client.prepareRename(d, d.pos("tanh("))).rejects.toThrow(
      /'tanh' is a built-in function and cannot be renamed/,
    );
    await expect(client.prepareRename(d, d.pos("cross_entropy"))).rejects.toThrow(/built-in loss/);
    await expect(client.prepareRename(d, d.pos("param"))).rejects.toThrow(/keyword/);
    try {
      await client.rename(d, d.pos("W @"), "U");
      expect.unreachable();
    } catch (e) {
      expect((e as P.ResponseError<unknown>).code).toBe(P.LSPErrorCodes.RequestFailed);
    }
  });
});

describe("completion and signature help", () => {
  let d: Doc;
  beforeAll(async () => {
    d = new Doc("file:///mem/complete.rnn", doc("elman.rnn").text);
    await client.open(d);
  });
  afterAll(() => client.close(d));

  /** Writes a new line before the loss and asks for completion at its end. */
  async function completeAfter(line: string): Promise<P.CompletionItem[]> {
    const at = d.pos("  loss");
    await client.edit(d, { start: at, end: at }, `${line}\n`);
    const items = await client.completion(d, { line: at.line, character: line.length });
    await client.edit(d, { start: at, end: { line: at.line + 1, character: 0 } }, "");
    return items;
  }
  const labels = (items: P.CompletionItem[]) => items.map((i) => i.label);

  test("in an equation: names in scope and built-ins with signatures", async () => {
    const items = await completeAfter("  z = tanh(Vo @ ");
    expect(labels(items)).toEqual(expect.arrayContaining(["h", "x", "W", "Vo", "o", "tanh", "softmax", "sigmoid"]));
    expect(labels(items)).not.toContain("H"); // a dim is a size, not a value
    expect(labels(items)).not.toContain("y"); // targets are only read by losses
    const tanh = items.find((i) => i.label === "tanh")!;
    expect(tanh.detail).toBe("tanh(x)");
    expect(tanh.kind).toBe(P.CompletionItemKind.Function);
    expect(items.find((i) => i.label === "W")!.detail).toBe("param [H, H] = [32, 32]");
  });

  test("completion items resolve to their hover", async () => {
    const items = await completeAfter("  z = ");
    const w = items.find((i) => i.label === "W")!;
    const resolved = await client.request(P.CompletionResolveRequest.type, w);
    expect((resolved.documentation as P.MarkupContent).value).toContain("**param** `W` : `[H, H] = [32, 32]`");
  });

  test("keywords at the start of an item, dims in shapes, initialisers after '='", async () => {
    expect(labels(await completeAfter("  "))).toEqual(
      expect.arrayContaining(["dim", "input", "target", "param", "state", "gate", "cell", "loss"]),
    );
    expect(labels(await completeAfter("  param Q : [H, "))).toEqual(["V", "H", "K"]);
    expect(labels(await completeAfter("  param Q : [H] = "))).toEqual([
      "zeros",
      "ones",
      "xavier",
      "orthogonal",
      "uniform",
      "normal",
    ]);
    expect(labels(await completeAfter("  state s : [H] = "))).toEqual(["zeros", "learned"]);
    expect(labels(await completeAfter("  input z : "))).toEqual(["onehot"]);
  });

  test("cells, losses and their words", async () => {
    expect(labels(await completeAfter("  cell g = "))).toEqual(["elman", "jordan", "elman_jordan", "lstm", "gru"]);
    expect(labels(await completeAfter("  cell g = gru(x, size = "))).toEqual(["V", "H", "K"]);
    expect(labels(await completeAfter("  cell g = elman(x, act = "))).toEqual(["tanh", "sigmoid", "relu", "identity"]);
    expect(labels(await completeAfter("  loss "))).toEqual(["cross_entropy", "binary_cross_entropy", "mse"]);
    expect(labels(await completeAfter("  loss mse(o, y, reduce = "))).toEqual(["mean", "sum"]);
    expect(labels(await completeAfter("  loss mse(o, y) at "))).toEqual(["last", "each"]);
    expect(labels(await completeAfter("  z = h["))).toEqual(["t-1", "t-2"]);
    // Nothing inside a comment.
    expect(await completeAfter("  // h = ")).toEqual([]);
  });

  test("signature help for functions, losses, cells and initialisers", async () => {
    const at = d.pos("  loss");
    const cases: [string, string, number][] = [
      ["  z = softmax(", "softmax(x)", 0],
      ["  z = dropout(h, per = ", "dropout(x, p = …, per = step)", 2],
      ["  loss cross_entropy(o, ", "cross_entropy(prediction, target, reduce = mean|sum)", 1],
      ["  loss mse(o, y, reduce = ", "mse(prediction, target, reduce = mean|sum)", 2],
      ["  cell g = lstm(x, size = ", "lstm(input, size = H, forget_bias = 0, init = zeros|learned, in = D)", 1],
      ["  cell g = jordan(x, out = ", "jordan(input, size = H, out = o, act = tanh, init = zeros|learned, in = D)", 2],
      ["  param Q : [H] = uniform(-0.1, ", "uniform(low, high)", 1],
    ];
    for (const [line, label, parameter] of cases) {
      await client.edit(d, { start: at, end: at }, `${line}\n`);
      const help = await client.signatureHelp(d, { line: at.line, character: line.length });
      await client.edit(d, { start: at, end: { line: at.line + 1, character: 0 } }, "");
      expect(help, line).not.toBeNull();
      const signature = help!.signatures[help!.activeSignature ?? 0]!;
      expect(signature.label, line).toBe(label);
      expect(help!.activeParameter, line).toBe(parameter);
    }
    // softmax's `x` is found by offset, not inside the word softmax.
    await client.edit(d, { start: at, end: at }, "  z = softmax(\n");
    const help = await client.signatureHelp(d, { line: at.line, character: 14 });
    await client.edit(d, { start: at, end: { line: at.line + 1, character: 0 } }, "");
    expect(help!.signatures[0]!.parameters![0]!.label).toEqual([8, 9]);
    // Outside any call: nothing.
    expect(await client.signatureHelp(d, d.pos("h = tanh"))).toBeNull();
  });
});

describe("diagnostics as the document changes", () => {
  test("an edit that breaks the model, then one that fixes it", async () => {
    const d = new Doc("file:///mem/edit.rnn", doc("elman.rnn").text);
    await client.open(d);
    expect((await client.diagnostics(d)).filter((x) => x.severity === P.DiagnosticSeverity.Error)).toEqual([]);

    // h = tanh(W @ h + ...): a same-step cycle.
    await client.replace(d, "h[t-1]", "h");
    const broken = await client.diagnostics(d);
    const cycle = broken.find((x) => x.code === "E401")!;
    expect(cycle.severity).toBe(P.DiagnosticSeverity.Error);
    expect(cycle.message).toContain("same-step cycle: h → h");
    expect(cycle.message).toContain("hint: a recurrence goes through the previous step");
    expect(cycle.range.start).toEqual(d.pos("h = tanh"));
    expect(cycle.relatedInformation![0]!.location).toEqual({
      uri: d.uri,
      range: { start: d.pos("@ h +", 0, 2), end: d.pos("@ h +", 0, 3) },
    });
    expect(cycle.source).toBe("rnnc");

    await client.replace(d, "W @ h +", "W @ h[t-1] +");
    expect((await client.diagnostics(d)).filter((x) => x.severity === P.DiagnosticSeverity.Error)).toEqual([]);

    // A shape mismatch names both shapes.
    await client.replace(d, "param U : [H, V]", "param U : [K, V]");
    const shapes = await client.diagnostics(d);
    expect(
      shapes.some((x) => x.code === "E201" && /\[H\] = \[32\]/.test(x.message) && /\[K\] = \[2\]/.test(x.message)),
    ).toBe(true);
    await client.close(d);
  });

  test("rapid edits are debounced: diagnostics come for the last version", async () => {
    const d = new Doc("file:///mem/typing.rnn", "model M {\n  dim H = 4\n}\n");
    await client.open(d);
    await client.diagnostics(d);
    const line = "  param W : [H, H]\n";
    for (let i = 0; i < line.length; i++) {
      const end = d.pos("}");
      await client.edit(d, { start: end, end }, line[i]!);
    }
    const last = await client.diagnostics(d);
    expect(last.map((x) => x.code)).toEqual(["W001"]); // only "never used": the item is complete
    await client.close(d);
  });

  test("dim overrides from the editor settings", async () => {
    const d = new Doc("file:///mem/override.rnn", doc("elman.rnn").text);
    await client.open(d);
    await client.diagnostics(d);
    await client.connection.sendNotification(P.DidChangeConfigurationNotification.type, {
      settings: { rnnc: { dims: { H: 128, Missing: 3 } } },
    });
    const text = await client.hoverText(d, d.pos("H = 32"));
    expect(text).toContain("**dim** `H` = **128**");
    expect(text).toContain("Overridden to 128 by the editor setting `rnnc.dims` (the file says `32`)");
    expect(await client.hoverText(d, d.pos("W :"))).toContain("`[H, H] = [128, 128]` — 16,384 weights");
    await client.connection.sendNotification(P.DidChangeConfigurationNotification.type, {
      settings: { rnnc: { dims: {} } },
    });
    expect(await client.hoverText(d, d.pos("H = 32"))).toContain("**dim** `H` = **32**");
    await client.close(d);
  });
});

describe("formatting", () => {
  test("gives the same text as rnnc fmt", async () => {
    const messy = "model  M{dim H=4\n  param W:[H,H]\nstate h:[H]=zeros // keep\n   h=tanh(W@h[t-1])}\n";
    const d = new Doc("file:///mem/messy.rnn", messy);
    await client.open(d);
    const formatted = d.apply(await client.formatting(d));
    expect(formatted).toBe(formatFile(parse(messy).file));
    expect(formatted).toContain("  state h : [H] = zeros  // keep\n");
    await client.close(d);
  });

  test("writes the lecture's notation canonically, or as written when the client asks to keep it", async () => {
    const lecture = "model M {\n  dim H = 4\n  param W : [H, H]\n  state h : [H] = zeros\n  h[t] = σ(W · h[t-1])\n}\n";
    const d = new Doc("file:///mem/notation.rnn", lecture);
    await client.open(d);
    expect(d.apply(await client.formatting(d))).toContain("  h = sigmoid(W @ h[t-1])\n");
    await client.connection.sendNotification(P.DidChangeConfigurationNotification.type, {
      settings: { rnnc: { keepNotation: true } },
    });
    await client.diagnostics(d);
    expect(await client.formatting(d)).toEqual([]);
    await client.connection.sendNotification(P.DidChangeConfigurationNotification.type, {
      settings: { rnnc: { keepNotation: false } },
    });
    await client.close(d);
  });

  test("leaves a formatted file alone and refuses one with syntax errors", async () => {
    const tidy = new Doc("file:///mem/tidy.rnn", formatFile(parse(doc("elman.rnn").text).file));
    await client.open(tidy);
    expect(await client.formatting(tidy)).toEqual([]);
    await client.close(tidy);
    const d = new Doc("file:///mem/syntax.rnn", "model M {\n  dim H = \n  param W : [H H]\n}\n");
    await client.open(d);
    expect(await client.formatting(d)).toEqual([]);
    await client.close(d);
  });
});

describe("shutdown", () => {
  test("shutdown then exit ends the server with status 0", async () => {
    const { client: other } = await LspClient.start();
    const d = example("gru.rnn");
    await other.open(d);
    await other.diagnostics(d);
    expect(await other.stop()).toBe(0);
  });
});
