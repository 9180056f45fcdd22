/** CPU milliseconds of one call of `f`: every thread of the process, the garbage collector's helpers too. */
export function cpuMsOf(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
