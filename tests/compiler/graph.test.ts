/**
 * `compiler/graph`: the folded graph (a delay box per delayed value, and the only cycles go
 * through delay boxes), the unrolled graph (T step clusters, delayed reads from step t − k
 * or from the initial values), DOT that no name can break, and SVG rendered by Graphviz in
 * WebAssembly. Structure is tested on the `Drawing`; the DOT by letting Graphviz itself parse
 * it (its JSON output lists every object and every piece of text it drew).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { IrModel } from "../../compiler/ir/ir.js";
import { toDot, htmlText, quoted } from "../../compiler/graph/dot.js";
import { foldedGraph } from "../../compiler/graph/folded.js";
import type { Drawing, GraphNode } from "../../compiler/graph/graph.js";
import { quantityDeps } from "../../compiler/graph/graph.js";
import { layout, renderSvg } from "../../compiler/graph/render.js";
import { MAX_UNROLL, unrolledGraph } from "../../compiler/graph/unrolled.js";
import { irFromFile, irFromText } from "../support/models.js";

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".rnn"))
  .map((f) => `examples/${f}`);

const byId = (d: Drawing) => new Map(d.nodes.map((n) => [n.id, n]));
const find = (d: Drawing, pred: (n: GraphNode) => boolean) => d.nodes.filter(pred);

/** Fixed-window model: an input read through delays of 1 and 2 steps. */
const windowModel = `model Window {
  dim D = 4
  dim K = 3
  input x : [D]
  target y : [K]
  param V : [K, 3 * D]
  param c : [K] = zeros
  o = softmax(V @ [x, x[t-1], x[t-2]] + c)
  loss mse(o, y) at each
}`;

/** Delays of 1 and 2 steps on a state with a learned initial value, and a same-step alias. */
const delay2Model = `model Delay2 {
  dim H = 4
  dim K = 3
  input  x : [3]
  target y : class[K]
  param W  : [H, H]
  param W2 : [H, H]
  param U  : [H, 3]
  param Vo : [K, H]
  state h : [H] = learned
  h = tanh(W @ h[t-1] + W2 @ h[t-2] + U @ x)
  z = h
  o = softmax(Vo @ z)
  loss cross_entropy(o, y) at last
}`;

/** A graph is acyclic when Kahn's algorithm removes every node. */
function isAcyclic(nodes: string[], edges: { from: string; to: string }[]): boolean {
  const indegree = new Map(nodes.map((n) => [n, 0]));
  for (const e of edges) indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
  const ready = nodes.filter((n) => indegree.get(n) === 0);
  let removed = 0;
  while (ready.length > 0) {
    const n = ready.pop()!;
    removed++;
    for (const e of edges) {
      if (e.from !== n) continue;
      const d = indegree.get(e.to)! - 1;
      indegree.set(e.to, d);
      if (d === 0) ready.push(e.to);
    }
  }
  return removed === nodes.length;
}

describe("quantityDeps", () => {
  it("finds what each equation reads, stopping at other quantities", () => {
    const deps = quantityDeps(irFromFile("examples/lstm.rnn"));
    const c = deps.find((q) => q.name === "h.c")!;
    expect(c.state).toBe(true);
    expect(c.equation).toBe("h.c = h.f * h.c[t-1] + h.i * h.g");
    expect(c.formula).toBe("h.f * h.c[t-1] + h.i * h.g");
    expect(
      c.deps
        .map((d) => (d.kind === "delay" ? `${d.source}[t-${d.steps}]` : `${d.kind}:${"name" in d ? d.name : ""}`))
        .sort(),
    ).toEqual(["h.c[t-1]", "quantity:h.f", "quantity:h.g", "quantity:h.i"].sort());
    const f = deps.find((q) => q.name === "h.f")!;
    expect(f.gate).toBe(true);
    expect(f.equation.startsWith("gate h.f = sigmoid(")).toBe(true);
    expect(f.deps).toContainEqual({ kind: "param", name: "h.W_f" });
    expect(f.deps).toContainEqual({ kind: "input", name: "x", size: 32, onehot: true });
  });

  it("gives an alias (z = h) its own equation and an edge from what it names", () => {
    const z = quantityDeps(irFromText(delay2Model)).find((q) => q.name === "z")!;
    expect(z.equation).toBe("z = h");
    expect(z.deps).toEqual([{ kind: "quantity", name: "h", size: 4 }]);
  });

  it("draws a quantity that is just an input or a delayed state as an edge from it", () => {
    const ir = irFromText(`model Leaves {
  dim D = 2
  input x : [D]
  target y : [D]
  state h : [D] = zeros
  a = x
  p = h[t-1]
  h = tanh(a + p)
  loss mse(h, y) at each
}`);
    const deps = quantityDeps(ir);
    expect(deps.find((q) => q.name === "a")!).toMatchObject({
      equation: "a = x",
      deps: [{ kind: "input", name: "x" }],
    });
    expect(deps.find((q) => q.name === "p")!).toMatchObject({
      equation: "p = h[t-1]",
      deps: [{ kind: "delay", source: "h", steps: 1 }],
    });
    expect(deps.find((q) => q.name === "h")!.deps.map((d) => ("name" in d ? d.name : d.source))).toEqual(["a", "p"]);
  });
});

