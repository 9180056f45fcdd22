/**
 * The memory layout of generated code as expressions: where element i of row b of a step
 * lives in a buffer, and the row bases a loop hoists out of its inner loop.
 */

import { product, sum } from "./arith.js";

/**
 * Where a node's value or adjoint lives: element i of row b at step t is
 * buffer[((slot) · B + b) · stride + offset + i]. Stride 0 is a parameter: one row that
 * every step and every sequence reads (and whose gradient every one adds to).
 */
export interface Location {
  buffer: string;
  slot: string;
  stride: number;
  offset: number;
}

/** Offset of row b of a slot: ((slot) · B + b) · stride + offset, constants folded. */
export function rowOffset(slotExpr: string, stride: number, offset: number, b = "b"): string {
  if (stride === 0) return String(offset);
  return sum(product(sum(product(slotExpr, "B"), b), stride), offset);
}

/**
 * Row bases for one loop over b: each distinct (buffer, slot, stride, offset) gets a
 * `const rN = ...` at the top of the b-loop, and element i is `buffer[rN + i]`.
 */
export class RowBases {
  private readonly bases = new Map<string, string>();
  readonly lines: string[] = [];

  constructor(private readonly prefix: string) {}

  at(loc: Location, i = "i"): string {
    if (loc.stride === 0) return `${loc.buffer}[${i}]`;
    // Buffers of the same layout share one base: it is only an offset.
    const expr = rowOffset(loc.slot, loc.stride, loc.offset);
    let name = this.bases.get(expr);
    if (!name) {
      name = `${this.prefix}${this.bases.size}`;
      this.bases.set(expr, name);
      this.lines.push(`const ${name} = ${expr};`);
    }
    return `${loc.buffer}[${sum(name, i)}]`;
  }
}
