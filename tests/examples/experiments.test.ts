/**
 * The experiment scripts as a user runs them, on small settings: the main job of the README
 * (order-matters.mjs) shows one progress bar per model and then its table, writes the rnnc
 * commands it ran, and a run rnnc refuses stops the script with rnnc's own message.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "rnnc-experiments-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function experiment(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "examples/experiments", script), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const fullBar = /\[█{24}\] 100%/;

describe("the main job, examples/experiments/order-matters.mjs", () => {
  const out = join(scratch, "order-matters");
  const run = experiment("order-matters.mjs", "--epochs", "2", "--train", "200", "--test", "100", "--out", out);
  const models = [
    "Elman RNN (H = 32)",
    "window of the last 3 words, MLP",
    "average of the last 3 words, MLP",
    "average of all the words, MLP",
  ];

  it("shows one finished progress bar per model, in a pipe its last state only", () => {
    expect(run.status, run.err).toBe(0);
    const bars = run.out.split("\n").filter((line) => fullBar.test(line));
    expect(bars.map((line) => line.split(" [")[0]!.trim())).toEqual(models);
    for (const bar of bars) expect(bar).toMatch(/ {2}epoch 2\/2 {2}loss \d+\.\d{4} {2}val accuracy \d+\.\d% {2}\d+ s$/);
    expect(run.out).not.toContain("\r");
    expect(run.out).not.toMatch(/^\$ rnnc /m);
  });

  it("then prints its table: each model's test accuracy and the two ceilings", () => {
    const table = run.out.slice(run.out.indexOf("| model |"));
    for (const model of models)
      expect(table).toMatch(new RegExp(`^\\| ${model.replace(/[()]/g, "\\$&")} \\| .* \\| \\d+\\.\\d% \\|`, "m"));
    expect(table).toContain("(ceiling: any classifier of the last 3 words)");
    expect(readFileSync(join(out, "results.md"), "utf8")).toContain(table.trim());
  });

  it("writes the rnnc commands it ran, a training and an evaluation per model", () => {
    const commands = readFileSync(join(out, "commands.sh"), "utf8").trim().split("\n");
    expect(commands.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual(
      models.flatMap(() => ["npx rnnc train", "npx rnnc eval"]),
    );
    expect(commands[0]).toContain(`--checkpoint ${join(out, "rnn")}`);
  });
});

describe("an experiment whose training rnnc refuses", () => {
  it("stops with the command and rnnc's message, and rnnc's exit status", () => {
    const out = join(scratch, "refused");
    const run = experiment(
      "order-matters.mjs",
      "--epochs",
      "1",
      "--train",
      "50",
      "--test",
      "20",
      "--backend",
      "nope",
      "--out",
      out,
    );
    expect(run.status).toBe(2);
    expect(run.out).toMatch(/^\$ rnnc train --backend nope /m);
    expect(run.out).toContain("argument 'nope' is invalid");
    expect(run.err).toBe("");
    expect(run.out).not.toMatch(fullBar);
  });
});