describe("a model with dropout", () => {
  it("draws dropout as a function of the equation, with its formula in the tooltip, and its masks not at all", () => {
    const ir = irFromText(`model Dropped {
  dim D = 2
  dim H = 3
  input x : [D]
  target y : [H]
  param W : [H, H]
  param U : [H, D]
  state h : [H] = zeros
  h = tanh(W @ dropout(h[t-1], p = 0.25, per = sequence) + U @ dropout(x, p = 0.2))
  loss mse(h, y) at each
}`);
    const h = quantityDeps(ir).find((q) => q.name === "h")!;
    expect(h.equation).toBe("h = tanh(W @ dropout(h[t-1], p = 0.25, per = sequence) + U @ dropout(x, p = 0.2))");
    expect(
      h.deps.map((d) => (d.kind === "delay" ? `${d.source}[t-${d.steps}]` : `${d.kind}:${d.name}`)).sort(),
    ).toEqual(["h[t-1]", "input:x", "param:U", "param:W"].sort());
    expect(h.tooltip).toContain("dropout(x) = x ⊙ m: while training");
  });
});

describe("a model of several sequences", () => {
  it("is drawn folded", () => {
    const ir = irFromFile("tests/fixtures/pytorch/gru_seq2seq.rnn");
    expect(toDot(foldedGraph(ir, { params: false }))).toContain("e[last]");
  });

  it("is drawn unrolled as its phases: the encoder's steps, then the decoder's, handed over at [last]", () => {
    const ir = irFromFile("tests/fixtures/pytorch/gru_seq2seq.rnn");
    const d = unrolledGraph(ir, 3);
    expect(d.title).toBe("model GruSeq2Seq unrolled over 3 steps of each of sequences s, t");
    expect(d.clusters.map((c) => c.label)).toEqual(["s = 1", "s = 2", "s = 3", "t = 1", "t = 2", "t = 3"]);
    const clusterOf = new Map(d.nodes.map((n) => [n.id, n.cluster]));
    const node = (name: string, cluster: string) =>
      d.nodes.find(
        (n) =>
          n.kind === "quantity" && n.name === name && d.clusters.find((c) => c.id === n.cluster)?.label === cluster,
      )!;
    // Left to right: every encoder step before every decoder step.
    const order = d.leftToRight.map((id) => d.clusters.find((c) => c.id === clusterOf.get(id))?.label).filter(Boolean);
    expect(order).toEqual(["s = 1", "s = 2", "s = 3", "t = 1", "t = 2", "t = 3"]);
    // The handover: e at the source's last step starts d (init = e[last]), the only edge between the phases.
    const start = d.nodes.find((n) => n.kind === "initial" && n.name === "d")!;
    expect(start.note).toBe("= e[last]");
    const across = d.edges.filter((e) => {
      const [from, to] = [clusterOf.get(e.from), clusterOf.get(e.to)];
      const phase = (id: string) => d.nodes.find((n) => n.id === id)?.id.split("_")[0];
      return phase(e.from) !== phase(e.to) && (from !== undefined || to !== undefined);
    });
    expect(across).toEqual([{ from: node("e", "s = 3").id, to: start.id, kind: "delay", label: "[last]" }]);
    // The decoder's first step reads d from that start (through the point that hands it to the gates).
    const firstDecoderStep = d.clusters.find((c) => c.label === "t = 1")!.id;
    expect(d.edges.some((e) => e.from === start.id && clusterOf.get(e.to) === firstDecoderStep)).toBe(true);
    expect(toDot(d)).toContain("[last]");
  });

  it("draws a state read at [last] at every step as one value feeding each step", () => {
    const ir = irFromText(`model Context {
  dim V = 4
  dim W = 3
  dim H = 3
  input x[src] : onehot[V]
  target y[tgt] : class[W]
  param Wd : [H, H + W + H]
  param Vo : [W, H]
  cell e = gru(x, size = H)
  state d : [H] = zeros
  d = tanh(Wd @ [d[tgt-1], y[tgt-1], e[last]])
  o = softmax(Vo @ d)
  loss cross_entropy(o, y) at each
}`);
    const d = unrolledGraph(ir, 2);
    expect(d.clusters.map((c) => c.label)).toEqual(["src = 1", "src = 2", "tgt = 1", "tgt = 2"]);
    const last = d.nodes.find((n) => n.title === "e[last]")!;
    const eLast = d.nodes.find((n) => n.kind === "quantity" && n.name === "e" && n.id.endsWith("_s1"))!;
    expect(d.edges.filter((e) => e.to === last.id)).toEqual([
      { from: eLast.id, to: last.id, kind: "delay", label: "[last]" },
    ]);
    const readers = d.edges.filter((e) => e.from === last.id).map((e) => d.nodes.find((n) => n.id === e.to)!.name);
    expect(readers).toEqual(["d", "d"]);
  });
});

