/**
 * A fast-check generator of well-formed `.rnn` models: random dims (some derived, as in
 * `dim G = 2 * H`), dense and one-hot inputs, parameters with every kind of initialiser,
 * states (zeros, constants, learned) read through delays of 1 to 3 steps, quantities and
 * gates built from matrix products, element-wise arithmetic with scalars, activations,
 * concatenations and delayed inputs, cell shorthand of every kind, and one loss.
 *
 * Every generated model checks clean: no error and no warning (every parameter, input and
 * the target is used; same-step reads only go to quantities defined earlier in generation
 * order, so there is no same-step cycle; cross_entropy always scores a softmax). The text
 * also varies in layout (spacing, blank lines, item order, comments, redundant parentheses)
 * so that `rnnc fmt` has something to do.
 *
 *   fc.assert(fc.property(modelSource(), (text) => ...))
 *   fc.assert(fc.property(generatedModel({ safeNumerics: true }), (m) => ... m.text ... m.params ...))
 */
import fc from "fast-check";

export interface GeneratorOptions {
  /** Largest dim value (default 8). Derived dims may be up to twice as large. */
  maxDim?: number;
  /** Only operations that stay finite on any input: no exp, log, or division by a vector (default false). */
  safeNumerics?: boolean;
  /** Allow cell shorthand (default true). */
  cells?: boolean;
  /** Vary the layout: spacing, blank lines, comments, item order, parentheses (default true). */
  messyLayout?: boolean;
}

export interface GeneratedModel {
  text: string;
  name: string;
  dims: { name: string; value: number }[];
  inputs: { name: string; size: number; onehot: boolean }[];
  target: { name: string; size: number; kind: "class" | "real" };
  /** Parameters declared in the text (not those that cells or learned initial states add). */
  params: { name: string; shape: number[] }[];
  states: { name: string; size: number }[];
  /** Quantities with an equation in the text, in generation order (states included). */
  quantities: { name: string; size: number; gate: boolean }[];
  cells: { name: string; kind: string; size: number }[];
  loss: {
    fn: "cross_entropy" | "mse" | "binary_cross_entropy";
    prediction: string;
    at: "last" | "each";
    reduce?: "mean" | "sum";
  };
}

type G = fc.GeneratorValue;

/** A size both ways: as written in a shape (`H + D`) and its value. */
interface Size {
  sym: string;
  value: number;
}

/** An expression and how tightly it binds: 1 for + -, 2 for * / @, 3 for unary minus, 4 for atoms. */
interface Term {
  text: string;
  prec: number;
}

const dimNames = ["D", "H", "K", "V", "E", "M", "N", "Hid", "In", "Q"];
const allFunctions = ["sigmoid", "tanh", "relu", "identity", "softmax", "log_softmax", "exp", "log"];
const safeFunctions = ["sigmoid", "tanh", "relu", "identity", "softmax", "log_softmax"];

export function generatedModel(options: GeneratorOptions = {}): fc.Arbitrary<GeneratedModel> {
  return fc.gen().map((g) => build(g, options));
}

/** Just the source text of a generated model. */
export function modelSource(options: GeneratorOptions = {}): fc.Arbitrary<string> {
  return generatedModel(options).map((m) => m.text);
}

function int(g: G, min: number, max: number): number {
  return g(fc.integer, { min, max });
}

function chance(g: G, percent: number): boolean {
  return int(g, 0, 99) < percent;
}

function pick<T>(g: G, xs: readonly T[]): T {
  return xs[int(g, 0, xs.length - 1)]!;
}

