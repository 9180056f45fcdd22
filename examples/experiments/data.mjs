/**
 * Data generators for the experiments, deterministic by seed (the project's own xoshiro128**
 * generator, from dist/). Each returns the file's text; `node data.mjs KIND --seed N` prints one.
 *
 *   sentiment  JSONL sentences whose label depends on word order and negation ("pos"/"neg",
 *              or 1/0 with --labels numbers, for a model that gives a probability)
 *   latch      normative JSON: the sign of the first input is the label, read after L noisy steps
 *   corpus     plain text from a small grammar, for a character language model
 *   sentences  the same grammar, one sentence a line without punctuation, for a word language model
 *   pairs      the same grammar's sentences and their translation into a toy French, `source<TAB>target`
 *              a line: a corpus for an encoder–decoder (adjectives after their noun, articles and
 *              adjectives agreeing with a noun's gender, so a target word depends on later source words)
 *   reversal   sequences of --min to --max letters (a to j) and the same reversed, `source<TAB>target`
 *              a line: the last target word depends on the first source word, however long the source
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { loadDist } from "./lib.mjs";

const { Rng } = await loadDist("runtime/rng.js");

const POSITIVE = ["good", "great", "fun", "brilliant", "moving"];
const NEGATIVE = ["bad", "dull", "awful", "boring", "weak"];
const SUBJECTS = ["the film", "the plot", "the acting", "the story", "the ending"];
const INTENSIFIERS = ["very", "really", "quite", "truly"];
const FILLERS = [
  [],
  [],
  ["overall"],
  ["i", "think"],
  ["to", "be", "honest"],
  ["in", "the", "end"],
  ["all", "in", "all"],
];

/** A clause "[not] INTENSIFIER* ADJ" and its polarity (the adjective's, flipped by "not"). */
function clause(rng) {
  const positive = rng.int(2) === 1;
  const negated = rng.int(2) === 1;
  const words = [];
  if (negated) words.push("not");
  for (let i = rng.int(3); i > 0; i--) words.push(INTENSIFIERS[rng.int(INTENSIFIERS.length)]);
  words.push((positive ? POSITIVE : NEGATIVE)[rng.int(5)]);
  return { words, positive: positive !== negated };
}

/**
 * "SUBJECT was CLAUSE [FILLER]" labelled by the clause, or "SUBJECT was CLAUSE but CLAUSE
 * [FILLER]" labelled by the clause after "but". Swapping the two clauses keeps the bag of
 * words and can flip the label; "not" sits up to three words before its adjective, and the
 * filler pushes the deciding words out of a short window.
 */
export function sentiment(seed, n, labels = "names") {
  const rng = new Rng(seed);
  const lines = [];
  for (let i = 0; i < n; i++) {
    const subject = SUBJECTS[rng.int(SUBJECTS.length)].split(" ");
    const first = clause(rng);
    const words = [...subject, "was", ...first.words];
    let positive = first.positive;
    if (rng.int(3) > 0) {
      const second = clause(rng);
      words.push("but", ...second.words);
      positive = second.positive;
    }
    words.push(...FILLERS[rng.int(FILLERS.length)]);
    const label = labels === "numbers" ? (positive ? 1 : 0) : positive ? "pos" : "neg";
    lines.push(JSON.stringify({ text: words.join(" "), label }));
  }
  return lines.join("\n") + "\n";
}

/**
 * The latch task in the normative JSON (time-major, dense input x = [value, marker]): at the
 * first step the value is ±1 (the label: 0 for −1, 1 for +1) and the marker 1; then L steps
 * of Gaussian noise (standard deviation `noise`) with marker 0. To answer at the end, a
 * network must keep one bit across L noisy steps.
 */
export function latch(seed, n, L, noise = 1) {
  const rng = new Rng(seed);
  const T = L + 1;
  const x = Array.from({ length: T }, () => new Array(n));
  const y = new Array(n);
  for (let b = 0; b < n; b++) {
    const label = rng.int(2);
    y[b] = label;
    x[0][b] = [label === 1 ? 1 : -1, 1];
    for (let t = 1; t < T; t++) x[t][b] = [Number((noise * rng.normal()).toFixed(4)), 0];
  }
  return JSON.stringify({ x, y }) + "\n";
}

const NOUNS = ["cat", "dog", "bird", "fox", "king", "queen", "child", "robot"];
const VERBS = ["saw", "liked", "found", "chased", "helped", "met"];
const ADJECTIVES = ["small", "old", "happy", "red", "quiet", "clever"];
const PLACES = ["in the garden", "by the river", "at the market", "under the tree", "on the hill"];

/** A sentence of the small grammar, without its full stop: "the old cat saw a red bird by the river". */
function sentence(rng) {
  const pick = (xs) => xs[rng.int(xs.length)];
  const np = () => `${pick(["the", "a"])} ${rng.int(2) ? pick(ADJECTIVES) + " " : ""}${pick(NOUNS)}`;
  let s = `${np()} ${pick(VERBS)} ${np()}`;
  if (rng.int(2)) s += ` ${pick(PLACES)}`;
  if (rng.int(4) === 0) s += ` and ${pick(VERBS)} ${np()}`;
  return s;
}

