#!/usr/bin/env node
/**
 * A large text corpus for measuring `rnnc train` at scale (docs/reliability.md): random
 * sentences of English words, seeded, so every run of the measurement reads the same text.
 * Too big for the repository; generate it where it is measured:
 *
 *     node tools/scale/generate-text.mjs 1000 /tmp/corpus-1g.txt      # megabytes, path
 */
import { closeSync, openSync, writeSync } from "node:fs";

const [megabytes, path] = process.argv.slice(2);
if (!(Number(megabytes) > 0) || !path) {
  process.stderr.write("usage: node tools/scale/generate-text.mjs MEGABYTES OUT.txt\n");
  process.exit(2);
}
const words = (
  "the of and to in is was that for it with as on be at by this had not are but from or have an they which one you " +
  "were her all she there would their we him been has when who will more no if out so said what up its about into " +
  "than them can only other new some could time these two may then do first any my now such like our over man me " +
  "even most made after also did many before must through back years where much your way well down should because " +
  "each just those people Mr how too little state good very make world still own see men work long get here between"
).split(" ");
let seed = 12345;
const next = () => {
  // xorshift32: deterministic, fast, good enough to shuffle words
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const total = Number(megabytes) * 1_000_000;
const fd = openSync(path, "w");
let written = 0;
while (written < total) {
  let block = "";
  while (block.length < 1 << 20) {
    const n = 4 + Math.floor(next() * 12);
    const sentence = Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join(" ");
    block += sentence[0].toUpperCase() + sentence.slice(1) + (next() < 0.2 ? ".\n" : ". ");
  }
  const bytes = Buffer.from(block.slice(0, Math.min(block.length, total - written)), "utf8");
  writeSync(fd, bytes);
  written += bytes.length;
}
closeSync(fd);
