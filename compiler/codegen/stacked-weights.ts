/**
 * A fused group's stacked weights (MatvecGroup): before the forward pass, its members' weights copied into one array
 * per block, so that each block is one product at every step; after the backward pass, the gradient of each stacked
 * array added back to the members' gradients. A member's part of a dense block is a run of columns in each of its
 * rows, so each copy is an element loop over those rows, a fused loop on the WebAssembly tier: as JavaScript, the
 * copies of W3 (a GRU of 32, one sequence of 20 steps) took 14% of its forward pass. A one-hot block's weights,
 * stacked transposed (a row per id), and the transposed copies of products taken by rows stay JavaScript loops.
 */
import { product, sum } from "./arith.js";
import { gradArray, paramArray } from "./access.js";
import type { ElementLoop } from "./element-loop.js";
import type { Location } from "./location.js";
import { emitLoopCall, type FusedLoops } from "./fused-loops.js";
import { byRowsLocal, type CodePlan } from "./plan.js";
import { commentText } from "./names.js";

type Group = CodePlan["groups"][number];

/**
 * Where element (row, col) of member j's part of block k lives in the group's stacked weights:
 * row-major [rows][width], or for a one-hot block transposed, [width][rows], a row per id.
 */
export function stackedIndex(plan: CodePlan, g: Group, k: number, j: number): string {
  const block = g.blocks[k]!;
  return plan.ir.nodes[block.x]!.onehot
    ? sum(product("col", g.rows), g.offsets[j]!, "row")
    : sum(product(sum(g.offsets[j]!, "row"), block.width), "col");
}

/** Member j of a group: its parameter, that parameter's array and columns, and its rows. */
function member(plan: CodePlan, g: Group, j: number) {
  const { ir } = plan;
  const m = g.members[j]!;
  const param = (ir.nodes[m] as { param: string }).param;
  return { param, cols: ir.params.find((p) => p.name === param)!.shape[1]!, rows: ir.nodes[m]!.size };
}

/** Where member j's part of dense block k lies: in the group's stacked array, and in the member's own matrix. */
function blockRows(plan: CodePlan, g: Group, k: number, j: number, stacked: string, own: string) {
  const block = g.blocks[k]!;
  const { cols } = member(plan, g, j);
  return {
    stacked: { buffer: stacked, slot: "0", stride: block.width, offset: g.offsets[j]! * block.width },
    own: { buffer: own, slot: "0", stride: cols, offset: block.col },
  };
}

/** An element loop over member j's rows of block k: `to`'s part set to (or, with `add`, increased by) `from`'s. */
function copyLoop(
  plan: CodePlan,
  g: Group,
  k: number,
  j: number,
  to: Location,
  from: Location,
  add: boolean,
): ElementLoop {
  return {
    size: g.blocks[k]!.width,
    rows: String(member(plan, g, j).rows),
    streams: [to, from],
    body: [{ kind: add ? "storeAdd" : "store", stream: 0, value: { kind: "read", stream: 1 } }],
  };
}

/** The stacked and transposed copies of every group's weights, before the forward pass's steps. */
export function emitStackedWeights(plan: CodePlan, fused: FusedLoops | undefined): string[] {
  const { ir } = plan;
  const out: string[] = [];
  for (const g of plan.groups) {
    const into = [
      ...(g.direct ? [] : g.stacked).map((name, k) => ({ name, k, transposed: false })),
      ...g.transposed.flatMap((name, k) => (name ? [{ name, k, transposed: true }] : [])),
    ];
    if (into.length === 0) continue;
    const params = g.members.map((_, j) => member(plan, g, j).param);
    out.push(`// ${g.direct ? "transpose" : "stack"} ${params.map(commentText).join(", ")} for one product per block`);
    const copies = (transposed: boolean, when?: string) =>
      into
        .filter((c) => c.transposed === transposed && (!transposed || byRowsLocal(g.blocks[c.k]!.width) === when))
        .flatMap(({ name, k }) =>
          g.members.flatMap((_, j) => {
            const { cols, rows } = member(plan, g, j);
            const P = paramArray(plan, params[j]!);
            const at = transposed ? sum(product("col", g.rows), g.offsets[j]!, "row") : stackedIndex(plan, g, k, j);
            // Element by element: a subarray per row would allocate on every call, which costs a one-sequence forward pass more than the copy.
            const js = `for (let row = 0; row < ${rows}; row++) for (let col = 0; col < ${g.blocks[k]!.width}; col++) ${name}[${at}] = ${P}[${sum(product("row", cols), g.blocks[k]!.col, "col")}]!;`;
            if (transposed || ir.nodes[g.blocks[k]!.x]!.onehot) return [js];
            const { stacked, own } = blockRows(plan, g, k, j, name, P);
            return emitLoopCall(copyLoop(plan, g, k, j, stacked, own, false), fused, [js]);
          }),
        );
    out.push(...copies(false));
    // Transposed only for a call that takes its products by rows (byRows, or byRowsFma for a wide block).
    for (const when of ["byRows", "byRowsFma"]) {
      const transposedCopies = copies(true, when);
      if (transposedCopies.length > 0) out.push(`if (${when}) {`, ...transposedCopies, "}");
    }
  }
  return out;
}

/** After the backward pass: the gradients of the stacked weights, added to each member's parameter's gradient. */
export function emitStackedGradients(plan: CodePlan, fused: FusedLoops | undefined): string[] {
  const { ir } = plan;
  return plan.groups.flatMap((g) =>
    g.direct
      ? []
      : g.blocks.flatMap((block, k) =>
          g.members.flatMap((_, j) => {
            const { param, cols, rows } = member(plan, g, j);
            const G = gradArray(plan, param);
            const js = `for (let row = 0; row < ${rows}; row++) for (let col = 0; col < ${block.width}; col++) ${G}[${sum(product("row", cols), block.col, "col")}]! += ${g.stackedGrads[k]}[${stackedIndex(plan, g, k, j)}]!;`;
            if (ir.nodes[block.x]!.onehot) return [js];
            const { stacked, own } = blockRows(plan, g, k, j, g.stackedGrads[k]!, G);
            return emitLoopCall(copyLoop(plan, g, k, j, own, stacked, true), fused, [js]);
          }),
        ),
  );
}
