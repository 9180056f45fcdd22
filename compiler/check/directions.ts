/**
 * Which way each recurrence runs. A state read ahead (`hb[t+1]`) runs backwards: from each
 * sequence's last real step down to its first, so it sees every later step. Its equation and
 * everything that equation reads at the same step form the backward phase, computed before
 * the rest of the model for every step; the forward phase (everything else) may read it at
 * any step. A state cannot run both ways, and the backward phase cannot read a forward
 * recurrence, whose value at step t is not known until the forward phase reaches t.
 */
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import type { NameUse } from "./model.js";

interface StateReads {
  maxDelay: number;
  maxAhead: number;
}

/** The equations of the backward phase: the backward states' and all they read at the same step. */
export function backwardPhase(
  states: ReadonlyMap<string, StateReads>,
  sameStepReads: (equation: string) => readonly string[],
): Set<string> {
  const phase = new Set<string>();
  const stack = [...states].filter(([, s]) => s.maxAhead > 0).map(([name]) => name);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (phase.has(name)) continue;
    phase.add(name);
    stack.push(...sameStepReads(name));
  }
  return phase;
}

/** E303 where a recurrence would have to run both ways. */
export function checkDirections(
  states: ReadonlyMap<string, StateReads>,
  uses: readonly NameUse[],
  sameStepReads: (equation: string) => readonly string[],
  diagnostics: Diagnostic[],
): void {
  const bothWays = new Set<string>();
  for (const [name, s] of states) {
    if (s.maxDelay === 0 || s.maxAhead === 0) continue;
    bothWays.add(name);
    const ahead = uses.find((u) => u.name === name && u.delay < 0)!;
    diagnostics.push(
      error("E303", `'${name}' is read both at [t-k] and at [t+k]: a recurrence runs in one direction`, ahead.range, {
        hint: `for both directions use two states, one reading [t-1] and one reading [t+1], and concatenate them: [${name}f, ${name}b]; cell ${name} = gru(x, size = H, direction = both) writes this`,
      }),
    );
  }
  const backward = backwardPhase(states, sameStepReads);
  // Only the backward phase's reads can go wrong below: a model of forward recurrences alone is not looked through.
  if (backward.size === 0) return;
  const forwardStates = new Set([...states].filter(([, s]) => s.maxDelay > 0).map(([name]) => name));
  /** The backward state whose phase an equation is in, as written in the messages: `g (it reads g[t+1])`. */
  const runner = (equation: string) => {
    const state = [...states].find(([b, s]) => s.maxAhead > 0 && reaches(b, equation, sameStepReads));
    return state
      ? `'${state[0]}' runs backwards (it reads ${state[0]}[t+${state[1].maxAhead}])`
      : `'${equation}' runs backwards`;
  };
  for (const u of uses) {
    // A forward state in the backward phase is reported where the phase reads it, not at its own delays.
    if (!backward.has(u.usedBy) || bothWays.has(u.name) || forwardStates.has(u.usedBy)) continue;
    const readsPast = u.delay > 0 && states.has(u.name);
    const readsForward = u.delay === 0 && !u.last && forwardStates.has(u.name);
    if (!readsPast && !readsForward) continue;
    const reader = runner(u.usedBy);
    const through = states.get(u.usedBy)?.maxAhead ? "" : ` and reads '${u.usedBy}' at the same step`;
    diagnostics.push(
      error(
        "E303",
        readsPast
          ? `${reader}${through}, so ${through ? `'${u.usedBy}'` : "it"} cannot read the past of '${u.name}'`
          : `${reader}${through}, so ${through ? `'${u.usedBy}'` : "it"} cannot read '${u.name}', which runs forwards, at the same step`,
        u.range,
        {
          hint: "the backward phase is computed first, from the last step down; the forward one may read it (as in o = softmax(V @ [hf, hb])), not the other way round",
        },
      ),
    );
  }
}

function reaches(from: string, to: string, sameStepReads: (equation: string) => readonly string[]): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (name === to) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...sameStepReads(name));
  }
  return false;
}