function build(g: G, options: GeneratorOptions): GeneratedModel {
  const maxDim = options.maxDim ?? 8;
  const messy = options.messyLayout ?? true;
  const functions = options.safeNumerics ? safeFunctions : allFunctions;
  const items: string[][] = []; // groups of lines: one declaration or equation each (with its comments)
  const out: GeneratedModel = {
    text: "",
    name: pick(g, ["M", "Model", "Net", "rnn_1", "Σnet", "Seq2One"]),
    dims: [],
    inputs: [],
    target: { name: "y", size: 0, kind: "class" },
    params: [],
    states: [],
    quantities: [],
    cells: [],
    loss: { fn: "mse", prediction: "", at: "each" },
  };

  // Layout helpers: operators with or without spaces, numbers in several spellings.
  const op = (o: string) => (messy && chance(g, 25) ? o : ` ${o} `);
  const comma = () => (messy && chance(g, 20) ? "," : ", ");
  const number = (value: number): string => {
    if (!messy || !Number.isInteger(value) || value === 0) return String(value);
    return pick(g, [String(value), `${value}.0`, `${value}.`, `${value}e0`]);
  };
  const parenthesise = (t: Term, minimum: number): string =>
    t.prec < minimum || (messy && chance(g, 8)) ? `(${t.text})` : t.text;
  const add = (line: string) => {
    const group: string[] = [];
    if (messy && chance(g, 8))
      group.push(pick(g, ["// a comment", "/* a block comment */", "// ∂ Unicode, too", "/* two\n     lines */"]));
    group.push(line + (messy && chance(g, 10) ? "  // trailing" : ""));
    items.push(group);
  };

  // Dims: 2 to 4 base dims, sometimes a derived one.
  const names = g(fc.shuffledSubarray, dimNames, { minLength: 3, maxLength: 5 });
  const sizes: Size[] = [];
  const base = names.slice(0, int(g, 2, Math.min(4, names.length - 1)));
  for (const n of base) {
    const value = int(g, 1, maxDim);
    sizes.push({ sym: n, value });
    out.dims.push({ name: n, value });
    add(`dim ${n}${op("=")}${number(value)}`);
  }
  const derivedName = names[base.length]!;
  if (chance(g, 50)) {
    const a = pick(g, sizes);
    const b = pick(g, sizes);
    const form = pick(g, ["double", "sum", "plus1", "div"] as const);
    const [text, value] =
      form === "double"
        ? [`2${op("*")}${a.sym}`, 2 * a.value]
        : form === "sum"
          ? [`${a.sym}${op("+")}${b.sym}`, a.value + b.value]
          : form === "plus1"
            ? [`${a.sym}${op("+")}1`, a.value + 1]
            : [messy ? `(${a.sym}${op("*")}2)${op("/")}2` : `${a.sym} * 2 / 2`, a.value];
    sizes.push({ sym: derivedName, value });
    out.dims.push({ name: derivedName, value });
    add(`dim ${derivedName}${op("=")}${text}`);
  }
  const size = () => pick(g, sizes);

  // Names: plain, sometimes dotted or not ASCII.
  let counter = 0;
  const fresh = (prefix: string) => {
    counter++;
    const style = messy ? int(g, 0, 9) : 9;
    return style === 0 ? `${prefix}${counter}.w` : style === 1 ? `${prefix}α${counter}` : `${prefix}${counter}`;
  };

  // Parameters: declared where first needed, sometimes shared.
  const matrices: { name: string; rows: Size; cols: Size }[] = [];
  const vectorInit = () =>
    pick(g, [
      "",
      " = zeros",
      " = ones",
      " = 0.5",
      " = -1e-2",
      " = uniform(-0.1, 0.1)",
      " = normal(std = 0.01)",
      " = normal(0, 0.1)",
    ]);
  const matrixInit = () =>
    pick(g, [
      "",
      "",
      " = xavier",
      " = orthogonal",
      " = orthogonal(gain = 2)",
      " = uniform(-0.5, 0.5)",
      " = normal(std = 0.1)",
      " = zeros",
    ]);
  const matrix = (rows: Size, cols: Size): string => {
    const shared = matrices.find(
      (m) =>
        m.rows.value === rows.value &&
        m.cols.value === cols.value &&
        m.rows.sym === rows.sym &&
        m.cols.sym === cols.sym,
    );
    if (shared && chance(g, 30)) return shared.name;
    const name = fresh("W");
    matrices.push({ name, rows, cols });
    out.params.push({ name, shape: [rows.value, cols.value] });
    add(`param ${name} : [${rows.sym}${comma()}${cols.sym}]${matrixInit()}`);
    return name;
  };
  const bias = (s: Size): string => {
    const name = fresh("b");
    out.params.push({ name, shape: [s.value] });
    add(`param ${name} : [${s.sym}]${vectorInit()}`);
    return name;
  };

  // Inputs and the target.
  const inputCount = int(g, 1, 2);
  const inputSizes = new Map<string, Size>();
  for (let i = 0; i < inputCount; i++) {
    const name = i === 0 ? "x" : fresh("x");
    const s = size();
    const onehot = chance(g, 40);
    out.inputs.push({ name, size: s.value, onehot });
    inputSizes.set(name, s);
    add(`input ${name} : ${onehot ? "onehot" : ""}[${s.sym}]`);
  }
  const used = new Set<string>();

  // States, declared up front so any equation may read them through a delay.
  const stateCount = int(g, 0, 3);
  const states: { name: string; size: Size; index: number }[] = [];
  for (let i = 0; i < stateCount; i++) {
    const name = fresh("h");
    const s = size();
    states.push({ name, size: s, index: -1 });
    out.states.push({ name, size: s.value });
    add(`state ${name} : [${s.sym}]${pick(g, ["", " = zeros", " = learned", " = 0.1", " = -1"])}`);
  }

  // Vectors computed at each step, in generation order: same-step reads only go backwards.
  const computed: { name: string; size: Size }[] = [];

  const leaf = (s: Size): Term => {
    const options: (() => Term | undefined)[] = [
      () => {
        const q = computed.filter((c) => c.size.value === s.value);
        return q.length > 0 ? { text: pick(g, q).name, prec: 4 } : undefined;
      },
      () => {
        const st = states.filter((c) => c.size.value === s.value);
        return st.length > 0 ? { text: `${pick(g, st).name}[t-${int(g, 1, 3)}]`, prec: 4 } : undefined;
      },
      () => {
        const xs = out.inputs.filter((x) => !x.onehot && x.size === s.value);
        if (xs.length === 0) return undefined;
        const x = pick(g, xs);
        used.add(x.name);
        return { text: chance(g, 30) ? `${x.name}[t-${int(g, 1, 2)}]` : x.name, prec: 4 };
      },
      () => ({ text: bias(s), prec: 4 }),
    ];
    for (;;) {
      const t = pick(g, options)();
      if (t) return t;
    }
  };

  /** A vector of some size to multiply by a matrix: an expression, a one-hot input, or a concatenation. */
  const rightOfMatmul = (depth: number): { term: Term; size: Size } => {
    const part = (): { term: Term; size: Size } => {
      const onehots = out.inputs.filter((x) => x.onehot);
      if (onehots.length > 0 && chance(g, 30)) {
        const x = pick(g, onehots);
        used.add(x.name);
        return { term: { text: chance(g, 25) ? `${x.name}[t-1]` : x.name, prec: 4 }, size: inputSizes.get(x.name)! };
      }
      const s = size();
      return { term: expression(s, depth - 1), size: s };
    };
    if (chance(g, 30)) {
      const parts = Array.from({ length: int(g, 2, 3) }, part);
      return {
        term: { text: `[${parts.map((p) => p.term.text).join(comma())}]`, prec: 4 },
        size: { sym: parts.map((p) => p.size.sym).join(" + "), value: parts.reduce((n, p) => n + p.size.value, 0) },
      };
    }
    return part();
  };

  const expression = (s: Size, depth: number): Term => {
    if (depth <= 0) return leaf(s);
    switch (pick(g, ["leaf", "matmul", "matmul", "elementwise", "scalar", "call", "call", "neg"] as const)) {
      case "leaf":
        return leaf(s);
      case "matmul": {
        const right = rightOfMatmul(depth);
        const w = matrix(s, right.size);
        const product = { text: `${w}${op("@")}${parenthesise(right.term, 3)}`, prec: 2 };
        return chance(g, 60) ? { text: `${product.text}${op("+")}${bias(s)}`, prec: 1 } : product;
      }
      case "elementwise": {
        const o = pick(g, options.safeNumerics ? ["+", "-", "*"] : ["+", "-", "*", "/"]);
        const p = o === "+" || o === "-" ? 1 : 2;
        const left = expression(s, depth - 1);
        const right = expression(s, depth - 1);
        return { text: `${parenthesise(left, p)}${op(o)}${parenthesise(right, p + 1)}`, prec: p };
      }
      case "scalar": {
        const o = pick(g, ["+", "-", "*", "/"]);
        const p = o === "+" || o === "-" ? 1 : 2;
        const v = expression(s, depth - 1);
        const c = pick(g, ["1", "2", "0.5", "1e-3", ".25"]);
        if (o === "/" || chance(g, 50)) return { text: `${parenthesise(v, p)}${op(o)}${c}`, prec: p };
        return { text: `${c}${op(o)}${parenthesise(v, p + 1)}`, prec: p };
      }
      case "call":
        return { text: `${pick(g, functions)}(${expression(s, depth - 1).text})`, prec: 4 };
      case "neg":
        return { text: `-${parenthesise(expression(s, depth - 1), 3)}`, prec: 3 };
    }
  };

  const equation = (name: string, s: Size, gate: boolean) => {
    const value = expression(s, int(g, 1, 3));
    out.quantities.push({ name, size: s.value, gate });
    add(`${gate ? "gate " : ""}${name}${op("=")}${value.text}`);
    computed.push({ name, size: s });
  };

  // Quantities and state equations, interleaved; cells now and then.
  const pendingStates = [...states];
  const quantityCount = int(g, 1, 4);
  for (let i = 0; i < quantityCount || pendingStates.length > 0; i++) {
    if ((options.cells ?? true) && chance(g, 15)) {
      addCell();
      continue;
    }
    if (pendingStates.length > 0 && (i >= quantityCount || chance(g, 50))) {
      const st = pendingStates.shift()!;
      equation(st.name, st.size, false);
      continue;
    }
    equation(fresh(chance(g, 30) ? "g" : "q"), size(), chance(g, 30));
  }

  function addCell(): void {
    const kind = pick(
      g,
      states.length > 0 ? ["elman", "jordan", "elman_jordan", "lstm", "gru"] : ["elman", "lstm", "gru"],
    );
    const name = `c${++counter}`;
    const s = size();
    const args: string[] = [];
    // The input: an input (its size is read from its declaration) or an earlier vector with `in = N`.
    if (computed.length > 0 && chance(g, 40)) {
      const c = pick(g, computed);
      args.push(c.name, `size = ${s.sym}`, `in = ${c.size.sym}`);
    } else {
      const x = pick(g, out.inputs);
      used.add(x.name);
      args.push(x.name, `size = ${s.sym}`);
    }
    if (kind === "elman" || kind === "jordan" || kind === "elman_jordan") {
      if (chance(g, 50)) args.push(`act = ${pick(g, ["tanh", "sigmoid", "relu", "identity"])}`);
    }
    if (kind === "jordan" || kind === "elman_jordan") args.push(`out = ${pick(g, states).name}`);
    if (kind !== "jordan" && chance(g, 30)) args.push(`init = ${pick(g, ["zeros", "learned"])}`);
    add(`cell ${name} = ${kind}(${args.join(comma())})`);
    out.cells.push({ name, kind, size: s.value });
    computed.push({ name, size: s });
  }

  // The output reads the last vector and every input nothing else has read.
  const last = computed[computed.length - 1]!;
  const unusedInputs = out.inputs.filter((x) => !used.has(x.name)).map((x) => x.name);
  const k = size();
  const classes = chance(g, 60);
  const readsText = unusedInputs.length > 0 ? `[${[last.name, ...unusedInputs].join(comma())}]` : last.name;
  const readsSize: Size = {
    sym: [last.size.sym, ...unusedInputs.map((n) => inputSizes.get(n)!.sym)].join(" + "),
    value: last.size.value + unusedInputs.reduce((n, x) => n + inputSizes.get(x)!.value, 0),
  };
  const wo = matrix(k, readsSize);
  const bo = bias(k);
  const o = chance(g, 80) ? "o" : fresh("out");
  const at = pick(g, ["last", "each"] as const);
  const reduce = pick(g, [undefined, "mean", "sum"] as const);
  const reduceText = reduce ? `${comma()}reduce = ${reduce}` : "";
  if (classes) {
    const act = pick(g, ["softmax", "log_softmax"]);
    add(`${o}${op("=")}${act}(${wo}${op("@")}${readsText}${op("+")}${bo})`);
    out.target = { name: "y", size: k.value, kind: "class" };
    add(`target y : class[${k.sym}]`);
    add(`loss cross_entropy(${o}${comma()}y${reduceText}) at ${at}`);
    out.loss = { fn: "cross_entropy", prediction: o, at, ...(reduce ? { reduce } : {}) };
  } else {
    const bce = chance(g, 30);
    add(
      `${o}${op("=")}${bce ? `sigmoid(${wo}${op("@")}${readsText}${op("+")}${bo})` : `${wo}${op("@")}${readsText}${op("+")}${bo}`}`,
    );
    out.target = { name: "y", size: k.value, kind: "real" };
    add(`target y : [${k.sym}]`);
    const fn = bce ? "binary_cross_entropy" : "mse";
    add(`loss ${fn}(${o}${comma()}y${reduceText}) at ${at}`);
    out.loss = { fn, prediction: o, at, ...(reduce ? { reduce } : {}) };
  }
  out.quantities.push({ name: o, size: k.value, gate: false });

  // Any order is valid: sometimes shuffle the items.
  const body =
    messy && chance(g, 30)
      ? g(fc.shuffledSubarray, items, { minLength: items.length, maxLength: items.length })
      : items;
  const indent = messy ? pick(g, ["  ", "    ", "\t", " "]) : "  ";
  const lines: string[] = [];
  if (messy && chance(g, 30)) lines.push("// generated model", "");
  lines.push(`model ${out.name} {`);
  for (const group of body) {
    if (messy && chance(g, 10)) lines.push("");
    for (const l of group) lines.push(indent + l);
  }
  lines.push("}");
  if (messy && chance(g, 10)) lines.push("// after the model");
  out.text = lines.join("\n") + "\n";
  return out;
}
