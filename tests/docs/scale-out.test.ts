/**
 * docs/scale-out.md runs as written, in a project with this checkout linked as `rnnc`,
 * onnxruntime-node beside it, and the Python environment of tools/python first on PATH
 * (`python`, `torchrun`): rnnc trains, torchrun on two processes resumes the run, rnnc samples
 * from what PyTorch wrote; an exported encoder-decoder with attention trains under torchrun and
 * rnnc evaluates it; the model exported to ONNX writes the same text from Node, Python and
 * `rnnc sample --backend onnxruntime`; an encoder-decoder exported to ONNX translates the same
 * from Python and `rnnc translate --backend onnxruntime`; and the multi-machine line runs as two
 * machines on one.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docExamples, runCommands, writeFiles } from "../support/doc-examples.js";
import { PYTHON_SETUP_MS, python } from "../support/python.js";
import { onnxruntimeNodeDirectory } from "../support/onnxruntime-node.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = docExamples(join(root, "docs/scale-out.md"));

let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "rnnc-doc-scaleout-"));
  mkdirSync(join(project, "node_modules/.bin"), { recursive: true });
  symlinkSync(root, join(project, "node_modules/rnnc"), "dir");
  symlinkSync(onnxruntimeNodeDirectory, join(project, "node_modules/onnxruntime-node"), "dir");
  symlinkSync("../rnnc/bin/rnnc.js", join(project, "node_modules/.bin/rnnc"));
  mkdirSync(join(project, "examples"));
  for (const model of ["char-lm.rnn", "translate-attention.rnn"])
    copyFileSync(join(root, "examples", model), join(project, "examples", model));
  const venv = await python();
  env = {
    PATH: `${join(venv.directory, "bin")}:${process.env["PATH"]}`,
    RNNC_ONNXRUNTIME_NODE: onnxruntimeNodeDirectory,
  };
}, PYTHON_SETUP_MS);
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** A TCP port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function shell(line: string, extra: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(line, { cwd: project, shell: true, env: { ...process.env, ...env, ...extra } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("docs/scale-out.md", () => {
  it("has its five examples", () => {
    expect([...examples.keys()]).toEqual(["scaleout", "cluster", "translate", "serve", "serve-translate"]);
    expect([...examples.get("serve")!.files.keys()].sort()).toEqual(["serve.mjs", "serve.py"]);
  });

  it(
    "trains with rnnc, resumes under torchrun on two processes, samples from what PyTorch wrote",
    () => {
      const example = examples.get("scaleout")!;
      writeFiles(example, project);
      const printed = runCommands(example.commands.run!, project, 600_000, env);
      expect(printed.endsWith(example.output!)).toBe(true);
      const meta = JSON.parse(readFileSync(join(project, "runs/lm/checkpoint.json"), "utf8"));
      expect(meta).toMatchObject({ epoch: 70, finished: true, config: { backend: "pytorch", processes: 2 } });
    },
    PYTHON_SETUP_MS,
  );

  it(
    "trains an exported encoder-decoder with attention under torchrun on two processes, evaluated by rnnc",
    () => {
      const example = examples.get("translate")!;
      writeFiles(example, project);
      expect(runCommands(example.commands.run!, project, 600_000, env).endsWith(example.output!)).toBe(true);
      const meta = JSON.parse(readFileSync(join(project, "runs/translate/checkpoint.json"), "utf8"));
      expect(meta).toMatchObject({ epoch: 30, finished: true, config: { backend: "pytorch", processes: 2 } });
    },
    PYTHON_SETUP_MS,
  );

  it(
    "serves the exported model from Node, Python and rnnc sample --backend onnxruntime, which write the same text",
    () => {
      const example = examples.get("serve")!;
      writeFiles(example, project);
      expect(runCommands(example.commands.run!, project, 300_000, env)).toBe(example.output);
    },
    PYTHON_SETUP_MS,
  );

  it(
    "serves an exported encoder-decoder from Python and rnnc translate --backend onnxruntime, which write the same translations",
    () => {
      const example = examples.get("serve-translate")!;
      writeFiles(example, project);
      // Training prints its own progress first; then the translations.
      expect(runCommands(example.commands.run!, project, 300_000, env).endsWith(example.output!)).toBe(true);
    },
    PYTHON_SETUP_MS,
  );

  it(
    "runs the multi-machine line as two machines on one",
    async () => {
      const line = examples.get("cluster")!.commands.run!.trim();
      const port = await freePort();
      const local = line.replace("--nproc_per_node 2", "--nproc_per_node 1").replace("29500", String(port));
      expect(local).not.toBe(line);
      const machines = [0, 1].map((rank) => shell(local, { NODE_RANK: String(rank), MASTER_ADDR: "127.0.0.1" }));
      for (const r of await Promise.all(machines)) expect(r.code, r.out).toBe(0);
      const meta = JSON.parse(readFileSync(join(project, "runs/cluster/checkpoint.json"), "utf8"));
      expect(meta).toMatchObject({ finished: true, config: { processes: 2 } });
    },
    PYTHON_SETUP_MS,
  );
});
