/**
 * One shard's batch and state, in memory the thread computing the shard reads and writes in
 * place: each step copies the shard's sequences in (and its state back out, shards.ts's
 * `joinState`), and allocates nothing while the shard's shape (its steps, its sequences,
 * the arrays the batch has) stays the same. When the shape changes the slot lays out new
 * views, in a larger buffer if need be, and `fill` says so: a worker thread computing the
 * shard must then be sent them.
 */
import type { Float, ModuleBatch, ModuleState } from "../../runtime/generated-module.js";
import { namedRecord } from "../../runtime/records.js";
import type { Shard } from "./shards.js";

type Values = Float | Int32Array;
type Group = "inputs" | "targets" | "masks" | "lengths" | "values";

/** An array of the batch or the state, laid out [rows][B][width] (lengths: one row of width 1). */
interface Field {
  group: Group;
  name: string;
  rows: number;
  width: number;
  source: Values;
}

/** Every view starts on 8 bytes, as a Float64Array must. */
const align = (bytes: number) => Math.ceil(bytes / 8) * 8;

export class ShardSlot {
  private buffer = new SharedArrayBuffer(0);
  private shape = "";
  /** The views of the fields, in the order `fields` lists them for this shape. */
  private views: Values[] = [];
  batch: ModuleBatch = { B: 0, inputs: namedRecord() };
  state: ModuleState = { B: 0, values: namedRecord(), fresh: true };

  /** Width of a row of each batch and state array (shards.ts, `rowWidths`), and of each mask. */
  constructor(
    private readonly widths: Map<string, number>,
    private readonly maskWidths: Map<string, number>,
  ) {}

  /** Copies `shard` of `batch` and `state` in; true when the views are new. */
  fill(batch: ModuleBatch, state: ModuleState, shard: Shard): boolean {
    const n = shard.end - shard.start;
    const fields = this.fields(batch, state);
    // JSON, so that no name can make two shapes read alike.
    const shape = JSON.stringify([
      batch.T,
      n,
      fields.map((f) => [f.group, f.name, f.source.constructor.name, f.rows, f.width]),
    ]);
    const changed = shape !== this.shape;
    if (changed) {
      this.layOut(batch.T, n, fields);
      this.shape = shape;
    }
    fields.forEach((f, i) => copyRows(this.views[i]!, f, batch.B, shard));
    this.state.fresh = state.fresh;
    return changed;
  }

  private fields(batch: ModuleBatch, state: ModuleState): Field[] {
    const fields: Field[] = [];
    const add = (group: Group, record: Record<string, Values> | undefined, widths: Map<string, number>) => {
      for (const name in record) {
        const source = record[name]!;
        const width = widths.get(name)!;
        fields.push({ group, name, rows: source.length / (batch.B * width), width, source });
      }
    };
    add("inputs", batch.inputs, this.widths);
    add("targets", batch.targets, this.widths);
    add("masks", batch.masks, this.maskWidths);
    if (batch.lengths) fields.push({ group: "lengths", name: "", rows: 1, width: 1, source: batch.lengths });
    add("values", state.values, this.widths);
    return fields;
  }

  private layOut(T: number | undefined, n: number, fields: Field[]): void {
    const bytes = fields.reduce((sum, f) => sum + align(f.rows * n * f.width * f.source.BYTES_PER_ELEMENT), 0);
    if (bytes > this.buffer.byteLength) this.buffer = new SharedArrayBuffer(bytes);
    let offset = 0;
    this.views = fields.map((f) => {
      const make = f.source.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => Values;
      const view = new make(this.buffer, offset, f.rows * n * f.width);
      offset += align(view.byteLength);
      return view;
    });
    const record = (group: Group) =>
      namedRecord(fields.flatMap((f, i) => (f.group === group ? [[f.name, this.views[i]!] as const] : [])));
    const has = (group: Group) => fields.some((f) => f.group === group);
    const lengths = fields.findIndex((f) => f.group === "lengths");
    this.batch = {
      T,
      B: n,
      inputs: record("inputs"),
      ...(has("targets") ? { targets: record("targets") } : {}),
      ...(has("masks") ? { masks: record("masks") as Record<string, Float> } : {}),
      ...(lengths >= 0 ? { lengths: this.views[lengths] as Int32Array } : {}),
    };
    this.state = { B: n, values: record("values"), fresh: true };
  }
}

/** Sequences `shard` of a field of a batch of B sequences into `into` (the same rows, of the shard's sequences only). */
function copyRows(into: Values, { source, rows, width }: Field, B: number, shard: Shard): void {
  const n = shard.end - shard.start;
  for (let r = 0; r < rows; r++)
    into.set(source.subarray((r * B + shard.start) * width, (r * B + shard.end) * width) as never, r * n * width);
}
