/** A forward or backward pass that produced a non-finite number: a user-facing error with a hint, not a silent NaN. */
export class NumericError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}
