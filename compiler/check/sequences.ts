/**
 * Which sequence each quantity runs over. A model may declare several sequences, each by the
 * step variable of its inputs and targets (`input x[s] : onehot[V]`, `target y[u] : class[W]`),
 * each with its own length per example: a source and a target of another length. Every
 * quantity runs over the sequence of what it reads at a step (an input, or a quantity, at the
 * same step or through a delay); a state of another sequence is read at its last real step,
 * `e[last]`, in an equation or as an initial state (`state d : [H] = e[last]`). That is the
 * only way across: two sequences have no step in common (E304), and a sequence cannot wait
 * for its own last step (E305). The sequences are computed one after the other, each after
 * those whose last step it reads.
 */
import type * as A from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import type { Declarations } from "./declarations.js";
import type { LossInfo, NameUse } from "./model.js";

export interface Sequences {
  /** Step variables, in the order the sequences are computed. */
  order: string[];
  /** The sequence of each quantity (equations), input and target. */
  of: SequenceOf;
}

/** The sequence of a quantity, input or target by its name; undefined for other names. */
export interface SequenceOf {
  get(name: string): string | undefined;
}

export function checkSequences(
  decls: Declarations,
  uses: NameUse[],
  losses: readonly LossInfo[],
  diagnostics: Diagnostic[],
): Sequences {
  const declared = [...new Set([...decls.inputs.values(), ...decls.targets.values()].map((d) => d.sequence))];
  if (declared.length === 0) declared.push("t");

  // The initial values read at [last] are uses of their source, by the state they start.
  for (const state of decls.states.values()) {
    if (state.init.kind !== "last") continue;
    const init = state.decl.init as A.DelayExpr;
    uses.push({ name: init.name.text, range: init.name.range, usedBy: state.name, delay: 0, last: true });
    checkInitialSource(state.name, init, decls, diagnostics);
  }
  if (declared.length === 1) return oneSequence(declared[0]!, decls, uses, diagnostics);

  const of = new Map<string, string>();
  for (const d of [...decls.inputs.values(), ...decls.targets.values()]) of.set(d.name, d.sequence);
  const acrossSteps = uses.filter((u) => readAcrossSteps(u, decls));
  // A quantity runs over the sequence of the first thing it reads that has one; what reads
  // only parameters and [last] values runs over the sequence of its readers (the last declared
  // if none has one). A read written with another sequence's step variable, `e[s]`, counts
  // last: in an equation of another sequence it reads every step of e's (attention).
  // Each pass goes over the reads that may still place something: a read whose two sides
  // have their sequences can tell nothing more (a large model's second pass would go over
  // every read again for nothing).
  const inferFrom = (reads: readonly NameUse[]) => {
    let pending = reads;
    for (let changed = true; changed;) {
      changed = false;
      const unplaced: NameUse[] = [];
      for (const u of pending) {
        let reader = of.get(u.usedBy);
        let read = of.get(u.name);
        const known = read ?? u.step;
        if (known !== undefined && reader === undefined) {
          of.set(u.usedBy, (reader = known));
          if (u.usedBy === u.name) read = known;
          changed = true;
        }
        if (reader !== undefined && read === undefined) {
          of.set(u.name, (read = reader));
          changed = true;
        }
        if (read === undefined || reader === undefined) unplaced.push(u);
      }
      pending = unplaced;
    }
  };
  inferFrom(acrossSteps.filter((u) => u.at === undefined));
  inferFrom(acrossSteps);
  for (const name of decls.equations.keys()) if (!of.has(name)) of.set(name, declared[declared.length - 1]!);

  for (const u of acrossSteps) checkRead(u, of.get(u.usedBy)!, of.get(u.name)!, diagnostics);

  for (const loss of losses) {
    if (loss.at !== "each") continue;
    const prediction = of.get(loss.prediction);
    const target = of.get(loss.target);
    if (prediction === undefined || target === undefined || prediction === target) continue;
    const targetArg = loss.decl.args.filter((a) => !a.name)[1] ?? loss.decl.args[1]!;
    diagnostics.push(
      error(
        "E304",
        `'${loss.prediction}' runs over sequence ${prediction} and target '${loss.target}' over sequence ${target}: a loss at each step scores them step by step`,
        targetArg.range,
        { hint: `score a prediction computed over ${target}` },
      ),
    );
  }

  return { order: computeOrder(declared, of, uses, decls, diagnostics), of };
}

/**
 * A model of one sequence (most): everything that runs over steps runs over it, so only a read
 * written with another step variable, or of its own last step, is wrong. Its reads are not
 * placed one by one, and only those written with a step variable are looked into.
 */
function oneSequence(only: string, decls: Declarations, uses: NameUse[], diagnostics: Diagnostic[]): Sequences {
  const of: SequenceOf = {
    get: (name) => (decls.equations.has(name) || decls.inputs.has(name) || decls.targets.has(name) ? only : undefined),
  };
  for (const u of uses)
    if ((u.step !== undefined || u.at !== undefined) && readAcrossSteps(u, decls))
      checkRead(u, only, only, diagnostics);
  return { order: computeOrder([only], of, uses, decls, diagnostics), of };
}