describe("attention", () => {
  it("is drawn folded: the encoder's every step into the score and the context, and each reduction's axis", () => {
    const d = foldedGraph(irFromFile("tests/fixtures/pytorch/attention_tutorial.rnn"), { params: false });
    const quantity = (name: string) => d.nodes.find((n) => n.kind === "quantity" && n.name === name)!;
    const e = quantity("e").id;
    const reads = d.edges.filter((edge) => edge.from === e && edge.label?.startsWith("e[s], every s"));
    expect(reads.map((edge) => edge.to).sort()).toEqual([quantity("score").id, quantity("ctx").id].sort());
    expect(quantity("score").note).toBe("[1] · at every s");
    expect(quantity("α").note).toBe("[1] · at every s · softmax over s");
    expect(quantity("ctx").note).toBe("[4] · \u03A3 over s");
  });

  it("is drawn unrolled: the encoder's quantity at every one of its steps into one e[s] node read at each decoder step", () => {
    const d = unrolledGraph(irFromFile("tests/fixtures/pytorch/attention_tutorial.rnn"), 3);
    const every = d.nodes.find((n) => n.title === "e[s]")!;
    expect(every.note).toBe("at every step s");
    const named = (id: string) => d.nodes.find((n) => n.id === id)!;
    const label = (id: string) => d.clusters.find((c) => c.id === named(id).cluster)?.label;
    const into = d.edges.filter((e) => e.to === every.id).map((e) => [named(e.from).name, label(e.from)]);
    expect(into).toEqual([
      ["e", "s = 1"],
      ["e", "s = 2"],
      ["e", "s = 3"],
    ]);
    const readers = d.edges.filter((e) => e.from === every.id).map((e) => `${named(e.to).name} ${label(e.to)}`);
    expect(readers.sort()).toEqual([
      "ctx t = 1",
      "ctx t = 2",
      "ctx t = 3",
      "score t = 1",
      "score t = 2",
      "score t = 3",
    ]);
    const legend = d.subtitle.join(" · ");
    expect(legend).toContain("e[s], every s: a quantity at every step of its sequence, read by attention");
    // Each sequence's legend said once (the two sequences draw the same kinds of boxes).
    expect(legend.split("one box per time step ·")).toHaveLength(2);
  });
});

