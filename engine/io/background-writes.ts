/**
 * Writes done in the background while the caller goes on: a training run's checkpoints and loss
 * plot, written while the next steps compute. They run one at a time, in the order they were
 * asked for, so a later write never overtakes an earlier one of the same file. A failed write
 * is kept and thrown by the next call that asks (`check`, `finished`): never lost, never an
 * unhandled rejection; the writes asked for after it are not started.
 */
export class BackgroundWrites {
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  /** Starts `write` once the writes asked for before it are done; resolves when it is done (or skipped, or failed). */
  add(write: () => Promise<void>): Promise<void> {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await write();
      } catch (error) {
        this.failure = { error };
      }
    });
    return this.tail;
  }

  /** Throws the error of a write that failed. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits until every write asked for is done; throws the error of one that failed. */
  async finished(): Promise<void> {
    await this.tail;
    this.check();
  }

  /** Waits until every write asked for is done or failed (before a process ends on another error). */
  async settled(): Promise<void> {
    await this.tail;
  }
}
