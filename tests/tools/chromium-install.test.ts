/**
 * tools/chromium/install.mjs: Debian's Chromium for the playground's tests, installed with
 * apt-get when it is missing. This machine has it, so the install is tested on a machine
 * described to it (what exists, who runs it, what apt-get answers), and the real apt-get is
 * asked only to simulate the install: nothing here changes the machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aptSteps, chromiumPath, ensureChromium } from "../../tools/chromium/install.mjs";

/** A machine where Chromium is (or is not) there, apt-get answering each step with `statuses` (0 by default). */
function machine(options: { present: boolean; root: boolean; installs?: boolean; statuses?: number[] }) {
  let present = options.present;
  const ran: string[][] = [];
  const log: string[] = [];
  return {
    ran,
    log,
    ensure: () =>
      ensureChromium((line) => log.push(line), {
        exists: (path) => path === chromiumPath && present,
        isRoot: () => options.root,
        aptGet: (args) => {
          ran.push(args);
          const status = options.statuses?.[ran.length - 1] ?? 0;
          if (status === 0 && args.includes("install") && options.installs !== false) present = true;
          return { status };
        },
      }),
  };
}

describe("ensureChromium", () => {
  it("does nothing where Chromium is installed, and says so", () => {
    const m = machine({ present: true, root: true });
    expect(m.ensure()).toBe(chromiumPath);
    expect(m.ran).toEqual([]);
    expect(m.log).toEqual(["/usr/bin/chromium is installed: nothing to do"]);
  });

  it("installs Debian's chromium with apt-get as root: the package lists, then the package alone", () => {
    const m = machine({ present: false, root: true });
    expect(m.ensure()).toBe(chromiumPath);
    expect(m.ran).toEqual([
      ["-o", "DPkg::Lock::Timeout=600", "update"],
      ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "chromium"],
    ]);
    expect(m.log).toEqual(m.ran.map((args) => `apt-get ${args.join(" ")}`));
  });

  it("refuses without root, saying what to run, and runs nothing", () => {
    const m = machine({ present: false, root: false });
    expect(m.ensure).toThrow(
      "/usr/bin/chromium is missing and only root can install it: install Debian's Chromium (apt-get install chromium) as root",
    );
    expect(m.ran).toEqual([]);
  });

  it("stops at the first apt-get that fails, with its exit status", () => {
    const m = machine({ present: false, root: true, statuses: [100] });
    expect(m.ensure).toThrow(
      "apt-get -o DPkg::Lock::Timeout=600 update failed (exit 100): install Debian's Chromium (apt-get install chromium) as root",
    );
    expect(m.ran).toHaveLength(1);
  });

  it("fails when apt-get succeeds but leaves no /usr/bin/chromium", () => {
    const m = machine({ present: false, root: true, installs: false });
    expect(m.ensure).toThrow("apt-get installed chromium, but /usr/bin/chromium is not there");
  });
});

describe("on this machine", () => {
  it("node tools/chromium/install.mjs prints the path, and installs nothing where Chromium is", () => {
    expect(existsSync(chromiumPath)).toBe(true);
    const run = spawnSync(process.execPath, ["tools/chromium/install.mjs"], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("/usr/bin/chromium\n");
    expect(run.stderr).toBe("/usr/bin/chromium is installed: nothing to do\n");
  });

  it("apt-get takes the install step's arguments and knows the package (simulated: nothing is installed)", () => {
    const install = aptSteps.at(-1)!;
    const run = spawnSync("apt-get", ["--simulate", ...install], {
      encoding: "utf8",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^chromium is already the newest version|^Inst chromium /m);
  });
});
