/**
 * Corpus BLEU as sacrebleu computes it by default (`sacrebleu.corpus_bleu(hypotheses,
 * references)`, the figure translation papers report): lines tokenized as mteval-v13a does,
 * n-grams up to 4 with each counted at most as often as the reference that has most of it,
 * one brevity penalty from the corpus's lengths (each line's closest reference), and the
 * "exp" smoothing of mteval for an order without a match; 0 to 100.
 * tests/engine/bleu.test.ts checks it against sacrebleu's figures (tests/fixtures/bleu).
 */

const MAX_ORDER = 4;

export interface BleuScore {
  /** 0 to 100. */
  score: number;
  /** Per order 1–4, in percent (smoothed where an order has no match). */
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

/** mteval-v13a's tokenization (sacrebleu's `13a`, its default): punctuation split off, numbers kept whole. */
export function tokenize13a(line: string): string {
  let text = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (text.includes("&"))
    text = text.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  text = ` ${text} `
    .replace(/([{-~[-` -&(-+:-@/])/g, " $1 ")
    // a period or comma, unless between digits (3.5, 4,000)
    .replace(/([^0-9])([.,])/g, "$1 $2 ")
    .replace(/([.,])([^0-9])/g, " $1 $2")
    // a dash after a digit (2014-03)
    .replace(/([0-9])(-)/g, "$1 $2 ");
  return text.split(/\s+/).filter(Boolean).join(" ");
}

/** Each n-gram of orders 1–4 (tokens joined by a space) with its count. */
function ngramCounts(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= MAX_ORDER; n++)
    for (let i = 0; i + n <= tokens.length; i++) {
      const gram = tokens.slice(i, i + n).join(" ");
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  return counts;
}

/** The reference length BLEU compares a hypothesis with: the closest, the shorter on a tie. */
function closestLength(length: number, references: readonly number[]): number {
  let best = references[0]!;
  for (const r of references)
    if (
      Math.abs(length - r) < Math.abs(length - best) ||
      (Math.abs(length - r) === Math.abs(length - best) && r < best)
    )
      best = r;
  return best;
}

/**
 * `references[k][i]` is the k-th reference of `hypotheses[i]` (sacrebleu's reference streams);
 * one stream is the usual case.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[]): BleuScore {
  for (const stream of references)
    if (stream.length !== hypotheses.length)
      throw new Error(`a reference stream has ${stream.length} lines for ${hypotheses.length} hypotheses`);
  const correct = new Array<number>(MAX_ORDER).fill(0);
  const total = new Array<number>(MAX_ORDER).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const tokens = tokenize13a(hypothesis.trimEnd()).split(" ").filter(Boolean);
    const referenceTokens = references.map((stream) => tokenize13a(stream[i]!.trimEnd()).split(" ").filter(Boolean));
    // Each reference n-gram at the largest count any one reference has.
    const allowed = new Map<string, number>();
    for (const r of referenceTokens)
      for (const [gram, count] of ngramCounts(r)) allowed.set(gram, Math.max(allowed.get(gram) ?? 0, count));
    for (const [gram, count] of ngramCounts(tokens)) {
      const order = gram.split(" ").length - 1;
      total[order]! += count;
      correct[order]! += Math.min(count, allowed.get(gram) ?? 0);
    }
    hypothesisLength += tokens.length;
    referenceLength += closestLength(
      tokens.length,
      referenceTokens.map((r) => r.length),
    );
  });
  const brevityPenalty =
    hypothesisLength >= referenceLength
      ? 1
      : hypothesisLength > 0
        ? Math.exp(1 - referenceLength / hypothesisLength)
        : 0;
  const precisions = new Array<number>(MAX_ORDER).fill(0);
  const result = { precisions, brevityPenalty, hypothesisLength, referenceLength };
  if (correct.every((c) => c === 0)) return { score: 0, ...result };
  let smoothing = 1;
  for (let n = 0; n < MAX_ORDER && total[n]! > 0; n++) {
    if (correct[n] === 0) {
      smoothing *= 2;
      precisions[n] = 100 / (smoothing * total[n]!);
    } else precisions[n] = (100 * correct[n]!) / total[n]!;
  }
  // An order the corpus has no n-gram of counts as log 0 (sacrebleu floors it at -9999999999).
  const logSum = precisions.reduce((s, p) => s + (p === 0 ? -9999999999 : Math.log(p)), 0);
  return { score: brevityPenalty * Math.exp(logSum / MAX_ORDER), ...result };
}
