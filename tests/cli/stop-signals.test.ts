/** The signals that stop a long command: the first is a request, a second quits, a duplicate delivery is neither. */
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { exitStatusOf, StopSignals, type StopSignal } from "../../compiler/cli/stop-signals.js";

describe("StopSignals", () => {
  it("exits with the shell's status for each: 130, 143, 129", () => {
    expect((["SIGINT", "SIGTERM", "SIGHUP"] as StopSignal[]).map(exitStatusOf)).toEqual([130, 143, 129]);
  });

  it("takes a repeat of the first signal within a second as the same request, a later or another one as a second", async () => {
    const events: string[] = [];
    const listening = process.listenerCount("SIGTERM");
    const signals = new StopSignals({
      first: (s) => events.push(`first ${s}`),
      again: (s) => events.push(`again ${s}`),
    });
    try {
      process.kill(process.pid, "SIGTERM");
      await delay(100);
      process.kill(process.pid, "SIGTERM");
      await delay(100);
      expect(events).toEqual(["first SIGTERM"]);
      expect(signals.received).toBe("SIGTERM");
      process.kill(process.pid, "SIGHUP");
      await delay(200);
      expect(events).toEqual(["first SIGTERM", "again SIGHUP"]);
      await delay(900);
      process.kill(process.pid, "SIGTERM");
      await delay(200);
      expect(events).toEqual(["first SIGTERM", "again SIGHUP", "again SIGTERM"]);
    } finally {
      signals.close();
    }
    expect(process.listenerCount("SIGTERM")).toBe(listening);
  });
});
