/**
 * The type of every expression node the checker inferred, as a `Map` from node to type.
 * Inference records tens of thousands of them in a large model and most runs never look one
 * up (the command line checks and lowers; the language server asks for a few), so the types
 * are kept in two arrays as they come and made into the map's entries when it is first read:
 * hashing each node into a map as it was typed cost about a tenth of the checker's time.
 * Read or written through any `Map` method, it is the map the same sets in the same order make.
 */
import type * as A from "../../grammar/ast.js";
import type { ValueType } from "../ops/shapes.js";

export class ExprTypes extends Map<A.Expr, ValueType> {
  /** Recorded and not yet entered, in the order they came. */
  #nodes: A.Expr[] = [];
  #types: ValueType[] = [];

  /** Records a node's type, as `set` does, without entering it yet. */
  record(e: A.Expr, t: ValueType): void {
    this.#nodes.push(e);
    this.#types.push(t);
  }

  /** Enters what was recorded, in order (a node recorded twice keeps its last type, as with `set`). */
  #enter(): void {
    const nodes = this.#nodes;
    if (nodes.length === 0) return;
    const types = this.#types;
    this.#nodes = [];
    this.#types = [];
    for (let i = 0; i < nodes.length; i++) super.set(nodes[i]!, types[i]!);
  }

  override get size(): number {
    this.#enter();
    return super.size;
  }

  override get(e: A.Expr): ValueType | undefined {
    this.#enter();
    return super.get(e);
  }

  override has(e: A.Expr): boolean {
    this.#enter();
    return super.has(e);
  }

  override set(e: A.Expr, t: ValueType): this {
    this.#enter();
    return super.set(e, t);
  }

  override delete(e: A.Expr): boolean {
    this.#enter();
    return super.delete(e);
  }

  override clear(): void {
    this.#nodes = [];
    this.#types = [];
    super.clear();
  }

  override forEach(f: (t: ValueType, e: A.Expr, map: Map<A.Expr, ValueType>) => void, thisArg?: unknown): void {
    this.#enter();
    super.forEach(f, thisArg);
  }

  override entries(): MapIterator<[A.Expr, ValueType]> {
    this.#enter();
    return super.entries();
  }

  override keys(): MapIterator<A.Expr> {
    this.#enter();
    return super.keys();
  }

  override values(): MapIterator<ValueType> {
    this.#enter();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[A.Expr, ValueType]> {
    return this.entries();
  }
}
