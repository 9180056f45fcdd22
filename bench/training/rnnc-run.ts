/**
 * `rnnc` as bin/rnnc.js runs it (the same arguments), reporting the process's CPU seconds (every
 * thread) on stderr as it exits, `CPU <seconds>`: the rnnc runs of the training section.
 */
process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`CPU ${(user + system) / 1e6}\n`);
});
// From dist/bench/training/: the package's command line, which reads process.argv as `rnnc` would.
await import(new URL("../../../bin/rnnc.js", import.meta.url).href);
