/**
 * docs/editors.md's Neovim recipes, run as written in Debian's Neovim (0.7.2, installed by
 * tests/support/global-setup.ts when missing), headless. Each recipe is the `init.lua` of a
 * fresh Neovim (its own HOME and XDG directories) started on a project with an unformatted
 * copy of examples/elman.rnn, `rnnc` on the PATH linked to this checkout's bin/rnnc.js (as
 * `npm link` would); tests/editors/neovim/drive.lua then does what a user would: hover on the
 * model name, `gd` on a parameter, `:w`, `:edit` a broken file, and reports what Neovim showed.
 *
 * The 0.10+ recipe calls functions Neovim 0.7 lacks: it is checked to parse, then run with the
 * stand-ins of tests/editors/neovim/stand-ins-0.10.lua, and hover is asked with
 * vim.lsp.buf.hover() (0.10 maps K to it by itself). The doc says so.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { formatFile } from "../../compiler/format/format.js";
import { docExamples } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const here = join(root, "tests/editors/neovim");
const recipes = docExamples(join(root, "docs/editors.md"));

/** examples/elman.rnn as someone might type it: the same model, not in `rnnc fmt` layout. */
const messy = readFileSync(join(root, "examples/elman.rnn"), "utf8")
  .replace("param W : [H, H]", "param   W:[H,H]")
  .replace("o = softmax(Vo @ h + c)", "o=softmax(Vo@h+c)");
const broken = "model M {\n  dim H = 4\n  input x : [H]\n  y = tanh(W @ x)\n}\n";

/** 1-based line and 0-based column of the `n`-th occurrence of `needle` in `text`, as Neovim's cursor counts. */
function cursorAt(text: string, needle: string, n = 0): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`'${needle}' is not in the text`);
  const before = text.slice(0, at).split("\n");
  return { line: before.length, col: Buffer.byteLength(before.at(-1)!) };
}

