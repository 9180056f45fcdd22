/** node:os as the engine asks it (engine/memory.ts), answered in a browser: the memory it reports, else none known. */
export function freemem(): number {
  const gigabytes = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return gigabytes === undefined ? Number.POSITIVE_INFINITY : gigabytes * 2 ** 30;
}
