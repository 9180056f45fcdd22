/**
 * How a decoder picks its next classes, plugged into the one decoding loop of generate.ts:
 * greedy (each output's most probable class) or beam search (the K most probable outputs so
 * far, by their summed log-probabilities). After each step a choice gets the log-probabilities
 * of every row it ran and says which rows run next: for each, the row it continues and the
 * class it reads. It keeps each example's outputs; an example stops at `stop` (`<eos>`, which
 * is not part of its output) or after the last step.
 */

export interface Choice {
  /**
   * `logp` holds `rows` rows of `size` log-probabilities; `last` says no step follows. Returns
   * the rows of the next step (none when every example is done).
   */
  next(logp: Float64Array, size: number, last: boolean): { parents: Int32Array; classes: Int32Array };
  /** Each example's output, once decoding has ended. */
  outputs(): Int32Array[];
  /**
   * The row each example's output ran in at each step, once decoding has ended: one a class,
   * and one more for the step that chose `stop` when it ended so.
   */
  paths(): Int32Array[];
}

export interface ChoiceOptions {
  /** The class that ends an output. */
  stop?: number;
  /** Classes are chosen below it (a vocabulary smaller than the model's classes); all by default. */
  classes?: number;
}

/** Each row's most probable class (the first of equals). Rows are the examples not yet stopped. */
export function greedyChoice(B: number, { stop, classes }: ChoiceOptions = {}): Choice {
  const outputs: number[][] = Array.from({ length: B }, () => []);
  const paths: number[][] = Array.from({ length: B }, () => []);
  let exampleOf = Array.from({ length: B }, (_, b) => b);
  return {
    next(logp, size, last) {
      const parents: number[] = [];
      const chosen: number[] = [];
      const following: number[] = [];
      exampleOf.forEach((b, row) => {
        const id = argmax(logp, row * size, Math.min(size, classes ?? size));
        paths[b]!.push(row);
        if (id === stop) return;
        outputs[b]!.push(id);
        if (last) return;
        parents.push(row);
        chosen.push(id);
        following.push(b);
      });
      exampleOf = following;
      return { parents: Int32Array.from(parents), classes: Int32Array.from(chosen) };
    },
    outputs: () => outputs.map((o) => Int32Array.from(o)),
    paths: () => paths.map((p) => Int32Array.from(p)),
  };
}

interface Hypothesis {
  classes: number[];
  /** The row it ran in at each step. */
  rows: number[];
  /** Sum of the log-probabilities of its classes. */
  logp: number;
}

/**
 * Beam search with `width` hypotheses an example. Each step extends every live hypothesis by
 * every class and ranks the extensions by summed log-probability; walking them best first, an
 * extension by `stop` among the first `width` is finished, any other is kept until `width` are
 * live. An example is done with `width` finished hypotheses, or at the last step, where its
 * live ones are finished as they are. Its output is the finished hypothesis of highest mean
 * log-probability per class (the `stop` counted), so longer outputs are not penalised for
 * their length. Width 1 is greedy.
 */
export function beamChoice(B: number, width: number, { stop, classes }: ChoiceOptions = {}): Choice {
  const finished: { classes: number[]; rows: number[]; score: number }[][] = Array.from({ length: B }, () => []);
  // The live hypotheses, row by row, and the example of each.
  let live: Hypothesis[] = Array.from({ length: B }, () => ({ classes: [], rows: [], logp: 0 }));
  let exampleOf = Array.from({ length: B }, (_, b) => b);
  const finish = (b: number, h: Hypothesis, ended: boolean) =>
    finished[b]!.push({ classes: h.classes, rows: h.rows, score: h.logp / (h.classes.length + (ended ? 1 : 0)) });
  return {
    next(logp, size, last) {
      const choosable = Math.min(size, classes ?? size);
      const parents: number[] = [];
      const chosen: number[] = [];
      const nextLive: Hypothesis[] = [];
      const nextExampleOf: number[] = [];
      for (let row = 0; row < exampleOf.length;) {
        const b = exampleOf[row]!;
        let end = row;
        while (end < exampleOf.length && exampleOf[end] === b) end++;
        const candidates: { row: number; id: number; logp: number }[] = [];
        for (let r = row; r < end; r++)
          for (let id = 0; id < choosable; id++)
            candidates.push({ row: r, id, logp: live[r]!.logp + logp[r * size + id]! });
        // A stable sort: equals keep row then class order, so width 1 takes greedy's first of equals.
        candidates.sort((x, y) => y.logp - x.logp);
        let kept = 0;
        for (let rank = 0; rank < candidates.length && kept < width; rank++) {
          const c = candidates[rank]!;
          const extended = { classes: [...live[c.row]!.classes], rows: [...live[c.row]!.rows, c.row], logp: c.logp };
          if (c.id === stop) {
            if (rank < width) finish(b, extended, true);
            continue;
          }
          extended.classes.push(c.id);
          if (last) finish(b, extended, false);
          else {
            nextLive.push(extended);
            parents.push(c.row);
            chosen.push(c.id);
            nextExampleOf.push(b);
          }
          kept++;
        }
        if (finished[b]!.length >= width || last)
          while (nextExampleOf.at(-1) === b) {
            nextExampleOf.pop();
            nextLive.pop();
            parents.pop();
            chosen.pop();
          }
        row = end;
      }
      live = nextLive;
      exampleOf = nextExampleOf;
      return { parents: Int32Array.from(parents), classes: Int32Array.from(chosen) };
    },
    outputs: () => best().map((h) => Int32Array.from(h?.classes ?? [])),
    paths: () => best().map((h) => Int32Array.from(h?.rows ?? [])),
  };
  function best() {
    return finished.map((f) => {
      let top = f[0];
      for (const h of f) if (h.score > top!.score) top = h;
      return top;
    });
  }
}

function argmax(values: Float64Array, offset: number, size: number): number {
  let best = 0;
  for (let k = 1; k < size; k++) if (values[offset + k]! > values[offset + best]!) best = k;
  return best;
}
