import { Help } from "commander";

/**
 * The environment variables rnnc's commands read, as `rnnc help` lists them. The modules that
 * read them say what they do in detail; this table is what a user sees, and a test checks that
 * every variable the sources read is in it.
 */
export const environmentVariables: readonly { name: string; meaning: string }[] = [
  {
    name: "RNNC_MEMORY_LIMIT",
    meaning:
      "the memory a run may use (8G, 512M); runs that would need more are refused before they allocate (default: the memory available)",
  },
  {
    name: "RNNC_CACHE_DIR",
    meaning:
      "where compiled modules are kept, a directory only you can write (default: $XDG_CACHE_HOME/rnnc or ~/.cache/rnnc)",
  },
  {
    name: "RNNC_ONNXRUNTIME_NODE",
    meaning: "the directory of an onnxruntime-node installation for --backend onnxruntime (default: beside rnnc)",
  },
  { name: "NO_COLOR", meaning: "set to anything: diagnostics without colour" },
];

/** The help's closing section: each variable and what it does, wrapped (by commander, as the rest of the help) under its name. */
export function environmentHelp(): string {
  const wrap = new Help();
  const lines = ["", "Environment variables:"];
  for (const { name, meaning } of environmentVariables)
    lines.push(`  ${name}`, wrap.boxWrap(meaning, 74).replace(/^/gm, "      "));
  return lines.join("\n") + "\n";
}
