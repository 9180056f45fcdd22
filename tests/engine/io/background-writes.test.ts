/**
 * Writes in the background (a training run's checkpoints and plot): one at a time, in the order
 * asked for; a failure is kept and thrown by the next call that asks, and the writes asked for
 * after it are not started.
 */
import { describe, expect, it } from "vitest";
import { BackgroundWrites } from "../../../engine/io/background-writes.js";

/** A write that logs its start and end and finishes when `finish` is called. */
function pausedWrite(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    write: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("BackgroundWrites", () => {
  it("runs one write at a time, in the order asked for, while the caller goes on", async () => {
    const writes = new BackgroundWrites();
    const log: string[] = [];
    const a = pausedWrite(log, "a");
    const b = pausedWrite(log, "b");
    const aDone = writes.add(a.write);
    void writes.add(b.write);
    await tick();
    expect(log).toEqual(["start a"]);
    b.finish();
    await tick();
    expect(log).toEqual(["start a"]);
    a.finish();
    await aDone;
    await writes.finished();
    expect(log).toEqual(["start a", "end a", "start b", "end b"]);
  });

  it("keeps a failure for the next check, starts nothing after it, and leaves no unhandled rejection", async () => {
    const writes = new BackgroundWrites();
    const log: string[] = [];
    const failed = writes.add(() => Promise.reject(new Error("cannot write 'x': no space left on the device")));
    void writes.add(async () => void log.push("later"));
    await expect(failed).resolves.toBeUndefined();
    expect(() => writes.check()).toThrow("cannot write 'x': no space left on the device");
    await expect(writes.finished()).rejects.toThrow("no space left on the device");
    await expect(writes.settled()).resolves.toBeUndefined();
    expect(log).toEqual([]);
  });
});
