/**
 * Everything from a `.rnn` file that reaches generated code goes through here. Names are
 * never used as identifiers (buffers and parameters are numbered); they appear only as
 * JSON-quoted property keys and inside comments, where nothing can end the comment.
 */

/** A string literal for any name: JSON quoting escapes quotes, backslashes and line breaks. */
export function quote(name: string): string {
  return JSON.stringify(name);
}

/** A computed property key, so `__proto__` becomes an own property instead of the prototype. */
export function key(name: string): string {
  return `[${quote(name)}]`;
}

/** Text safe inside a `//` comment: one line, and no `*\/` in case it lands in a block comment. */
export function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, " ").replace(/\*\//g, "* /");
}

/** A number as a JavaScript literal that reads back to the same double. */
export function numberLiteral(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Object.is(value, -0)) return "-0";
  const text = String(value);
  return value < 0 ? `(${text})` : text;
}
