/**
 * "Did you mean" for misspelt names: the closest candidate by edit distance (ignoring case),
 * if it is close enough to be a likely typo; the first in the candidates' order on a tie.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  return new NameSuggester(candidates).suggest(name);
}

/**
 * The work one `NameSuggester` may do, in cells of the edit-distance table: about 50 ms. A
 * model with thousands of misspelt names among thousands of declared ones would otherwise
 * take time that grows with the product of the two; past the budget, names get no suggestion.
 */
export const SUGGESTION_BUDGET = 20_000_000;

interface Candidate {
  name: string;
  lower: string;
  /** Position in the candidates as given: ties go to the first. */
  order: number;
}

/**
 * Suggestions for many names against one set of candidates (every undefined name of a model
 * against its declarations). Only candidates whose length is within the allowed distance are
 * compared, a distance is computed only as far as the allowed distance, answers are
 * remembered, and the total work is bounded by `SUGGESTION_BUDGET`.
 */
export class NameSuggester {
  private readonly byLength = new Map<number, Candidate[]>();
  private readonly answers = new Map<string, string | undefined>();
  private budget: number;

  constructor(candidates: Iterable<string>, budget = SUGGESTION_BUDGET) {
    this.budget = budget;
    let order = 0;
    for (const name of candidates) {
      const lower = name.toLowerCase();
      let list = this.byLength.get(lower.length);
      if (!list) this.byLength.set(lower.length, (list = []));
      list.push({ name, lower, order: order++ });
    }
  }

  /** Whether the budget is spent: names asked from now on get no suggestion. */
  get spent(): boolean {
    return this.budget <= 0;
  }

  suggest(name: string): string | undefined {
    if (this.answers.has(name)) return this.answers.get(name);
    const answer = this.closest(name);
    this.answers.set(name, answer);
    return answer;
  }

  private closest(name: string): string | undefined {
    const lower = name.toLowerCase();
    // A one-letter name is one edit from every other one-letter name: only suggest real near-misses.
    const allowed = Math.min(Math.max(1, Math.floor(name.length / 3)), name.length - 1);
    let best: Candidate | undefined;
    let bestDistance = allowed + 1;
    for (let length = lower.length - allowed; length <= lower.length + allowed; length++) {
      for (const c of this.byLength.get(length) ?? []) {
        if (this.budget <= 0) return undefined;
        this.budget -= (lower.length + 1) * (c.lower.length + 1);
        const d = editDistance(lower, c.lower, bestDistance);
        if (d < bestDistance || (d === bestDistance && best && c.order < best.order)) {
          best = c;
          bestDistance = d;
        }
      }
    }
    return best && bestDistance <= allowed ? best.name : undefined;
  }
}

/** The two rows of the edit-distance table, kept between calls. */
let previousRow = new Int32Array(64);
let currentRow = new Int32Array(64);

/** Levenshtein distance, two rows; past `limit`, any number above it (the rows stop early). */
function editDistance(a: string, b: string, limit: number): number {
  if (previousRow.length <= b.length) {
    previousRow = new Int32Array(2 * b.length + 2);
    currentRow = new Int32Array(2 * b.length + 2);
  }
  let previous = previousRow;
  let current = currentRow;
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMinimum = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const d = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
      current[j] = d;
      if (d < rowMinimum) rowMinimum = d;
    }
    if (rowMinimum > limit) return rowMinimum;
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}
