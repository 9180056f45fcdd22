/**
 * Everything from a `.rnn` file that reaches an exported Python file goes through here.
 * Names are never Python identifiers of their own: parameters, inputs and quantities are
 * string keys (quoted by `pyString`, which writes only ASCII), local variables are made from
 * a name only when it is plain ASCII and cannot clash (else numbered), and text from the file
 * lands in comments only after everything that could end a line is taken out.
 */

/** A Python string literal for any text: double-quoted, ASCII, every other character escaped. */
export function pyString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + '"';
}

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, "0");
}

/** A Python float literal that reads back as the same double (infinities and NaN by `float`). */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'float("nan")';
  if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** JSON-like data as a Python literal: None, True, False, numbers, strings, lists and dicts. */
export function pyLiteral(value: unknown, indent = ""): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === "string") return pyString(value);
  const inner = indent + "    ";
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null))
      return `[${value.map((v) => pyLiteral(v)).join(", ")}]`;
    return `[\n${value.map((v) => `${inner}${pyLiteral(v, inner)},\n`).join("")}${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  if (entries.every(([, v]) => typeof v !== "object" || v === null))
    return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(", ")}}`;
  return `{\n${entries.map(([k, v]) => `${inner}${pyString(k)}: ${pyLiteral(v, inner)},\n`).join("")}${indent}}`;
}

/**
 * Text for a `#` comment: one line (Python ends a line at \n or \r; form feeds, other control
 * characters and the Unicode line separators are taken out too, so no editor shows a break).
 */
export function pyComment(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]+/g, " ");
}

const pythonWords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case type _"
  ).split(" "),
);

/**
 * Distinct Python identifiers for names: `prefix` + the name where it is plain ASCII letters,
 * digits and underscores (a dot becomes `_`), else (or when two would clash) `prefix` + a
 * number. The prefix keeps them apart from every other identifier of the file.
 */
export function pyIdentifiers(names: readonly string[], prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  names.forEach((name) => {
    const plain = name.replace(/\./g, "_");
    const candidate = `${prefix}${plain}`;
    const ok = /^[A-Za-z0-9_]+$/.test(plain) && !pythonWords.has(candidate) && !used.has(candidate);
    const id = ok ? candidate : uniqueNumbered(prefix, used);
    used.add(id);
    out.set(name, id);
  });
  return out;
}

function uniqueNumbered(prefix: string, used: Set<string>): string {
  for (let i = 0; ; i++) if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/** A class name for a model: its own when plain ASCII and not a word of Python or of the runtime, else `Model`. */
export function pyClassName(name: string, reserved: ReadonlySet<string>): string {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !pythonWords.has(name) && !reserved.has(name) ? name : "Model";
}