/**
 * A read in an equation of what runs over steps: a quantity, state, input or target. A name's
 * kind comes first: what those tables hold is bound as one of those four kinds (a parameter or
 * a dim never is), and most reads are of parameters.
 */
function readAcrossSteps(u: NameUse, decls: Declarations): boolean {
  if (u.last || !decls.equations.has(u.usedBy)) return false;
  const kind = decls.symbols.get(u.name)?.kind;
  if (kind === undefined || kind === "param" || kind === "dim") return false;
  return decls.equations.has(u.name) || decls.inputs.has(u.name) || decls.targets.has(u.name);
}

/** E304 where a read of sequence `read` by an equation of sequence `reader` has no step in common with it, or is written with another's step variable. */
function checkRead(u: NameUse, reader: string, read: string, diagnostics: Diagnostic[]): void {
  // e[s] in an equation of another sequence: every step of e's (checked by attention.ts).
  if (u.at === read && reader !== read) return;
  const written = u.step ?? u.at;
  if (reader !== read) {
    diagnostics.push(
      error(
        "E304",
        `'${u.usedBy}' runs over sequence ${reader} and '${u.name}' over sequence ${read}: they have no step in common`,
        u.range,
        {
          hint: `a sequence reads another at its last step: a state of ${read}, as in ${u.name}[last], or an initial state = ${u.name}[last]; or at every step, ${u.name}[${read}], reduced over ${read} (attention)`,
        },
      ),
    );
  } else if (written !== undefined && written !== read) {
    diagnostics.push(
      error("E304", `'${u.name}' runs over sequence ${read}, not ${written}`, u.range, {
        hint:
          u.step === undefined
            ? `read it at its own step: ${u.name}`
            : read === "t"
              ? `read its past as ${u.name}[t-1]`
              : `read its past as ${u.name}[${read}-1] (or ${u.name}[t-1]: t is always the step of the equation's own sequence)`,
      }),
    );
  }
}

/** What `state d : [H] = e[last]` starts from: a state of the same size. */
function checkInitialSource(name: string, init: A.DelayExpr, decls: Declarations, diagnostics: Diagnostic[]): void {
  const source = decls.states.get(init.name.text);
  const state = decls.states.get(name)!;
  // A cell that could not be expanded stands as a repaired equation: its own error says it all.
  if (!source && decls.equations.get(init.name.text)?.recovered) return;
  if (!source) {
    diagnostics.push(
      error(
        "E305",
        decls.symbols.has(init.name.text)
          ? `'${init.name.text}' is not a state; an initial state reads a state of another sequence at [last]`
          : `'${init.name.text}' is not defined`,
        init.name.range,
        { hint: "as in state d : [H] = e[last], with e the state of the sequence read first" },
      ),
    );
  } else if (source.size.value !== state.size.value) {
    diagnostics.push(
      error(
        "E201",
        `state '${name}' is declared [${state.size.value}] but starts from '${source.name}', which is [${source.size.value}]`,
        init.range,
      ),
    );
  }
}

/**
 * Each sequence after those whose last step it reads; a read of its own last step, or two
 * sequences reading each other's, is E305.
 */
function computeOrder(
  declared: readonly string[],
  of: SequenceOf,
  uses: readonly NameUse[],
  decls: Declarations,
  diagnostics: Diagnostic[],
): string[] {
  const after = new Map(declared.map((s) => [s, new Set<string>()]));
  const witness = new Map<string, NameUse>();
  for (const u of uses) {
    if (!u.last || !decls.states.has(u.name)) continue;
    const reader = of.get(u.usedBy);
    const read = of.get(u.name);
    if (reader === undefined || read === undefined) continue;
    if (reader === read) {
      diagnostics.push(
        error(
          "E305",
          `'${u.usedBy}' and '${u.name}' both run over sequence ${read}, whose last step is not computed before its end`,
          u.range,
          {
            hint:
              declared.length > 1
                ? `[last] reads a state of another sequence; within sequence ${read}, read the past: ${u.name}[t-1]`
                : `[last] reads a state of another sequence, declared with its own step variable (input x[s] : ...); within one sequence, read the past: ${u.name}[t-1]`,
          },
        ),
      );
      continue;
    }
    after.get(reader)!.add(read);
    witness.set(`${reader} ${read}`, u);
  }
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (s: string): void => {
    if (order.includes(s) || visiting.has(s)) return;
    visiting.add(s);
    for (const first of after.get(s)!) {
      if (visiting.has(first)) {
        const u = witness.get(`${s} ${first}`)!;
        diagnostics.push(
          error(
            "E305",
            `sequences ${s} and ${first} read each other's last step: neither can be computed first`,
            u.range,
            { hint: "one sequence (the encoder's) is read to its end, then the other starts from its last state" },
          ),
        );
        continue;
      }
      visit(first);
    }
    visiting.delete(s);
    order.push(s);
  };
  for (const s of declared) visit(s);
  return order;
}
