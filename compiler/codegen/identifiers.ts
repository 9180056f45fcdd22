/**
 * The identifiers of generated code. The passes name their arrays after the model, as
 * min-char-rnn does: a quantity's values `h` and adjoints `dh`, a parameter `W` and its
 * gradient `dW`, an input `x`, a target `y`. A name of a `.rnn` file can be anything the
 * grammar calls a name: a JavaScript keyword, `__proto__`, `Δh`, `h.W_f`, or a name the
 * generated code uses itself (`B`, `t`, `matmulBatch`). So a name is first spelled in ASCII
 * letters, digits and underscores (`spell`), and the module's `Identifiers` then give each
 * wanted identifier one that is distinct and that neither JavaScript nor the generated code
 * reserves, with `_`, `_2`, … appended where needed (a bias `b` is `b_`: `b` is a batch row).
 */
import { lossNamed, lossNames, registeredOps } from "../ops/registry.js";
import { kernelNames } from "./kernel-tier.js";

/** Greek letters by their names, as the lecture's notation writes them (σ, θ, Wα, Δh). */
const greek: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
  ].flatMap((name, k) => {
    // α … ω from U+03B1 (ς, final sigma, at U+03C2); Α … Ω 32 below, where U+03A2 is unassigned.
    const lower = String.fromCodePoint(0x3b1 + k);
    const upper = k === 17 ? [] : [[String.fromCodePoint(0x391 + k), name[0]!.toUpperCase() + name.slice(1)]];
    return [[lower, name], ...upper];
  }),
);

/** Combining marks of the lecture's names (h̃, ŷ, x̄), as the word that says them. */
const marks: Readonly<Record<string, string>> = {
  "\u0302": "hat",
  "\u0303": "tilde",
  "\u0304": "bar",
  "\u0305": "bar",
  "\u0307": "dot",
  "\u0308": "ddot",
  "\u0331": "bar",
};

/** A name in ASCII letters, digits and underscores: `h.W_f` → `h_W_f`, `C̃` → `Ctilde`, `Wα` → `Walpha`. */
export function spell(name: string): string {
  let out = "";
  for (const ch of name.normalize("NFD")) {
    if (/[A-Za-z0-9_]/.test(ch)) out += ch;
    else out += greek[ch] ?? marks[ch] ?? (/\p{M}/u.test(ch) ? "" : "_");
  }
  return /^[A-Za-z_]/.test(out) ? out : `_${out}`;
}

/** What no generated identifier may be: JavaScript's reserved words and the globals and locals generated code reads. */
const reservedWords = [
  // Reserved words, in strict mode and in modules, and names strict mode cannot bind.
  ...["break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else"],
  ...["enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof"],
  ...["new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void"],
  ...["while", "with", "yield", "let", "static", "implements", "interface", "package", "private", "protected"],
  ...["public", "await", "eval", "arguments", "undefined", "NaN", "Infinity", "globalThis"],
  // A key of the workspace's record: `{ __proto__: … }` would set its prototype.
  "__proto__",
  // The globals generated code reads.
  ...["Math", "Int32Array", "Float32Array", "Float64Array"],
  // The passes' parameters (also as `_name`, unread) and locals.
  ...["w", "params", "batch", "state", "grads", "carried"].flatMap((p) => [p, `_${p}`]),
  ...["T", "B", "lengths", "ragged", "targets", "loss", "fused", "t", "b", "i", "row", "col", "l", "slot", "from"],
  ...["ry", "rdy"],
  // The runtime's kernels the passes call.
  ...kernelNames,
];

/** Locals of the fused loops (values a3, adjoints d3, shared terms e3, row bases r0) and of the losses (scale0, positions0, scored0). */
const reservedPatterns = [/^[ader]\d+$/, /^(scale|positions|scored)\d+$/];

/** The runtime kernels the registry names (row-wise ops, losses): the passes call them by these names. */
function registryKernels(): string[] {
  return [
    ...registeredOps().flatMap((op) => (op.kind === "rowwise" ? [op.kernel] : [])),
    ...lossNames().flatMap((name) => lossNamed(name)!.forms.map((f) => f.kernel)),
  ];
}

/** Whether generated code or JavaScript reserves an identifier. */
export function isReserved(identifier: string): boolean {
  return (
    reservedWords.includes(identifier) ||
    registryKernels().includes(identifier) ||
    reservedPatterns.some((p) => p.test(identifier))
  );
}

/** The identifiers of one module: each claimed once. */
export class Identifiers {
  private readonly taken = new Set<string>();

  /** A fresh identifier spelled like `wanted` (any text), with `_`, `_2`, `_3`, … appended where it is taken or reserved. */
  claim(wanted: string): string {
    const base = spell(wanted);
    for (let k = 1; ; k++) {
      const identifier = k === 1 ? base : k === 2 ? `${base}_` : `${base}_${k - 1}`;
      if (this.taken.has(identifier) || isReserved(identifier)) continue;
      this.taken.add(identifier);
      return identifier;
    }
  }
}
