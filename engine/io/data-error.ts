/** Bad weights or data supplied by a user: the message names the file's key and index at fault. */
export class DataError extends Error {}

/**
 * Why JSON.parse failed, on one line: V8 quotes the text around the error, newlines and
 * control characters included, which would break the message across lines.
 */
export function jsonErrorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
