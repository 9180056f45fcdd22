// Writes one small batch per example model, so `rnnc run examples/NAME.rnn --data
// examples/data/NAME.json` works out of the box. Deterministic (seeded), ragged lengths.
//   npm run build && node examples/data/make.mjs
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { analyze } from "../../dist/compiler/frontend.js";
import { lower } from "../../dist/compiler/ir/lower.js";
import { randomBatch } from "../../dist/engine/random-batch.js";
import { batchToJson } from "../../dist/engine/io/data-json.js";
import { Rng } from "../../dist/runtime/rng.js";

const here = new URL(".", import.meta.url);
const examples = new URL("../", here);
for (const file of readdirSync(examples)
  .filter((f) => f.endsWith(".rnn"))
  .sort()) {
  const { model } = analyze(readFileSync(new URL(file, examples), "utf8"));
  if (!model) throw new Error(`${file} does not check`);
  const batch = randomBatch(lower(model), new Rng(1), { T: 5, B: 3, ragged: true });
  const name = file.replace(/\.rnn$/, ".json");
  writeFileSync(new URL(name, here), JSON.stringify(round(batchToJson(lower(model), batch))) + "\n");
  console.log(`wrote examples/data/${name}`);
}

/** Four decimals are plenty for example data and keep the files readable. */
function round(value) {
  if (typeof value === "number") return Math.round(value * 1e4) / 1e4;
  if (Array.isArray(value)) return value.map(round);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round(v)]));
  return value;
}
