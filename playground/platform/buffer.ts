/** node:buffer's limits as the compiler asks them (compiler/check/limits.ts), answered for V8 in a browser as in Node. */
export const constants = {
  /** The longest typed array V8 makes on a 64-bit machine. */
  MAX_LENGTH: 2 ** 32,
  /** The longest string V8 makes on a 64-bit machine. */
  MAX_STRING_LENGTH: 2 ** 29 - 24,
};
