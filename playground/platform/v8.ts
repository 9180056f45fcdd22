/** node:v8 as the engine asks it (engine/memory.ts), answered in a browser: Chromium's heap figures, else none known. */
export function getHeapStatistics(): { heap_size_limit: number; used_heap_size: number } {
  const memory = (performance as Performance & { memory?: { jsHeapSizeLimit: number; usedJSHeapSize: number } }).memory;
  return memory
    ? { heap_size_limit: memory.jsHeapSizeLimit, used_heap_size: memory.usedJSHeapSize }
    : { heap_size_limit: Number.POSITIVE_INFINITY, used_heap_size: 0 };
}
