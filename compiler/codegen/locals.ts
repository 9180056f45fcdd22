/**
 * A pass declares only what its body reads: the locals at the top of forwardPass and
 * backwardPass (parameters, gradients, workspace arrays, kernels, the batch's lengths) are
 * written after the body, kept when the body or a kept local refers to them. So a module
 * passes `--noUnusedLocals` and `--noUnusedParameters` whatever its model leaves unused.
 */

/** A `const` at the top of a pass: the names it binds, and its line for those of them that are kept. */
export interface Declaration {
  names: readonly string[];
  line: (kept: readonly string[]) => string;
}

/** One name bound by one line. */
export function declaration(name: string, line: string): Declaration {
  return { names: [name], line: () => line };
}

/** `const { a, b } = from;`, keeping the names that are read. */
export function destructuring(names: readonly string[], from: string): Declaration {
  return { names, line: (kept) => `const { ${kept.join(", ")} } = ${from};` };
}

/** The declarations the body needs, in their order: last to first, each kept when something kept later reads it. */
export function usedDeclarations(declarations: readonly Declaration[], body: readonly string[]): string[] {
  const read = referencedNames(body);
  const lines: string[] = [];
  for (const d of [...declarations].reverse()) {
    const kept = d.names.filter((n) => read.has(n));
    if (kept.length === 0) continue;
    const line = d.line(kept);
    for (const n of referencedNames([line])) read.add(n);
    lines.unshift(line);
  }
  return lines;
}

/**
 * The parameters of a pass's signature (`name: Type`) as it declares them: a trailing parameter nothing reads is
 * left out (the caller's extra argument is ignored), an unread one before a read one is named `_name`.
 */
export function usedParameters(parameters: readonly string[], body: readonly string[]): string {
  const read = referencedNames(body);
  const isRead = (p: string) => read.has(p.slice(0, p.indexOf(":")));
  let count = parameters.length;
  while (count > 0 && !isRead(parameters[count - 1]!)) count--;
  return parameters
    .slice(0, count)
    .map((p) => (isRead(p) ? p : `_${p}`))
    .join(", ");
}

/**
 * The identifiers the code refers to, leaving out comments, string literals and property names (`.name`). Generated
 * identifiers are ASCII (identifiers.ts), so a word of [A-Za-z0-9_$] is one.
 */
export function referencedNames(lines: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const line of lines) {
    const code = line
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/`(?:[^`\\]|\\.)*`/g, "``")
      .replace(/\/\/.*$/, "")
      .replace(/\/\*.*?\*\//g, "");
    for (const m of code.matchAll(/(?<![.\w$])[A-Za-z_$][\w$]*/g)) names.add(m[0]);
  }
  return names;
}
