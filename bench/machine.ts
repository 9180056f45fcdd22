/** What a benchmark result must say about where it was measured: machine, versions, date, command. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { peerPackages, peerVersion } from "./peers.js";

const require = createRequire(import.meta.url);

export function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? "unknown";
    const flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(" ") ?? [];
    const simd = ["avx2", "avx512f", "fma"].filter((f) => flags.includes(f));
    return `${model}${simd.length > 0 ? ` (${simd.join(", ")})` : ""}`;
  } catch {
    return cpus()[0]?.model ?? "unknown";
  }
}

/** A package's version as rnnc's install has it, or null when it is not installed. */
export function packageVersion(name: string): string | null {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

/** The commit measured, and whether the work tree had changes on top of it. */
export function commit(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? " with uncommitted changes" : ""}`;
  } catch {
    return "unknown (not a git work tree)";
  }
}

export function header(command: string): string[] {
  const rnnc = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
    .version;
  const packages = [
    `typescript ${packageVersion("typescript") ?? "not installed"}`,
    ...peerPackages.map((p) => `${p} ${peerVersion(p) ?? "not installed"}`),
  ];
  return [
    `- command: \`${command}\``,
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpuModel()}, ${cpus().length} cores, load average ${load()} at the start`,
    `- node ${process.version}; rnnc ${rnnc} at ${commit()}; ${packages.join("; ")}`,
  ];
}
