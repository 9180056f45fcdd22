/**
 * The runnable examples of a Markdown document, so a test can run them exactly as written.
 *
 * An example is the set of code blocks whose info string names it, after the language:
 *
 *     ```ts example=quickstart file=train.ts     a file of the example's project
 *     ```sh example=quickstart run               commands, one a line (also: pack, install, train, compile)
 *     ```text example=quickstart output          what the run commands print
 *
 * Renderers show only the language, so the attributes cost the reader nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type CommandRole = "pack" | "install" | "train" | "compile" | "run";

export interface DocExample {
  /** The project's files, by path relative to the project. */
  readonly files: ReadonlyMap<string, string>;
  /** Shell commands, one a line, by what they are for. */
  readonly commands: Readonly<Partial<Record<CommandRole, string>>>;
  /** What the `run` commands print. */
  readonly output?: string;
}

export interface CodeBlock {
  readonly info: string[];
  readonly code: string;
  readonly line: number;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const close = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`line ${start + 1}: a code block is not closed`);
    blocks.push({ info: open[2]!.trim().split(/\s+/).filter(Boolean), code: body.join("\n") + "\n", line: start + 1 });
  }
  return blocks;
}

const commandRoles: readonly string[] = ["pack", "install", "train", "compile", "run"] satisfies CommandRole[];

/** The examples of the Markdown file at `path`, by name. */
export function docExamples(path: string): Map<string, DocExample> {
  const examples = new Map<
    string,
    { files: Map<string, string>; commands: Partial<Record<CommandRole, string>>; output?: string }
  >();
  const example = (name: string) =>
    examples.get(name) ?? examples.set(name, { files: new Map(), commands: {} }).get(name)!;
  for (const block of codeBlocks(readFileSync(path, "utf8"))) {
    const attributes = block.info.slice(1);
    const name = attributes.find((a) => a.startsWith("example="))?.slice("example=".length);
    if (name === undefined) continue;
    const where = `${path}:${block.line}`;
    const roles = attributes.filter((a) => !a.startsWith("example="));
    if (roles.length !== 1)
      throw new Error(`${where}: an example's block is one of file=NAME, pack, install, train, compile, run, output`);
    const role = roles[0]!;
    const parts = example(name);
    if (role.startsWith("file=")) {
      const file = role.slice("file=".length);
      if (parts.files.has(file)) throw new Error(`${where}: example ${name} has two blocks for ${file}`);
      parts.files.set(file, block.code);
    } else if (commandRoles.includes(role)) {
      // Commands of one role in several blocks (prose between them) run in the order shown.
      parts.commands[role as CommandRole] = (parts.commands[role as CommandRole] ?? "") + block.code;
    } else if (role === "output") {
      parts.output = block.code;
    } else {
      throw new Error(
        `${where}: an example's block is one of file=NAME, pack, install, train, compile, run, output, not '${role}'`,
      );
    }
  }
  return examples;
}

/**
 * A project in `dir` with the examples' files and the checkout at `root` installed as `rnnc`
 * (and its TypeScript and Node's types, as the quick start installs them), linked as
 * `npm link` would.
 */
export function linkedExampleProject(dir: string, root: string, ...examples: DocExample[]): string {
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  mkdirSync(join(dir, "node_modules/@types"));
  symlinkSync(root, join(dir, "node_modules/rnnc"), "dir");
  symlinkSync(join(root, "node_modules/typescript"), join(dir, "node_modules/typescript"), "dir");
  symlinkSync(join(root, "node_modules/@types/node"), join(dir, "node_modules/@types/node"), "dir");
  symlinkSync("../rnnc/bin/rnnc.js", join(dir, "node_modules/.bin/rnnc"));
  symlinkSync("../typescript/bin/tsc", join(dir, "node_modules/.bin/tsc"));
  for (const example of examples) writeFiles(example, dir);
  return dir;
}

/** Writes the example's files into `dir`. */
export function writeFiles(example: DocExample, dir: string): void {
  for (const [path, text] of example.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/**
 * The environment for npm and npx in a test: the caller's, without what `npm test` sets for
 * the repository's own package (npm_config_local_prefix would point nested npm commands at
 * it), with npx never installing a missing command from the registry, and packages taken
 * from npm's cache when it has them (so a test installs from the registry only once).
 */
export function npmEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(config_local_prefix|package_|lifecycle_|command$)|^INIT_CWD$/i.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    npm_config_yes: "false",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_prefer_offline: "true",
  };
}

/**
 * Runs each command line in `cwd` through the shell, as a reader would type it; returns what
 * they print. `env` adds to (or replaces) variables of the environment.
 */
export function runCommands(commands: string, cwd: string, timeoutMs = 300_000, env: NodeJS.ProcessEnv = {}): string {
  let stdout = "";
  for (const line of commands.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#")) continue;
    const result = spawnSync(line, {
      cwd,
      env: { ...npmEnvironment(), ...env },
      shell: true,
      encoding: "utf8",
      timeout: timeoutMs,
    });
    if (result.status !== 0) {
      throw new Error(
        `\`${line}\` in ${cwd} ${result.error ? `failed: ${result.error.message}` : `exited with ${result.status ?? result.signal}`}\n${result.stderr}${result.stdout}`,
      );
    }
    stdout += result.stdout;
  }
  return stdout;
}

/**
 * `actual` with each number that matches `expected`'s to within 2 in its last printed decimal
 * replaced by `expected`'s: the examples train, and a change in the generated code's rounding
 * (f32 above all) may move a last digit. Integers and all other text must match exactly.
 */
export function matchRounding(actual: string, expected: string): string {
  const number = /-?\d+(?:\.(\d+))?/g;
  const want = [...expected.matchAll(number)];
  let k = 0;
  return actual.replace(number, (got: string, digits: string | undefined) => {
    const e = want[k++];
    if (!e || digits === undefined || e[1]?.length !== digits.length) return got;
    return Math.abs(Number(got) - Number(e[0])) <= 2.5 * 10 ** -digits.length ? e[0] : got;
  });
}

/** The numbers after "mean loss" in a program's output, in order. */
export function meanLosses(output: string): number[] {
  return [...output.matchAll(/mean loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
}