describe("folded graph", () => {
  it.each(examples)(
    "%s: a node per quantity, a delay box per delayed state, cycles only through delay boxes",
    (file) => {
      const ir = irFromFile(file);
      const d = foldedGraph(ir);
      const quantities = find(d, (n) => n.kind === "quantity");
      expect(quantities.map((n) => n.name)).toEqual(ir.quantities.map((q) => q.name));
      for (const q of ir.quantities) expect(quantities.find((n) => n.name === q.name)!.gate).toBe(q.gate);

      const delays = find(d, (n) => n.kind === "delay");
      // A target read at an earlier step (teacher forcing, y[t-1]) has its delay box too.
      const isTarget = (name: string | undefined) => ir.targets.some((t) => t.name === name);
      const targetDelays = ir.nodes.flatMap((n) => (n.op === "delay" && isTarget(n.source) ? [n] : []));
      const expected = [
        ...ir.states.flatMap((s) => [
          ...Array.from({ length: s.maxDelay }, (_, k) => `${s.name}[t\u2212${k + 1}]`),
          ...Array.from({ length: s.maxAhead ?? 0 }, (_, k) => `${s.name}[t+${k + 1}]`),
        ]),
        ...new Set(targetDelays.map((n) => `${n.source}[t\u2212${n.steps}]`)),
      ];
      expect(delays.map((n) => n.lines[0]).sort()).toEqual(expected.sort());
      const nodes = byId(d);
      // Into a state's box: the state itself (k = 1) or the previous box of the chain. (A target's
      // box is filled from the data, the previous step's target, not from a node of the graph.)
      for (const box of delays.filter((n) => !isTarget(n.name))) {
        const into = d.edges.filter((e) => e.to === box.id);
        expect(into).toHaveLength(1);
        const from = nodes.get(into[0]!.from)!;
        if (box.steps === 1) expect([from.kind, from.name]).toEqual(["quantity", box.name]);
        else expect([from.kind, from.name, from.steps]).toEqual(["delay", box.name, box.steps! - 1]);
        expect(into[0]!.kind).toBe("delay");
      }
      // Every quantity that reads a state through a delay has an edge from the right box.
      for (const q of quantityDeps(ir)) {
        const qid = quantities.find((n) => n.name === q.name)!.id;
        for (const dep of q.deps) {
          if (dep.kind !== "delay") continue;
          const box = delays.find((n) => n.name === dep.source && n.steps === dep.steps)!;
          expect(d.edges.some((e) => e.from === box.id && e.to === qid && e.kind === "delay")).toBe(true);
        }
      }
      // The graph has cycles (it is recurrent), but none once the edges into delay boxes are cut.
      const ids = d.nodes.map((n) => n.id);
      const cut = d.edges.filter((e) => nodes.get(e.to)!.kind !== "delay");
      expect(isAcyclic(ids, cut)).toBe(true);
      if (ir.states.length > 0) expect(isAcyclic(ids, d.edges)).toBe(false);
      // Losses and targets.
      expect(find(d, (n) => n.kind === "loss")).toHaveLength(ir.losses.length);
      expect(find(d, (n) => n.kind === "target").map((n) => n.name)).toEqual(ir.targets.map((t) => t.name));
    },
  );

  it("draws a state read ahead through a z⁺¹ box, inside the backward phase's box with what it reads", () => {
    const ir = irFromFile("examples/bidirectional.rnn");
    const d = foldedGraph(ir);
    expect(d.clusters).toEqual([{ id: "backward", label: "backward phase: t = T down to 1" }]);
    const box = find(d, (n) => n.kind === "delay" && n.name === "h.bwd")[0]!;
    expect([box.title, box.lines[0], box.note]).toEqual(["z\u207A\u00B9", "h.bwd[t+1]", "h.bwd[T+1] = zeros"]);
    const inBackward = d.nodes.filter((n) => n.cluster === "backward").map((n) => n.name);
    expect(new Set(inBackward)).toEqual(new Set(["h.bwd.r", "h.bwd.z", "h.bwd.n", "h.bwd"]));
    expect(d.nodes.filter((n) => n.name?.startsWith("h.fwd") && n.cluster !== undefined)).toEqual([]);
  });

  it("chains two delay boxes for h[t-2], names the learned initial value, and draws input delays", () => {
    const d = foldedGraph(irFromText(delay2Model));
    const boxes = find(d, (n) => n.kind === "delay");
    expect(boxes.map((b) => b.lines[0])).toEqual(["h[t\u22121]", "h[t\u22122]"]);
    expect(boxes.map((b) => b.note)).toEqual(["h[0] = learned (h.init)", "h[\u22121] = learned (h.init)"]);
    expect(d.edges).toContainEqual(expect.objectContaining({ from: boxes[0]!.id, to: boxes[1]!.id, kind: "delay" }));
    // z = h is drawn as an edge from h.
    const [h, z] = ["h", "z"].map((name) => d.nodes.find((n) => n.kind === "quantity" && n.name === name)!.id);
    expect(d.edges).toContainEqual(expect.objectContaining({ from: h, to: z, kind: "data" }));

    const w = foldedGraph(irFromText(windowModel));
    const inputBoxes = find(w, (n) => n.kind === "delay");
    expect(inputBoxes.map((b) => `${b.name}:${b.steps}:${b.note}`)).toEqual(["x:1:x[0] = 0", "x:2:x[\u22121] = 0"]);
    const input = w.nodes.find((n) => n.kind === "input")!;
    expect(w.edges).toContainEqual(expect.objectContaining({ from: input.id, to: inputBoxes[0]!.id, kind: "delay" }));
  });

  it("groups each equation's parameters in one box, or leaves them out", () => {
    const ir = irFromFile("examples/elman.rnn");
    const d = foldedGraph(ir);
    const params = find(d, (n) => n.kind === "params");
    expect(params.map((p) => [p.name, p.lines])).toEqual([
      ["h", ["W [32\u00D732]", "U [32\u00D764]", "b [32]"]],
      ["o", ["Vo [2\u00D732]", "c [2]"]],
    ]);
    expect(find(foldedGraph(ir, { params: false }), (n) => n.kind === "params")).toEqual([]);
  });

  it("labels edges with sizes", () => {
    const d = foldedGraph(irFromFile("examples/elman.rnn"));
    const nodes = byId(d);
    const label = (from: string, to: string) =>
      d.edges.find(
        (e) => nodes.get(e.from)!.name === from && nodes.get(e.to)!.name === to && nodes.get(e.to)!.kind === "quantity",
      )?.label;
    expect(label("x", "h")).toBe("onehot[64]");
    expect(label("h", "o")).toBe("[32]");
    expect(label("h", "h")).toBe("[32]"); // from the delay box
  });
});