/** Sentences like "the old cat saw a red bird by the river." in lines and short paragraphs. */
export function corpus(seed, sentences) {
  const rng = new Rng(seed);
  const out = [];
  for (let i = 0; i < sentences; i++) out.push(sentence(rng) + (rng.int(5) === 0 ? ".\n" : ". "));
  return out.join("").replace(/ $/, "\n");
}

/** The same grammar one sentence a line, without punctuation: a text for a word language model (--tokens words). */
export function sentences(seed, n) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sentence(rng)).join("\n") + "\n";
}

/** Toy French of the grammar's words: nouns with their gender, adjectives as masculine and feminine. */
const FRENCH_NOUNS = {
  cat: ["chat", "m"],
  dog: ["chien", "m"],
  bird: ["oiseau", "m"],
  fox: ["renard", "m"],
  king: ["roi", "m"],
  queen: ["reine", "f"],
  child: ["enfant", "m"],
  robot: ["robot", "m"],
};
const FRENCH_VERBS = {
  saw: "vit",
  liked: "aimait",
  found: "trouva",
  chased: "chassa",
  helped: "aida",
  met: "rencontra",
};
const FRENCH_ADJECTIVES = {
  small: ["petit", "petite"],
  old: ["vieux", "vieille"],
  happy: ["heureux", "heureuse"],
  red: ["rouge", "rouge"],
  quiet: ["calme", "calme"],
  clever: ["malin", "maligne"],
};
const FRENCH_ARTICLES = { the: { m: "le", f: "la" }, a: { m: "un", f: "une" } };
const FRENCH_PLACES = {
  "in the garden": "dans le jardin",
  "by the river": "près de la rivière",
  "at the market": "au marché",
  "under the tree": "sous l'arbre",
  "on the hill": "sur la colline",
};

/** A sentence of the grammar in toy French: "the old queen saw a bird" → "la reine vieille vit un oiseau". */
function translate(words) {
  const out = [];
  for (let i = 0; i < words.length;) {
    const place = Object.keys(FRENCH_PLACES).find((p) => words.slice(i, i + 3).join(" ") === p);
    if (place) {
      out.push(FRENCH_PLACES[place]);
      i += 3;
    } else if (words[i] in FRENCH_ARTICLES) {
      const adjective = words[i + 1] in FRENCH_ADJECTIVES ? words[i + 1] : undefined;
      const [noun, gender] = FRENCH_NOUNS[words[adjective ? i + 2 : i + 1]];
      out.push(FRENCH_ARTICLES[words[i]][gender], noun);
      if (adjective) out.push(FRENCH_ADJECTIVES[adjective][gender === "m" ? 0 : 1]);
      i += adjective ? 3 : 2;
    } else {
      out.push(words[i] === "and" ? "et" : FRENCH_VERBS[words[i]]);
      i += 1;
    }
  }
  return out.join(" ");
}

/** n sentences of the grammar and their toy French, `source<TAB>target` a line (a .tsv that rnnc train reads). */
export function pairs(seed, n) {
  const rng = new Rng(seed);
  return (
    Array.from({ length: n }, () => {
      const source = sentence(rng);
      return `${source}\t${translate(source.split(" "))}`;
    }).join("\n") + "\n"
  );
}

/** n sequences of `min`–`max` letters a–j (uniform length) and their reversal, `source<TAB>target` a line. */
export function reversal(seed, n, min = 4, max = 24) {
  const rng = new Rng(seed);
  return (
    Array.from({ length: n }, () => {
      const letters = Array.from({ length: min + rng.int(max - min + 1) }, () => "abcdefghij"[rng.int(10)]);
      return `${letters.join(" ")}\t${[...letters].reverse().join(" ")}`;
    }).join("\n") + "\n"
  );
}

// Run as a script (also through a symbolic link, which Node resolves for the module but not in argv).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const [kind, ...rest] = process.argv.slice(2);
  const arg = (name, fallback) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? Number(rest[i + 1]) : fallback;
  };
  const seed = arg("seed", 1);
  const labels = rest.includes("--labels") ? rest[rest.indexOf("--labels") + 1] : "names";
  if (kind === "sentiment" && (labels === "names" || labels === "numbers"))
    process.stdout.write(sentiment(seed, arg("n", 2000), labels));
  else if (kind === "latch") process.stdout.write(latch(seed, arg("n", 2000), arg("L", 10), arg("noise", 1)));
  else if (kind === "corpus") process.stdout.write(corpus(seed, arg("n", 1500)));
  else if (kind === "sentences") process.stdout.write(sentences(seed, arg("n", 3000)));
  else if (kind === "pairs") process.stdout.write(pairs(seed, arg("n", 3000)));
  else if (kind === "reversal") process.stdout.write(reversal(seed, arg("n", 2000), arg("min", 4), arg("max", 24)));
  else {
    process.stderr.write(
      "usage: node examples/experiments/data.mjs sentiment|latch|corpus|sentences|pairs|reversal [--seed N] [--n N] [--L lag] [--labels names|numbers] [--min M --max N]\n",
    );
    process.exitCode = 2;
  }
}
