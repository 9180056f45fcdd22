/**
 * The VS Code extension as a user gets it: docs/editors.md's command (`npm run
 * package:vscode`, run here as written, with no terminal to answer a prompt) installs the
 * extension's build tools, bundles it with esbuild and packages it with vsce; the .vsix it
 * writes to dist/ is then read back:
 *
 * - its manifest names the repository, the license (rnnc's LICENSE, packaged), the icon (a
 *   PNG), the language, the grammar and the bundled entry point, and nothing of node_modules
 *   is packaged;
 * - the grammar is the one compiler/lsp/textmate.ts makes from the compiler's word lists, and
 *   VS Code's own TextMate engine (vscode-textmate with Oniguruma) highlights every keyword,
 *   function, loss, cell kind, initialiser and argument name with it;
 * - the extension starts the server bundled beside it, and that server, copied alone into an
 *   empty directory, speaks LSP over stdio: initialize, diagnostics, hover, formatting.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import * as P from "vscode-languageserver-protocol/node.js";
import { Doc, fileUri, LspClient } from "../../bench/support/lsp-client.js";
import { docExamples, runCommands } from "../support/doc-examples.js";
import { unzip } from "../support/zip.js";
import { reservedWords } from "../../grammar/tokens.js";
import { wordDocs } from "../../compiler/lsp/describe.js";
import { lossNames, reductions } from "../../compiler/ops/registry.js";
import {
  argumentNames,
  cellKinds,
  declarationKeywords,
  functionNames,
  initialiserNames,
  textMateGrammar,
  typeWords,
  whenWords,
} from "../../compiler/lsp/textmate.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const extensionDir = join(root, "editors/vscode");
const require = createRequire(import.meta.url);
const sourceManifest = JSON.parse(readFileSync(join(extensionDir, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const vsixPath = join(root, "dist", `${sourceManifest.name}-${sourceManifest.version}.vsix`);
const editorsDoc = join(root, "docs/editors.md");
const vscodeExample = docExamples(editorsDoc).get("vscode");

let files: Map<string, Buffer>;
const text = (path: string) => {
  const file = files.get(`extension/${path}`);
  if (!file) throw new Error(`the .vsix has no extension/${path}; it has ${[...files.keys()].join(", ")}`);
  return file.toString("utf8");
};

beforeAll(() => {
  rmSync(vsixPath, { force: true });
  runCommands(vscodeExample!.commands.run!, root, 540_000);
  files = unzip(readFileSync(vsixPath));
}, 600_000);

describe("docs/editors.md: packaging the VS Code extension", () => {
  it("shows the command the test runs and where the .vsix is written", () => {
    expect(vscodeExample?.commands.run?.trim()).toBe("npm run package:vscode");
    expect(readFileSync(editorsDoc, "utf8")).toContain(
      `\`dist/${sourceManifest.name}-${sourceManifest.version}.vsix\``,
    );
    expect(existsSync(vsixPath)).toBe(true);
  });
});

describe("the .vsix", () => {
  it("has a manifest with repository, license, icon, language, grammar and the bundled entry point", () => {
    const manifest = JSON.parse(text("package.json"));
    expect(manifest.repository.url).toMatch(/^https:\/\//);
    expect(manifest.license).toBe("MIT");
    expect(manifest.main).toBe("./dist/extension.js");
    expect(manifest.activationEvents).toEqual(["onLanguage:rnn"]);
    expect(manifest.contributes.languages).toEqual([
      expect.objectContaining({ id: "rnn", extensions: [".rnn"], configuration: "./language-configuration.json" }),
    ]);
    expect(manifest.contributes.grammars).toEqual([
      { language: "rnn", scopeName: "source.rnn", path: "./syntaxes/rnn.tmLanguage.json" },
    ]);
    // Everything the manifest names is in the package.
    for (const path of [
      manifest.main,
      manifest.icon,
      manifest.contributes.grammars[0].path,
      "language-configuration.json",
    ])
      expect(files.has(`extension/${path.replace(/^\.\//, "")}`), path).toBe(true);
    expect(text("LICENSE.txt")).toBe(readFileSync(join(root, "LICENSE"), "utf8"));
    const vsixManifest = files.get("extension.vsixmanifest")!.toString("utf8");
    expect(vsixManifest).toContain("<License>extension/LICENSE.txt</License>");
    expect(vsixManifest).toContain(`<Icon>extension/${manifest.icon}</Icon>`);
  });

  it("has a 128×128 PNG icon", () => {
    const manifest = JSON.parse(text("package.json"));
    const png = files.get(`extension/${manifest.icon}`)!;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]);
  });

  it("is bundled: no node_modules, no sources, and the extension needs only VS Code and Node's own modules", () => {
    expect([...files.keys()].filter((f) => f.includes("node_modules"))).toEqual([]);
    expect(files.has("extension/extension.js")).toBe(false);
    expect(files.has("extension/build.mjs")).toBe(false);
    for (const bundle of ["dist/extension.js", "dist/server.js"]) {
      const required = new Set([...text(bundle).matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
      const external = [...required].filter((m) => m !== "vscode" && !builtinModules.includes(m.replace(/^node:/, "")));
      expect(external, bundle).toEqual([]);
    }
    expect(text("dist/extension.js")).toContain('require("vscode")');
    expect(text("dist/server.js")).not.toContain('require("vscode")');
  });

  it("starts the language server bundled beside it unless rnnc.path names another", () => {
    const { rnncCommand } = require(join(extensionDir, "server-options.js")) as {
      rnncCommand: (path: string) => { command: string; args: string[] } | undefined;
    };
    expect(rnncCommand("")).toBeUndefined();
    expect(rnncCommand("rnnc")).toMatchObject({ command: "rnnc", args: ["lsp", "--stdio"] });
    expect(rnncCommand("/src/rnnc/bin/rnnc.js")).toMatchObject({
      command: "node",
      args: ["/src/rnnc/bin/rnnc.js", "lsp", "--stdio"],
    });
    const manifest = JSON.parse(text("package.json"));
    expect(manifest.contributes.configuration.properties["rnnc.path"].default).toBe("");
    expect(text("dist/extension.js")).toContain('"dist/server.js"');
  });
});

describe("the bundled language server, alone in an empty directory", () => {
  let dir: string;
  let client: LspClient;
  let init: P.InitializeResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rnnc-vsix-server-"));
    writeFileSync(join(dir, "server.js"), files.get("extension/dist/server.js")!);
    // As vscode-languageclient starts a module over stdio: the module's path, then --stdio.
    ({ client, init } = await LspClient.start({ server: [join(dir, "server.js"), "--stdio"] }));
  });
  afterAll(() => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers initialize with the server's capabilities", () => {
    expect(init.serverInfo?.name).toBe("rnnc");
    expect(init.capabilities.hoverProvider).toBe(true);
    expect(init.capabilities.documentFormattingProvider).toBe(true);
  });

  it("publishes diagnostics, answers hover and formats", async () => {
    const elman = new Doc(fileUri(join(dir, "elman.rnn")), readFileSync(join(root, "examples/elman.rnn"), "utf8"));
    await client.open(elman);
    expect(await client.diagnostics(elman)).toEqual([]);
    expect(await client.hoverText(elman, elman.pos("ElmanSentiment"))).toContain("**3,170 weights** in total");

    const broken = new Doc(fileUri(join(dir, "broken.rnn")), "model M {\n  dim H = 4\n  h = tanh(W @ h[t-1])\n}\n");
    await client.open(broken);
    const diagnostics = await client.diagnostics(broken);
    expect(diagnostics.some((d) => /^E\d+$/.test(String(d.code)) && d.message.includes("'W'"))).toBe(true);

    const messy = new Doc(
      fileUri(join(dir, "messy.rnn")),
      "model M{dim H=4\ninput x:[H]\nparam W:[H,H]\ny=tanh(W@x)}\n",
    );
    await client.open(messy);
    const edits = await client.request(P.DocumentFormattingRequest.type, {
      textDocument: { uri: messy.uri },
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(edits?.length).toBeGreaterThan(0);
    expect(edits!.map((e) => e.newText).join("")).toContain("param W : [H, H]");
  });
});

describe("highlighting: the packaged grammar in VS Code's TextMate engine", () => {
  let grammar: textmate.IGrammar;

  beforeAll(async () => {
    await oniguruma.loadWASM(readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer);
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scope) =>
        scope === "source.rnn"
          ? textmate.parseRawGrammar(text("syntaxes/rnn.tmLanguage.json"), "rnn.tmLanguage.json")
          : null,
    });
    grammar = (await registry.loadGrammar("source.rnn"))!;
  });

  /** Each token of `source` with the innermost scope it gets, lines tokenized in order. */
  function tokens(source: string): { text: string; scope: string }[] {
    let state = textmate.INITIAL;
    const out: { text: string; scope: string }[] = [];
    for (const line of source.split("\n")) {
      const result = grammar.tokenizeLine(line, state);
      for (const t of result.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scope: t.scopes.at(-1)! });
      state = result.ruleStack;
    }
    return out;
  }

  /** The scope of the first token that is exactly `word` in `source`. */
  function scopeOf(source: string, word: string): string | undefined {
    return tokens(source).find((t) => t.text === word)?.scope;
  }

  it("is the grammar compiler/lsp/textmate.ts makes", () => {
    expect(JSON.parse(text("syntaxes/rnn.tmLanguage.json"))).toEqual(textMateGrammar());
  });

  it("covers every reserved word of the lexer and every word the language server explains", () => {
    const highlighted = new Set([
      "model",
      "loss",
      "at",
      ...declarationKeywords,
      ...typeWords,
      ...whenWords,
      ...reductions,
      ...initialiserNames,
    ]);
    expect(reservedWords.filter((w) => !highlighted.has(w))).toEqual([]);
    // `t` is highlighted inside a delay (below).
    expect(Object.keys(wordDocs).filter((w) => !highlighted.has(w) && w !== "t")).toEqual([]);
  });

  it("highlights a model as written in examples/", () => {
    const source = readFileSync(join(root, "examples/lstm-gates.rnn"), "utf8");
    const scopes = tokens(source);
    expect(scopes[0]).toEqual({
      text: "// LSTM written gate by gate: [a, b] concatenates, * is element-wise.",
      scope: "comment.line.double-slash.rnn",
    });
    expect(scopeOf(source, "model")).toBe("keyword.declaration.model.rnn");
    expect(scopeOf(source, "LstmGates")).toBe("entity.name.type.model.rnn");
    expect(scopeOf(source, "onehot")).toBe("storage.modifier.type.rnn");
    expect(scopeOf(source, "ones")).toBe("support.constant.initialiser.rnn");
    expect(scopeOf(source, "sigmoid")).toBe("support.function.builtin.rnn");
    expect(scopeOf(source, "Cc")).toBe("variable.other.definition.rnn");
    const delay = tokens("  C = f * C[t-1] + i * Cc").filter(
      (t) => t.scope.includes("delay") || t.scope.includes("step"),
    );
    expect(delay.map((t) => [t.text, t.scope])).toEqual([
      ["[", "punctuation.section.delay.begin.rnn"],
      ["t", "variable.language.step.rnn"],
      ["-", "keyword.operator.delay.rnn"],
      ["1", "constant.numeric.delay.rnn"],
      ["]", "punctuation.section.delay.end.rnn"],
    ]);
    expect(
      tokens("/* a\nblock */ model M {}")
        .slice(0, 2)
        .map((t) => t.scope),
    ).toEqual(["comment.block.rnn", "comment.block.rnn"]);
  });

  it("highlights every keyword, function, loss, cell kind, initialiser and argument name of the compiler", () => {
    for (const word of declarationKeywords)
      expect(scopeOf(`  ${word} a : [H]`, word), word).toBe("keyword.declaration.rnn");
    for (const fn of functionNames) expect(scopeOf(`  y = ${fn}(W @ x)`, fn), fn).toBe("support.function.builtin.rnn");
    for (const loss of lossNames()) {
      expect(scopeOf(`  loss ${loss}(o, y) at each`, loss), loss).toBe("support.function.loss.rnn");
      expect(scopeOf(`  loss ${loss}(o, y) at each`, "at"), "at").toBe("keyword.other.at.rnn");
    }
    for (const kind of cellKinds)
      expect(scopeOf(`  cell h = ${kind}(x, size = H)`, kind), kind).toBe("support.class.cell.rnn");
    for (const init of initialiserNames)
      expect(scopeOf(`  param W : [H, H] = ${init}`, init), init).toBe("support.constant.initialiser.rnn");
    for (const arg of argumentNames)
      expect(scopeOf(`  cell h = lstm(x, ${arg} = 1)`, arg), arg).toBe("variable.parameter.rnn");
    for (const when of whenWords)
      expect(scopeOf(`  loss mse(o, y) at ${when}`, when), when).toBe("constant.language.when.rnn");
    // The lecture's operators, and a name that only starts like a keyword stays a name.
    expect(scopeOf("  h = σ(W · h[t-1]) ⊙ c", "·")).toBe("keyword.operator.matmul.rnn");
    expect(scopeOf("  h = σ(W · h[t-1]) ⊙ c", "⊙")).toBe("keyword.operator.arithmetic.rnn");
    expect(scopeOf("  y = tanhx + h.init", "tanhx")).toBe("variable.other.rnn");
    expect(scopeOf("  y = tanhx + h.init", "h.init")).toBe("variable.other.rnn");
  });
});