describe("unrolled graph", () => {
  /**
   * Where the value a reader reads through `source[t-k]` comes from: the node at the other
   * end of a delay edge into the reader (through a carry point, which names its source and
   * k), the edge labelled `t−k` when k > 1. Exactly one must exist.
   */
  function delayedOrigin(d: Drawing, readerId: string, source: string, k: number): GraphNode {
    const nodes = byId(d);
    const found: GraphNode[] = [];
    for (const e of d.edges.filter((e) => e.to === readerId && e.kind === "delay")) {
      const n = nodes.get(e.from)!;
      if (n.kind === "carry") {
        if (n.name !== source || n.steps !== k) continue;
        const into = d.edges.filter((c) => c.to === n.id);
        expect(into).toHaveLength(1);
        expect(into[0]!.label).toBe(k > 1 ? `t\u2212${k}` : undefined);
        found.push(nodes.get(into[0]!.from)!);
      } else if (n.name === source && e.label === (k > 1 ? `t\u2212${k}` : undefined)) found.push(n);
    }
    expect(found, `delayed edges from ${source}[t-${k}] into ${readerId}`).toHaveLength(1);
    return found[0]!;
  }

  it.each([
    ["examples/elman.rnn", 3],
    ["examples/lstm.rnn", 4],
    ["examples/elman-jordan.rnn", 2],
    ["examples/stacked.rnn", 3],
    ["examples/char-lm.rnn", 1],
  ] as const)(
    "%s over %i steps: T clusters, delayed reads from step t − k, initial values into the first step",
    (file, T) => {
      const ir = irFromFile(file);
      const d = unrolledGraph(ir, T);
      expect(d.clusters.map((c) => c.label)).toEqual(Array.from({ length: T }, (_, s) => `t = ${s + 1}`));
      const nodes = byId(d);
      for (const c of d.clusters) {
        const inside = d.nodes.filter((n) => n.cluster === c.id);
        expect(inside.every((n) => n.step === c.step)).toBe(true);
        expect(inside.filter((n) => n.kind === "quantity").map((n) => n.name)).toEqual(
          ir.quantities.map((q) => q.name),
        );
      }
      for (const q of quantityDeps(ir)) {
        for (let s = 0; s < T; s++) {
          const reader = d.nodes.find((n) => n.kind === "quantity" && n.name === q.name && n.step === s)!;
          for (const dep of q.deps) {
            if (dep.kind === "quantity") {
              const from = d.nodes.find((n) => n.kind === "quantity" && n.name === dep.name && n.step === s)!;
              expect(d.edges).toContainEqual(expect.objectContaining({ from: from.id, to: reader.id, kind: "data" }));
            }
            if (dep.kind !== "delay") continue;
            const origin = delayedOrigin(d, reader.id, dep.source, dep.steps);
            if (s - dep.steps >= 0) {
              expect(origin.kind).toBe(ir.states.some((st) => st.name === dep.source) ? "quantity" : "input");
              expect(origin.step).toBe(s - dep.steps);
            } else {
              expect(origin.kind).toBe("initial");
              expect(origin.steps).toBe(dep.steps - s); // how far before the first step
              expect(origin.cluster).toBeUndefined();
            }
          }
        }
      }
      // Every edge between steps goes forward in time, and the whole graph is acyclic.
      for (const e of d.edges) {
        const [a, b] = [nodes.get(e.from)!, nodes.get(e.to)!];
        if (a.step !== undefined && b.step !== undefined) expect(a.step).toBeLessThanOrEqual(b.step);
      }
      expect(
        isAcyclic(
          d.nodes.map((n) => n.id),
          d.edges,
        ),
      ).toBe(true);
      // Each state has its initial value feeding step 1.
      for (const st of ir.states) {
        const init = d.nodes.find((n) => n.kind === "initial" && n.name === st.name && n.steps === 1)!;
        expect(init.title).toBe(`${st.name}[0]`);
        expect(d.edges.some((e) => e.from === init.id && (nodes.get(e.to)!.step ?? -1) === 0)).toBe(true);
      }
      // The steps are laid out in time order: initial values first.
      const order = d.leftToRight.map((id) => nodes.get(id)!);
      const steps = order.filter((n) => n.step !== undefined).map((n) => n.step);
      expect(steps).toEqual(Array.from({ length: T }, (_, s) => s));
      expect(order.slice(0, order.length - T).every((n) => n.kind === "initial")).toBe(true);
    },
  );

  it("reads h[t-2] from two steps back, and from h[−1] and h[0] at the start", () => {
    const d = unrolledGraph(irFromText(delay2Model), 4);
    const h = (s: number) => d.nodes.find((n) => n.kind === "quantity" && n.name === "h" && n.step === s)!.id;
    expect(delayedOrigin(d, h(0), "h", 2).title).toBe("h[\u22121]");
    expect(delayedOrigin(d, h(1), "h", 2).title).toBe("h[0]");
    expect(delayedOrigin(d, h(3), "h", 2).step).toBe(1);
    expect(d.edges.filter((e) => e.label === "t\u22122")).toHaveLength(4);
    // The initial values, earliest first, are left of the first step.
    expect(d.leftToRight.slice(0, 2).map((id) => d.nodes.find((n) => n.id === id)!.title)).toEqual([
      "h[\u22121]",
      "h[0]",
    ]);
  });

  it("reads a state ahead from the step after, and from its value after the last step at the end", () => {
    const ir = irFromFile("examples/bidirectional.rnn");
    const T = 3;
    const d = unrolledGraph(ir, T);
    const nodes = byId(d);
    const at = (name: string, s: number) =>
      d.nodes.find((n) => n.kind === "quantity" && n.name === name && n.step === s)!.id;
    // h.bwd's gates read h.bwd[t+1]: a carry point per step, fed by step s + 1 or by h.bwd[T+1].
    const origins = [0, 1, 2].map((s) => {
      const carry = d.nodes.find((n) => n.kind === "carry" && n.name === "h.bwd" && n.step === s)!;
      expect(d.edges.filter((e) => e.from === carry.id).map((e) => e.to)).toContain(at("h.bwd.r", s));
      return nodes.get(d.edges.find((e) => e.to === carry.id)!.from)!;
    });
    expect(origins.map((n) => [n.kind, n.step])).toEqual([
      ["quantity", 1],
      ["quantity", 2],
      ["initial", undefined],
    ]);
    expect([origins[2]!.title, origins[2]!.note]).toEqual(["h.bwd[T+1]", "= zeros"]);
    // h.fwd starts from h.fwd[0]; the value after the last step is drawn right of it.
    expect(d.leftToRight.map((id) => nodes.get(id)!.title)).toEqual([
      "h.fwd[0]",
      ...Array.from({ length: T }, () => "x"),
      "h.bwd[T+1]",
    ]);
    expect(
      isAcyclic(
        d.nodes.map((n) => n.id),
        d.edges,
      ),
    ).toBe(true);
  });

  it("scores at each step with a term per step, or at the last step only", () => {
    const each = unrolledGraph(irFromText(windowModel), 3);
    expect(find(each, (n) => n.kind === "loss" && n.step !== undefined)).toHaveLength(3);
    expect(find(each, (n) => n.kind === "target")).toHaveLength(3);
    const last = unrolledGraph(irFromFile("examples/elman.rnn"), 3);
    const loss = find(last, (n) => n.kind === "loss");
    expect(loss).toHaveLength(1);
    expect(loss[0]!.step).toBe(2);
    const into = last.edges.filter((e) => e.to === loss[0]!.id).map((e) => byId(last).get(e.from)!);
    expect(into.map((n) => `${n.kind}:${n.name}:${n.step}`).sort()).toEqual(["quantity:o:2", "target:y:2"]);
  });

  it("refuses T outside 1..MAX_UNROLL", () => {
    const ir = irFromFile("examples/elman.rnn");
    expect(() => unrolledGraph(ir, 0)).toThrow(/T must be an integer/);
    expect(() => unrolledGraph(ir, 1.5)).toThrow(/T must be an integer/);
    expect(() => unrolledGraph(ir, MAX_UNROLL + 1)).toThrow(/T must be an integer from 1 to 200/);
  });
});

