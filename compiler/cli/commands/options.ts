/** Option parsers shared by several commands. */

/** Commander's collector for a repeatable `--dim NAME=VALUE`. */
export function collectDims(value: string, previous: string[]): string[] {
  return [...previous, value];
}
