/**
 * What `npm ci` installs: rnnc's own install leaves out the libraries the benchmark measures
 * rnnc against (they are the bench package's, bench/package.json with its own lock file,
 * installed by `npm run bench`), and TypeScript and Prettier are no dependency of rnnc's
 * users. npm runs in the repository without warnings about its configuration.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { npmEnvironment } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8")) as Record<string, unknown>;

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
interface Lock {
  packages: Record<string, Manifest & { version?: string }>;
}

const manifest = json("package.json") as Manifest;
const lock = json("package-lock.json") as unknown as Lock;
const bench = json("bench/package.json") as Manifest;
const benchLock = json("bench/package-lock.json") as unknown as Lock;
const vscode = json("editors/vscode/package.json") as Manifest;
const vscodeLock = json("editors/vscode/package-lock.json") as unknown as Lock;
const peers = Object.keys(bench.dependencies ?? {});

describe("rnnc's install", () => {
  it("has none of the benchmark's peers, which the bench package lists", () => {
    expect(peers).toEqual(["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "brain.js", "onnxruntime-node"]);
    const installed = Object.keys(lock.packages);
    for (const peer of peers) {
      expect(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })).not.toContain(peer);
      expect(installed).not.toContain(`node_modules/${peer}`);
    }
  });

  it("gives its users neither TypeScript nor Prettier; Prettier, which rnnc compile needs, is an optional peer", () => {
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("typescript");
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("prettier");
    expect(manifest.peerDependencies).toEqual({ prettier: "^3.0.0" });
    expect(manifest.peerDependenciesMeta).toEqual({ prettier: { optional: true } });
    // The repository builds and formats with exact versions, as its lock file has them.
    expect(manifest.devDependencies?.["prettier"]).toBe(lock.packages["node_modules/prettier"]?.version);
    expect(manifest.devDependencies?.["typescript"]).toBe(lock.packages["node_modules/typescript"]?.version);
  });

  it("is locked as package.json asks, and so are the bench package and the VS Code extension", () => {
    for (const [m, l] of [
      [manifest, lock],
      [bench, benchLock],
      [vscode, vscodeLock],
    ] as const) {
      expect(l.packages[""]?.dependencies).toEqual(m.dependencies);
      expect(l.packages[""]?.devDependencies).toEqual(m.devDependencies);
    }
  });

  it("lets npm run without warnings about the repository's configuration", () => {
    const npm = spawnSync("npm", ["pkg", "get", "name"], { cwd: root, env: npmEnvironment(), encoding: "utf8" });
    expect({ status: npm.status, stdout: npm.stdout.trim(), stderr: npm.stderr }).toEqual({
      status: 0,
      stdout: '"rnnc"',
      stderr: "",
    });
  });
});

describe("tools/bench-peers/install.mjs, which npm run bench runs first", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnc-bench-peers-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const install = (dir: string) =>
    spawnSync(process.execPath, [join(root, "tools/bench-peers/install.mjs"), dir], {
      env: npmEnvironment(),
      encoding: "utf8",
    });

  it("installs the package's lock file with npm ci, then leaves it until the lock file changes", () => {
    // A bench package whose one dependency is a packed local package, so that npm needs no registry.
    const pkg = join(scratch, "bench");
    mkdirSync(pkg);
    const npm = (args: string[], cwd: string) =>
      expect(spawnSync("npm", args, { cwd, env: npmEnvironment(), encoding: "utf8" })).toMatchObject({ status: 0 });
    const dependOnPeer = (version: string) => {
      const peer = mkdtempSync(join(scratch, "peer-"));
      writeFileSync(join(peer, "package.json"), JSON.stringify({ name: "peer", version }));
      npm(["pack", "--pack-destination", scratch], peer);
      writeFileSync(
        join(pkg, "package.json"),
        JSON.stringify({ name: "b", dependencies: { peer: `file:../peer-${version}.tgz` } }),
      );
      npm(["install", "--package-lock-only"], pkg);
    };
    const installedPeer = () => JSON.parse(readFileSync(join(pkg, "node_modules/peer/package.json"), "utf8")) as object;

    dependOnPeer("1.0.0");
    const first = install(pkg);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain(`installing the packages ${pkg}/package-lock.json pins: npm ci --prefix ${pkg}/`);
    expect(installedPeer()).toEqual({ name: "peer", version: "1.0.0" });

    expect(install(pkg)).toMatchObject({ status: 0, stderr: "" });

    dependOnPeer("1.1.0");
    const changed = install(pkg);
    expect(changed.status).toBe(0);
    expect(changed.stderr).toContain(`installing the packages ${pkg}/package-lock.json pins`);
    expect(installedPeer()).toEqual({ name: "peer", version: "1.1.0" });
  });
});