/** A hand-made IR whose every name is hostile to DOT, HTML labels and Graphviz escapes. */
function hostileIr(): IrModel {
  const H = 'h"];evil[label="x';
  const X = "<x>&amp;</x>";
  const W = 'W\\N\\"\\n';
  const O = "o}\n{ -> ";
  const Y = "y'<B>";
  const origin = (q: string, rhs: string) => `${q} = ${rhs}`;
  const base = { scalar: false, onehot: false };
  return {
    name: 'M" -> "N',
    dims: {},
    inputs: [{ name: X, encoding: "dense", size: 2 }],
    targets: [{ name: Y, kind: "class", size: 3 }],
    params: [{ name: W, shape: [3, 5], init: { kind: "xavier" } as never }],
    states: [{ name: H, size: 3, init: { kind: "zeros" }, maxDelay: 1 }],
    nodes: [
      {
        ...base,
        id: 0,
        op: "delay",
        source: H,
        steps: 1,
        size: 3,
        origin: origin(H, `tanh(${W} @ [${H}[t-1], ${X}])`),
      },
      { ...base, id: 1, op: "input", input: X, size: 2, origin: origin(H, `tanh(${W} @ [${H}[t-1], ${X}])`) },
      {
        ...base,
        id: 2,
        op: "apply",
        fn: "matvec",
        args: [0, 1],
        param: W,
        size: 3,
        origin: origin(H, `tanh(${W} @ [${H}[t-1], ${X}])`),
      },
      {
        ...base,
        id: 3,
        op: "apply",
        fn: "tanh",
        args: [2],
        size: 3,
        origin: origin(H, `tanh(${W} @ [${H}[t-1], ${X}])`),
      },
      { ...base, id: 4, op: "apply", fn: "softmax", args: [3], size: 3, origin: origin(O, `softmax(${H})`) },
    ],
    quantities: [
      { name: H, node: 3, gate: false },
      { name: O, node: 4, gate: true },
    ],
    losses: [{ fn: "cross_entropy", prediction: 4, target: Y, at: "last", reduce: "mean" }],
    masks: [],
  };
}

