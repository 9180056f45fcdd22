/**
 * Index arithmetic as generated code writes it, with the constants folded: `sum("t", 0)` is
 * `t`, `product(0, "B", 32)` is `0`, `product("t * B", 32, 8)` is `t * B * 256`. The layout
 * code (location.ts, access.ts, workspace.ts) builds every offset with these, so no module
 * reads `0 * B * 32` or `(t + 0) * B`.
 *
 * Operands are numbers or expressions these functions wrote (or a name, or an indexed read
 * such as `lengths[b]!`): sums of terms joined by ` + ` and ` - `, products of factors joined
 * by ` * `, a sum in parentheses as a factor.
 */

type Operand = string | number;

/** a + b + …, numbers added together and dropped when they come to 0. */
export function sum(...operands: Operand[]): string {
  const terms: string[] = [];
  let constant = 0;
  for (const operand of operands) {
    for (const { sign, text } of termsOf(String(operand))) {
      if (isNumber(text)) constant += sign * Number(text);
      else terms.push(terms.length === 0 && sign > 0 ? text : `${sign > 0 ? "+" : "-"} ${text}`);
    }
  }
  if (terms.length === 0) return String(constant);
  const body = terms.join(" ").replace(/^- /, "-");
  return constant === 0 ? body : constant > 0 ? `${body} + ${constant}` : `${body} - ${-constant}`;
}

/** a · b · …: 0 when a factor is 0, numbers multiplied together (after the other factors), 1s dropped. */
export function product(...operands: Operand[]): string {
  const factors: string[] = [];
  let constant = 1;
  for (const operand of operands) {
    const text = String(operand);
    const parts = isSum(text) ? [text] : splitTopLevel(text, [" * "]).map(({ part }) => unwrap(part));
    for (const factor of parts) {
      if (isNumber(factor)) constant *= Number(factor);
      else factors.push(isSum(factor) ? `(${factor})` : factor);
    }
  }
  if (constant === 0) return "0";
  if (factors.length === 0) return String(constant);
  return constant === 1 ? factors.join(" * ") : `${factors.join(" * ")} * ${constant}`;
}

function isNumber(text: string): boolean {
  return /^-?\d+$/.test(text);
}

/** Whether an expression is a sum at its top level (and needs parentheses as a factor). */
function isSum(text: string): boolean {
  return termsOf(text).length > 1;
}

/** The terms of a sum at its top level, with their signs; a parenthesized sum alone is opened. */
function termsOf(text: string): { sign: 1 | -1; text: string }[] {
  return splitTopLevel(unwrap(text.trim()), [" + ", " - "]).map(({ before, part }) => ({
    sign: before === " - " ? -1 : 1,
    text: part,
  }));
}

/** `(a + b)` → `a + b` when the parentheses enclose the whole expression. */
function unwrap(text: string): string {
  if (!text.startsWith("(") || !text.endsWith(")")) return text;
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    if (text[k] === "(") depth++;
    else if (text[k] === ")") depth--;
    if (depth === 0 && k < text.length - 1) return text;
  }
  return unwrap(text.slice(1, -1));
}

/** The parts of `text` between the separators outside parentheses and brackets, each with the separator before it. */
function splitTopLevel(text: string, separators: readonly string[]): { before: string; part: string }[] {
  const parts: { before: string; part: string }[] = [];
  let depth = 0;
  let start = 0;
  let before = "";
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    const separator = depth === 0 ? separators.find((s) => text.startsWith(s, k)) : undefined;
    if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (separator !== undefined) {
      parts.push({ before, part: text.slice(start, k) });
      before = separator;
      start = k + separator.length;
      k += separator.length - 1;
    }
  }
  parts.push({ before, part: text.slice(start) });
  return parts;
}
