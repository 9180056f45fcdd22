/**
 * What the arrays of generated code are called. The model's own names first: each parameter
 * (`W`), input (`x`), quantity (`h`) and scored target (`y`) is the array of the same name;
 * then the derived ones: a gradient or an adjoint is `d` and its array (`dW`, `dh`), a
 * product of a parameter is named by the parameter and what it multiplies (`W_h` for
 * `W @ h[t-1]`), the operand of the activation that defines a quantity is the quantity's
 * `_raw` value (min-char-rnn's `hraw`), another value in a quantity's equation is named by the
 * quantity and its op (`c_mul`), the products of a group of gates computed as one are
 * `products_hx`, and its stacked weights `W_h` and `W_x`, by the block they multiply.
 * Identifiers (identifiers.ts) keeps them distinct and clear of what the code reserves.
 */
import type { IrModel, IrNode, NodeId } from "../ir/ir.js";
import { Identifiers, spell } from "./identifiers.js";
import type { MatvecGroup, NodePlan } from "./plan-types.js";

/** The arrays of the model's parameters, gradients and targets, by index; and the table to claim more names from. */
export interface ArrayNames {
  params: string[];
  grads: string[];
  /** The target array each loss reads, by loss. */
  targets: string[];
  identifiers: Identifiers;
}

/**
 * A module of several sequences names all their arrays in one table (one workspace holds them), its
 * parameters and gradients once for all: `moduleNames` claims those first.
 */
export interface ModuleNames {
  identifiers: Identifiers;
  params: string[];
  grads: string[];
}

export function moduleNames(ir: IrModel): ModuleNames {
  const identifiers = new Identifiers();
  const params = ir.params.map((p) => identifiers.claim(p.name));
  return { identifiers, params, grads: params.map((p) => identifiers.claim(`d${p}`)) };
}

/** Names every array of the plan: fills in the nodes' and groups' buffer names (in the module's table, when shared). */
export function nameArrays(
  ir: IrModel,
  nodes: NodePlan[],
  groups: MatvecGroup[],
  /** Whether a block's product at every step is taken by rows, with its weights transposed (MatvecGroup.transposed). */
  byRows: (g: MatvecGroup, block: MatvecGroup["blocks"][number]) => boolean,
  shared?: ModuleNames,
): ArrayNames {
  const identifiers = shared?.identifiers ?? new Identifiers();
  const claim = (wanted: string) => identifiers.claim(wanted);
  const ownValue = (p: NodePlan) => p.stored && !p.inSharedGroup;
  const ownAdjoint = (p: NodePlan) =>
    (p.adjoint === "steps" || p.adjoint === "step" || p.adjoint === "summed") && !p.inSharedGroup;

  const params = shared?.params ?? ir.params.map((p) => claim(p.name));
  const quantityOf = new Map(ir.quantities.map((q) => [q.node, q.name]));
  const named = (p: NodePlan) => p.node.op === "input" || quantityOf.has(p.node.id);
  // The model's names, then the targets, then what derives from them.
  for (const p of nodes.filter((p) => ownValue(p) && named(p))) p.buffer = claim(wantedName(ir, p.node, quantityOf));
  const targets = ir.losses.map((l) => claim(l.target));
  const grads = shared?.grads ?? params.map((p) => claim(`d${p}`));
  for (const p of nodes.filter((p) => ownAdjoint(p) && named(p))) p.adjointBuffer = claim(`d${p.buffer}`);
  for (const p of nodes.filter((p) => ownValue(p) && !named(p))) p.buffer = claim(wantedName(ir, p.node, quantityOf));
  for (const g of groups) {
    const operands = blockNames(
      ir,
      g.blocks.map((b) => b.x),
      quantityOf,
    );
    if (g.shared) {
      g.buffer = claim(`products_${operands}`);
      g.adjointBuffer = claim(`d${g.buffer}`);
    }
    g.transposed = g.blocks.map((b) => (byRows(g, b) ? claim(`WT_${blockNames(ir, [b.x], quantityOf)}`) : ""));
    if (g.direct) continue;
    g.stacked = g.blocks.map((b) => claim(`W_${blockNames(ir, [b.x], quantityOf)}`));
    g.stackedGrads = g.stacked.map((w) => claim(`d${w}`));
  }
  for (const p of nodes.filter((p) => ownAdjoint(p) && !named(p)))
    p.adjointBuffer = claim(`d${p.stored ? p.buffer : spell(wantedName(ir, p.node, quantityOf))}`);
  for (const g of groups.filter((g) => g.shared))
    for (const m of g.members) Object.assign(nodes[m]!, { buffer: g.buffer, adjointBuffer: g.adjointBuffer });
  return { params, grads, targets, identifiers };
}

/** The name a node's array would have, before the table makes it distinct. */
function wantedName(ir: IrModel, n: IrNode, quantityOf: ReadonlyMap<NodeId, string>): string {
  if (n.op === "input") return n.input;
  const quantity = quantityOf.get(n.id);
  if (quantity !== undefined) return quantity;
  if (n.op !== "apply") return `v${n.id}`;
  if (n.param !== undefined) return `${n.param}_${blockNames(ir, n.args, quantityOf)}`;
  // The quantity whose equation computes it.
  const equation = ir.quantities.find((q) => ir.nodes[q.node]!.origin === n.origin);
  if (equation === undefined) return `v${n.id}`;
  const defining = ir.nodes[equation.node]!;
  const raw = defining.op === "apply" && defining.args.length === 1 && defining.args[0] === n.id;
  return `${equation.name}_${raw ? "raw" : n.fn}`;
}

/** What a product multiplies, by name: `h` for h[t-1], `hx` for [h[t-1], x], `h_c_x` where a name is longer than a letter. */
function blockNames(ir: IrModel, operands: readonly NodeId[], quantityOf: ReadonlyMap<NodeId, string>): string {
  const names = operands.map((id) => {
    const n = ir.nodes[id]!;
    return spell(n.op === "input" ? n.input : n.op === "delay" ? n.source : (quantityOf.get(id) ?? "v"));
  });
  return names.join(names.every((s) => s.length === 1) ? "" : "_");
}