/** Every piece of text Graphviz drew, and every object it parsed, from its JSON output. */
async function parsedByGraphviz(
  dot: string,
): Promise<{ texts: string[]; objects: { name: string; tooltip?: string }[]; clusters: number }> {
  const json = JSON.parse(await layout(dot, "json")) as {
    objects?: { name: string; tooltip?: string; nodes?: unknown }[];
    _ldraw_?: unknown;
  };
  const texts: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o["op"] === "T" && typeof o["text"] === "string") texts.push(o["text"]);
      Object.values(o).forEach(walk);
    }
  };
  walk(json);
  const objects = json.objects ?? [];
  return {
    texts,
    objects: objects.filter((o) => !o.name.startsWith("cluster_")),
    clusters: objects.filter((o) => o.name.startsWith("cluster_")).length,
  };
}

describe("DOT", () => {
  it("escapes text for HTML-like labels and quoted strings", () => {
    expect(htmlText(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&#39;");
    expect(htmlText("a\n\t b")).toBe("a b");
    expect(htmlText("x\u0001y\uD800z")).toBe("x\uFFFDy\uFFFDz");
    expect(htmlText("höhe σ ворота 😀")).toBe("höhe σ ворота 😀");
    expect(quoted('say "\\N" & <b>\n')).toBe('"say \\"\u29F5N\\" &amp; <b> "');
    expect(htmlText("a\\Nb")).toBe("a\u29F5Nb");
  });

  it("keeps hostile names intact: Graphviz parses exactly the drawing's nodes and draws the names verbatim", async () => {
    const ir = hostileIr();
    for (const drawing of [foldedGraph(ir), unrolledGraph(ir, 2)]) {
      const dot = toDot(drawing);
      // Names appear only inside labels and tooltips, never as DOT ids: every statement line starts with an id.
      for (const line of dot.split("\n").slice(4, -2))
        expect(line).toMatch(/^ *(\}|\{ rank=same|subgraph cluster_|graph \[|[a-z]+[0-9_s]* (\[|->))/);
      const { texts, objects } = await parsedByGraphviz(dot);
      // Graphviz also lists the layout's own objects: the time axis and the anonymous rank groups.
      const drawn = objects.filter((o) => !o.name.startsWith("axis") && !o.name.startsWith("%")).map((o) => o.name);
      expect(drawn.sort()).toEqual(drawing.nodes.map((n) => n.id).sort());
      const all = texts.join("\n");
      for (const name of ['h"];evil[label="x', "<x>&amp;</x>", "y'<B>"]) expect(all).toContain(name);
      expect(all).toContain("o} { -> "); // the newline became a space
      expect(all).toContain('M" -> "N');
    }
    // Backslashes are drawn as ⧵: Graphviz would read \N as the node's id in any label or tooltip.
    const folded = await parsedByGraphviz(toDot(foldedGraph(ir)));
    expect(folded.texts.join("\n")).toContain('W\u29F5N\u29F5"\u29F5n [3\u00D75]');
    // Tooltips reach the SVG as the names, XML-escaped once.
    const svg = await renderSvg(toDot(foldedGraph(ir)));
    const titles = [...svg.matchAll(/xlink:title="([^"]*)"/g)].map((m) =>
      m[1]!
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
        .replace(/&amp;/g, "&"),
    );
    expect(titles).toContain('parameters of h"];evil[label="x: W\u29F5N\u29F5"\u29F5n');
    // ... followed by the formula of the function the equation calls, from the op registry.
    expect(titles).toContain(
      'h"];evil[label="x = tanh(W\u29F5N\u29F5"\u29F5n @ [h"];evil[label="x[t-1], <x>&amp;</x>]); tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))',
    );
  });

  it("names in any script come through to the SVG", async () => {
    const ir = irFromText(`model Réseau {
  dim H = 3
  input  données : [2]
  target цель : class[H]
  param Вес : [H, H]
  param U : [H, 2]
  state höhe : [H] = zeros
  gate ворота = sigmoid(U @ données)
  höhe = ворота * tanh(Вес @ höhe[t-1])
  σ = softmax(höhe)
  loss cross_entropy(σ, цель) at each
}`);
    const svg = await renderSvg(toDot(foldedGraph(ir)));
    for (const name of ["Réseau", "données", "цель", "Вес", "höhe", "ворота", "σ"]) expect(svg).toContain(name);
    const unrolled = await renderSvg(toDot(unrolledGraph(ir, 2)));
    expect(unrolled).toContain("höhe[0]");
  });

  it("declares every cluster and keeps the unrolled steps in order", async () => {
    const d = unrolledGraph(irFromFile("examples/elman.rnn"), 3);
    const dot = toDot(d);
    expect(dot.match(/subgraph cluster_/g)).toHaveLength(3);
    const { clusters } = await parsedByGraphviz(dot);
    expect(clusters).toBe(3);
    // In the SVG, the step labels come left to right in time order.
    const svg = await renderSvg(dot);
    const xs = [...svg.matchAll(/<text[^>]*x="([0-9.]+)"[^>]*>t = (\d)<\/text>/g)].map(
      (m) => [Number(m[2]), Number(m[1])] as const,
    );
    expect(xs.map(([t]) => t).sort()).toEqual([1, 2, 3]);
    const sorted = [...xs].sort((a, b) => a[1] - b[1]).map(([t]) => t);
    expect(sorted).toEqual([1, 2, 3]);
  });
});

describe("SVG", () => {
  it("renders the folded LSTM as an SVG document naming every quantity, with delay boxes", async () => {
    const ir = irFromFile("examples/lstm.rnn");
    const svg = await renderSvg(toDot(foldedGraph(ir)));
    expect(svg).toMatch(/^<\?xml[^>]*\?>/);
    expect(svg).toContain("<svg");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const q of ir.quantities) expect(svg).toContain(`>${q.name}<`);
    expect(svg.match(/>z⁻¹</g)).toHaveLength(2);
    expect(svg).toContain("h.c[t−1]");
    // No raw markup from equations leaked into the XML.
    expect(svg).not.toMatch(/<[^/!?a-zA-Z]/);
  });
});
