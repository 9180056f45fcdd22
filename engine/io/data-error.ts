/** Bad weights or data supplied by a user: the message names the file's key and index at fault. */
export class DataError extends Error {}
