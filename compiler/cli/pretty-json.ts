/**
 * JSON laid out for reading (`rnnc run --pretty`): what fits in `width` columns stays on one
 * line; an object or array that does not fit puts each member on a line of its own, indented
 * by two spaces, except an array of numbers, whose members fill lines up to the width (an
 * output [T][B][n] reads as T blocks of B rows). It parses to the same value as
 * JSON.stringify(value).
 */
export function prettyJson(value: unknown, width = 100): string {
  return layout(value, "", 0, width);
}

/** `value` starting at column `start` of a line indented by `indent`, with room for a comma after it. */
function layout(value: unknown, indent: string, start: number, width: number): string {
  const flat = oneLine(value);
  if (value === null || typeof value !== "object" || start + flat.length + 1 <= width) return flat;
  const inner = indent + "  ";
  const block = (open: string, lines: string[], close: string) =>
    `${open}\n${lines.map((l) => inner + l).join(",\n")}\n${indent}${close}`;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object"))
      return block(
        "[",
        fill(
          value.map((v) => JSON.stringify(v) ?? "null"),
          width - inner.length,
        ),
        "]",
      );
    return block(
      "[",
      value.map((v) => layout(v, inner, inner.length, width)),
      "]",
    );
  }
  return block(
    "{",
    members(value).map(([key, v]) => {
      const name = `${JSON.stringify(key)}: `;
      return name + layout(v, inner, inner.length + name.length, width);
    }),
    "}",
  );
}

/** JSON.stringify's text with a space after each comma and colon. */
function oneLine(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(oneLine).join(", ")}]`;
  return `{${members(value)
    .map(([key, v]) => `${JSON.stringify(key)}: ${oneLine(v)}`)
    .join(", ")}}`;
}

/** An object's members as JSON.stringify writes them: not those that are undefined or functions. */
function members(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function");
}

/** Items joined by ", " into lines of at most `room` characters (an item longer than that alone on its line). */
function fill(items: string[], room: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    // Each line but the last ends in a comma, which counts towards its width.
    if (line !== "" && line.length + 2 + item.length + 1 > room) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? item : `${line}, ${item}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
