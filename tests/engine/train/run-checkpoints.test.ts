/**
 * A run's checkpoints are written in the background: their bytes are those of the state when the
 * checkpoint was due, whatever the loop does to it after; a write that fails is reported at the
 * next step with the file's name, and the previous checkpoint stays whole.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initialWeights } from "../../../engine/init-weights.js";
import { BackgroundWrites } from "../../../engine/io/background-writes.js";
import { FileError } from "../../../engine/io/file-error.js";
import { loadCheckpoint } from "../../../engine/train/checkpoint.js";
import { initialTrainState, type TrainConfig } from "../../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../../engine/train/optimizers.js";
import { RunCheckpoints } from "../../../engine/train/run-checkpoints.js";
import { RunLog } from "../../../engine/train/run-log.js";
import { checkpointFixed } from "../../support/checkpoints.js";
import { irFromFile } from "../../support/models.js";

const ir = irFromFile("examples/elman.rnn");
const config: TrainConfig = {
  epochs: 1,
  batch: 4,
  seqLen: 10,
  optimizer: defaultOptimizerConfig("adam", 0.01),
  clipValue: null,
  clipNorm: null,
  seed: 1,
  valSplit: 0,
  evalEvery: 0,
};
const fixed = checkpointFixed(ir, config);

function openRun() {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-run-checkpoints-"));
  const writes = new BackgroundWrites();
  const log = new RunLog(dir, "loss", writes);
  const shapes = Object.fromEntries(ir.params.map((p) => [p.name, p.shape]));
  const checkpoints = new RunCheckpoints(dir, { fixed, shapes, log, writes, every: 0 });
  return { dir, writes, log, checkpoints, state: initialTrainState(initialWeights(ir, 1), config) };
}

describe("checkpoints written in the background", () => {
  it("hold the state as it was when taken, though the loop changes it before they are on disk", async () => {
    const { dir, writes, log, checkpoints, state } = openRun();
    state.step = 3;
    const taken = Object.fromEntries(Object.entries(state.weights).map(([k, w]) => [k, w.slice()]));
    await checkpoints.save(state);
    for (const w of Object.values(state.weights)) w.fill(7);
    state.step = 4;
    state.recentNorms.push(1.5);
    await writes.finished();
    const loaded = loadCheckpoint(dir);
    expect(loaded.meta.step).toBe(3);
    expect(loaded.meta.recentNorms).toEqual([]);
    expect(loaded.weights).toEqual(taken);
    expect(checkpoints.lastStep).toBe(3);
    log.close();
  });

  it("a write that fails is reported at the next step, names the file, and leaves the previous checkpoint", async () => {
    const { dir, writes, log, checkpoints, state } = openRun();
    state.step = 1;
    await checkpoints.save(state);
    await writes.finished();
    // A directory where step 2's weights go: renaming the written file onto it fails (EISDIR).
    const inTheWay = join(dir, "weights-0000002.safetensors");
    mkdirSync(inTheWay);
    state.step = 2;
    await checkpoints.save(state);
    await writes.settled();
    const failure = new FileError(`cannot write '${inTheWay}': it is a directory`, "EISDIR");
    expect(() => checkpoints.due(state, "step")).toThrow(failure);
    await expect(writes.finished()).rejects.toThrow(failure);
    await expect(checkpoints.save(state)).rejects.toThrow(failure);
    expect(loadCheckpoint(dir).meta.step).toBe(1);
    expect(checkpoints.lastStep).toBe(1);
    log.close();
  });
});