interface Seen {
  attach?: { filetype: string; clients: string[]; commentstring: string };
  hover?: string;
  definition?: { line: number; col: number; text: string };
  format?: { modified: boolean };
  diagnostics?: {
    found: { line: number; col: number; message: string; code: string }[];
    shown: string;
    clients: string[];
    servers: string[];
  };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rnnc-nvim-"));
  mkdirSync(join(scratch, "bin"));
  symlinkSync(join(root, "bin/rnnc.js"), join(scratch, "bin/rnnc"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nvimEnvironment = (home: string): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${join(scratch, "bin")}:${process.env["PATH"]}`,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "config"),
  XDG_DATA_HOME: join(home, "data"),
  XDG_STATE_HOME: join(home, "state"),
  XDG_CACHE_HOME: join(home, "cache"),
});

/** Runs a recipe in a fresh Neovim on a fresh project; what drive.lua saw, and the formatted file. */
function runRecipe(name: string, options: { standIns?: string; hoverKeys?: string }): { seen: Seen; saved: string } {
  const recipe = recipes.get(name)?.files.get("init.lua");
  if (recipe === undefined) throw new Error(`docs/editors.md has no init.lua for example ${name}`);
  const dir = join(scratch, name);
  const project = join(dir, "project");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(dir, "init.lua"), recipe);
  writeFileSync(join(project, "package.json"), "{}\n");
  writeFileSync(join(project, "elman.rnn"), messy);
  writeFileSync(join(project, "broken.rnn"), broken);
  const plan = {
    results: join(dir, "seen.json"),
    hover: { ...cursorAt(messy, "ElmanSentiment"), keys: options.hoverKeys },
    definition: { ...cursorAt(messy, "W @ h[t-1]"), keys: "gd" },
    broken: "broken.rnn",
  };
  const nvim = spawnSync(
    "nvim",
    [
      "--headless",
      "-i",
      "NONE",
      "-n",
      ...(options.standIns ? ["--cmd", `luafile ${options.standIns}`] : []),
      "-u",
      join(dir, "init.lua"),
      "-c",
      `luafile ${join(here, "drive.lua")}`,
      "elman.rnn",
    ],
    {
      cwd: project,
      env: { ...nvimEnvironment(join(dir, "home")), RNNC_NVIM_PLAN: JSON.stringify(plan) },
      encoding: "utf8",
      timeout: 150_000,
    },
  );
  if (nvim.status !== 0)
    throw new Error(`nvim exited with ${nvim.status ?? nvim.signal}: ${nvim.stderr}${nvim.stdout}`);
  const seen = JSON.parse(readFileSync(plan.results, "utf8")) as Seen;
  return { seen, saved: readFileSync(join(project, "elman.rnn"), "utf8") };
}

/** What each recipe must give a user, whichever Neovim it is for. */
function expectEditorFeatures({ seen, saved }: { seen: Seen; saved: string }): void {
  expect(seen.attach).toEqual({ filetype: "rnn", clients: ["rnnc"], commentstring: "// %s" });
  // Hover on the model name: its parameter table and weight count.
  expect(seen.hover).toContain("`ElmanSentiment`: 5 parameters");
  expect(seen.hover).toContain("3,170 weights");
  // gd on W in `h = tanh(W @ h[t-1] + ...)`: its declaration.
  const declaration = cursorAt(messy, "W:[H,H]");
  expect(seen.definition).toEqual({ ...declaration, text: messy.split("\n")[declaration.line - 1] });
  expect(seen.definition?.text).toMatch(/^ {2}param {3}W:\[H,H\]/);
  // :w formats the file as `rnnc fmt` does.
  expect(saved).not.toBe(messy);
  expect(saved).toBe(formatFile(parse(messy).file));
  expect(seen.format).toEqual({ modified: false });
  // The broken file: rnnc check's error, on its line and column, from the same server.
  const diagnostics = seen.diagnostics!;
  expect(diagnostics.found).toEqual([
    expect.objectContaining({ line: 3, col: 11, message: expect.stringContaining("'W' is not defined"), code: "E101" }),
  ]);
  expect(diagnostics.shown).toContain("'W' is not defined");
  expect(diagnostics.clients).toEqual(["rnnc"]);
  expect(diagnostics.servers).toEqual(["rnnc"]);
}

describe("docs/editors.md: the Neovim recipes in Debian's Neovim", () => {
  it("runs Neovim 0.7.2, the version the page says Debian 12 ships", () => {
    const version = spawnSync("nvim", ["--version"], { encoding: "utf8" });
    expect(version.stdout).toMatch(/^NVIM v0\.7\.2\b/);
    expect([...recipes.keys()]).toEqual(expect.arrayContaining(["nvim-0.7", "nvim-0.10"]));
  });

  it("0.7 to 0.9: filetype, server, hover (K), definition (gd), formatting on :w, diagnostics", () => {
    expectEditorFeatures(runRecipe("nvim-0.7", { hoverKeys: "K" }));
  }, 180_000);

  it("0.10 and later: parses in Neovim's Lua", () => {
    const recipe = join(scratch, "parse-0.10.lua");
    writeFileSync(recipe, recipes.get("nvim-0.10")!.files.get("init.lua")!);
    // loadfile parses without running: the recipe's 0.10 calls are not made.
    const nvim = spawnSync(
      "nvim",
      ["--headless", "-u", "NONE", "-i", "NONE", "-c", `lua assert(loadfile("${recipe}"))`, "-c", "qa!"],
      { encoding: "utf8", env: nvimEnvironment(join(scratch, "parse-home")), timeout: 60_000 },
    );
    expect(nvim.stderr + nvim.stdout).toBe("");
    expect(nvim.status).toBe(0);
  });

  it("0.10 and later, with stand-ins for the 0.10 functions: the same features", () => {
    expectEditorFeatures(runRecipe("nvim-0.10", { standIns: join(here, "stand-ins-0.10.lua") }));
  }, 180_000);
});
