/**
 * Language-server latency on a generated 10,000-line model, measured as an editor sees it:
 * `rnnc lsp --stdio` in its own process, spoken to over JSON-RPC.
 *
 *   npm run bench -- --only lsp
 *   (or, with everything built: node dist/bench/lsp.js [layers])
 *
 * (`npm run build` builds the server; tsconfig.bench.json compiles this file and the test
 * client it uses into dist/.) Reports the median, 95th percentile and maximum of:
 * open → first diagnostics; an edit → diagnostics of the new version (debounce set to 0 so
 * the figure is the server's own work; editors add the 200 ms default); hover on a document
 * already analysed; hover right after an edit (which re-analyses); completion; and the front
 * end alone in process, for reference. Then the same edit on a generated model of 500 KB
 * (issue 13 asks the diagnostics of such an edit within 50 ms).
 */
import { cpus } from "node:os";
import { analyze } from "../compiler/frontend.js";
import { Doc, LspClient } from "./support/lsp-client.js";
import { generatedModel } from "./support/generated-model.js";

const layers = Number(process.argv[2] ?? 2_000);
/**
 * Repetitions of each measurement: enough for a median and a 95th percentile of the quick
 * requests, few of the slow ones (each edit re-analyses the whole model), so the section runs
 * in a few minutes on the loaded 2-core machine of bench/RESULTS.md.
 */
const rounds = { hover: 30, edits: 8, hoverAfterEdit: 4, completion: 10, frontEnd: 3 };
/** The size of the large model, in bytes of text. */
const largeSize = 500 * 1024;

interface Row {
  what: string;
  samples: number[];
}

function stats(samples: number[]): { median: number; p95: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await f();
  return [performance.now() - start, result];
}

async function main(): Promise<void> {
  const text = generatedModel(layers);
  const lineCount = text.split("\n").length - 1;
  const rows: Row[] = [];
  const row = (what: string) => {
    const r: Row = { what, samples: [] };
    rows.push(r);
    return r.samples;
  };

  const frontEnd = row("front end alone, in process (analyze)");
  for (let i = 0; i < rounds.frontEnd; i++) frontEnd.push((await time(async () => analyze(text)))[0]);

  const { client } = await LspClient.start({ initializationOptions: { diagnosticsDelay: 0 } });
  try {
    const doc = new Doc("file:///bench/big.rnn", text);
    const open = row("open → first diagnostics");
    const [openMs, first] = await time(async () => {
      await client.open(doc);
      return client.diagnostics(doc, 120_000);
    });
    open.push(openMs);
    if (first.some((d) => d.severity === 1)) throw new Error(`the generated model has errors: ${first[0]!.message}`);

    // Hover over names spread through the file, on an analysis already made.
    const hover = row("hover (document already analysed)");
    const needles = [
      (i: number) => `W${i} :`,
      (i: number) => `U${i} :`,
      (i: number) => `state h${i} `,
      (i: number) => `h${i}[t-1]`,
      (i: number) => `b${i})`,
    ];
    for (let i = 0; i < rounds.hover; i++) {
      const needle = needles[i % needles.length]!((i * 7919) % layers);
      const position = doc.pos(needle, 0, needle.startsWith("state ") ? 6 : 0);
      const [ms, h] = await time(() => client.hover(doc, position));
      if (!h) throw new Error(`no hover at ${needle}`);
      hover.push(ms);
    }

    const edit = row("edit → diagnostics of the new version (debounce 0)");
    await timeEdits(client, doc, layers, edit);

    const hoverAfter = row("hover right after an edit (includes re-analysis)");
    for (let i = 0; i < rounds.hoverAfterEdit; i++) {
      const at = doc.after(`h${(i * 257) % layers} = tanh(`);
      await client.edit(doc, { start: at, end: at }, " ");
      const [ms] = await time(() => client.hover(doc, doc.pos(`W${(i * 37) % layers} :`)));
      hoverAfter.push(ms);
      await client.edit(doc, { start: at, end: { line: at.line, character: at.character + 1 } }, "");
      await client.diagnostics(doc, 120_000);
    }

    const completion = row("completion in an equation (document already analysed)");
    for (let i = 0; i < rounds.completion; i++) {
      const [ms, items] = await time(() => client.completion(doc, doc.after(`U${(i * 53) % layers} @ `)));
      if (items.length < layers) throw new Error(`completion gave only ${items.length} items`);
      completion.push(ms);
    }

    await client.close(doc);
    const largeText = modelOfSize(largeSize);
    const largeLayers = layersOf(largeText);
    const large = new Doc("file:///bench/large.rnn", largeText);
    await client.open(large);
    await client.diagnostics(large, 120_000);
    const largeEdit = row(
      `edit → diagnostics, ${(largeText.length / 1024).toFixed(0)} KiB model of ${largeText.split("\n").length - 1} lines (debounce 0)`,
    );
    await timeEdits(client, large, largeLayers, largeEdit);

    await client.stop();
  } finally {
    client.kill();
  }

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `rnnc lsp on a generated model: ${lineCount.toLocaleString("en-US")} lines, ${(text.length / 1024).toFixed(0)} KiB, ${(3 * layers + 1).toLocaleString("en-US")} parameters`,
  );
  console.log(`node ${process.version}, ${cpus().length} × ${cpu}\n`);
  console.log("| measurement | n | median ms | p95 ms | max ms |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const s = stats(r.samples);
    console.log(
      `| ${r.what} | ${r.samples.length} | ${s.median.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)} |`,
    );
  }
}

/**
 * An edit (`tanh(0 + W @ ...`, still a valid model) → diagnostics for the new version, then
 * undone; at equations spread through the model.
 */
async function timeEdits(client: LspClient, doc: Doc, layerCount: number, samples: number[]): Promise<void> {
  for (let i = 0; i < rounds.edits; i++) {
    const at = doc.after(`h${(i * 131) % layerCount} = tanh(`);
    const [ms] = await time(async () => {
      await client.edit(doc, { start: at, end: at }, "0 + ");
      return client.diagnostics(doc, 120_000);
    });
    samples.push(ms);
    await client.edit(doc, { start: at, end: { line: at.line, character: at.character + 4 } }, "");
    await client.diagnostics(doc, 120_000);
  }
}

/** The smallest generated model of at least `bytes` characters. */
function modelOfSize(bytes: number): string {
  let high = 1;
  while (generatedModel(high).length < bytes) high *= 2;
  let low = Math.floor(high / 2);
  while (low + 1 < high) {
    const mid = (low + high) >> 1;
    if (generatedModel(mid).length < bytes) low = mid;
    else high = mid;
  }
  return generatedModel(high);
}

function layersOf(text: string): number {
  return text.split("\n").filter((l) => /^ {2}state h\d+ /.test(l)).length;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
