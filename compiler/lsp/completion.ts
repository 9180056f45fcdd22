/**
 * Completion from where the cursor is: keywords at the start of an item, dims in shapes,
 * initialisers after `param W : [..] =`, cells after `cell h =`, their arguments, losses and
 * their words, and in an equation the names in scope and the built-in functions (with their
 * signatures). Documentation of a name is filled in on resolve, so a long model answers fast.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
} from "vscode-languageserver";
import { callNames, callOp, lossNamed, lossNames } from "../ops/registry.js";
import { sizesText } from "../ops/shapes.js";
import { cellActivations, cellDefinitions, type CellKind } from "../expand/cells.js";
import { printExpr } from "../format/print-expr.js";
import type { Analysis } from "./analysis.js";
import { currentArgumentName, cursorContext, type CursorContext } from "./context.js";
import {
  cellArgumentDocs,
  cellSignature,
  functionSignature,
  initialiserDocs,
  keywordDocs,
  lossArgumentDocs,
  lossSignature,
  paramInitialisers,
  stateInitialisers,
  wordDocs,
} from "./describe.js";
import type { ModelScope, ModelSymbol, SymbolKind } from "./names.js";

export interface CompletionOptions {
  /** The client accepts snippets (`tanh($1)`). */
  snippets: boolean;
}

/** What completion items carry to `completionItem/resolve`. */
export interface CompletionData {
  uri: string;
  name: string;
  model: number;
}

type Want =
  | "none"
  | "model"
  | "itemStart"
  | "dims"
  | "onehot"
  | "class"
  | "paramInit"
  | "stateInit"
  | "cellKinds"
  | "cellArguments"
  | "cellInput"
  | "activations"
  | "cellInit"
  | "states"
  | "lossFunctions"
  | "lossArguments"
  | "reductions"
  | "at"
  | "when"
  | "expression"
  | "delayStep";

/** What may be written at the cursor. */
export function expected(ctx: CursorContext): Want[] {
  if (ctx.inComment || /^\d/.test(ctx.word)) return ["none"];
  if (!ctx.inModel) return ctx.tokens.length === 0 ? ["model"] : ["none"];
  const t = ctx.tokens;
  if (t.length === 0) return ["itemStart"];
  const inner = ctx.open[ctx.open.length - 1];
  const last = t[t.length - 1]!;
  switch (ctx.keyword) {
    case "model":
      return ["none"];
    case "dim":
      return ctx.equals >= 0 ? ["dims"] : ["none"];
    case "input":
    case "target":
      if (ctx.colon < 0) return ["none"];
      if (inner?.kind === "[") return ["dims"];
      return last.tokenType.name === "Colon" ? [ctx.keyword === "input" ? "onehot" : "class"] : ["none"];
    case "param":
    case "state":
      if (ctx.colon < 0) return ["none"];
      if (ctx.equals < 0) return inner?.kind === "[" ? ["dims"] : ["none"];
      if (inner) return ["none"];
      return last.tokenType.name === "Equals" ? [ctx.keyword === "param" ? "paramInit" : "stateInit"] : ["none"];
    case "cell": {
      if (ctx.equals < 0) return ["none"];
      if (!inner) return last.tokenType.name === "Equals" ? ["cellKinds"] : ["none"];
      if (inner.kind !== "(" || ctx.open.length > 1) return ["dims"];
      const named = currentArgumentName(ctx, inner);
      if (named === "size" || named === "in") return ["dims"];
      if (named === "act") return ["activations"];
      if (named === "init") return ["cellInit"];
      if (named === "out") return ["states"];
      if (named) return ["none"];
      return inner.commas === 0 ? ["cellInput", "cellArguments"] : ["cellArguments"];
    }
    case "loss": {
      if (!inner) {
        if (t.length === 1) return ["lossFunctions"];
        if (last.tokenType.name === "RParen") return ["at"];
        if (last.tokenType.name === "At") return ["when"];
        return ["none"];
      }
      if (inner.kind !== "(") return ["none"];
      const named = currentArgumentName(ctx, inner);
      if (named === "reduce") return ["reductions"];
      if (named) return ["none"];
      return inner.commas >= 2 ? ["lossArguments"] : ["lossArguments", "expression"];
    }
    case "gate":
      return ctx.equals >= 0 ? expressionOrDelay(ctx) : ["none"];
    default:
      if (t[0]!.tokenType.name === "Identifier" && ctx.equals === 1) return expressionOrDelay(ctx);
      return ["none"];
  }
}

function expressionOrDelay(ctx: CursorContext): Want[] {
  const inner = ctx.open[ctx.open.length - 1];
  if (inner?.kind === "[" && ctx.tokens[inner.index - 1]?.tokenType.name === "Identifier") return ["delayStep"];
  return ["expression"];
}

export function completion(
  analysis: Analysis,
  uri: string,
  offset: number,
  options: CompletionOptions,
): CompletionList {
  const ctx = cursorContext(analysis.text, offset);
  const wants = expected(ctx);
  const scope = analysis.index?.scopeAt(offset);
  const items: CompletionItem[] = [];
  const range = { start: analysis.lines.positionAt(ctx.wordStart), end: analysis.lines.positionAt(ctx.offset) };
  const add = (
    label: string,
    kind: CompletionItemKind,
    detail: string,
    doc?: string,
    snippet?: string,
    data?: CompletionData,
  ) => {
    const useSnippet = snippet !== undefined && options.snippets;
    items.push({
      label,
      kind,
      detail,
      ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}),
      textEdit: { range, newText: useSnippet ? snippet : label },
      ...(useSnippet ? { insertTextFormat: InsertTextFormat.Snippet } : {}),
      filterText: label,
      ...(data ? { data } : {}),
    });
  };
  const symbols = (filter: (s: ModelSymbol) => boolean) => {
    if (!scope) return;
    for (const s of scope.symbols.values())
      if (filter(s))
        add(s.name, symbolKind(s.kind), symbolDetail(analysis, scope, s), undefined, undefined, {
          uri,
          name: s.name,
          model: scope.index,
        });
  };
  const words = (list: readonly string[], kind: CompletionItemKind, docs: Record<string, string>) => {
    for (const w of list) add(w, kind, w, docs[w]);
  };

  for (const want of wants) {
    switch (want) {
      case "none":
        break;
      case "model":
        add(
          "model",
          CompletionItemKind.Keyword,
          "model Name { ... }",
          keywordDocs["model"],
          "model ${1:Name} {\n\t$0\n}",
        );
        break;
      case "itemStart":
        for (const [word, snippet] of Object.entries(keywordSnippets))
          add(word, CompletionItemKind.Keyword, word, keywordDocs[word], snippet);
        // A state without an equation yet is the likely next line.
        symbols((s) => s.kind === "state" && !s.items.some((i) => i.kind === "equation"));
        break;
      case "dims":
        symbols((s) => s.kind === "dim");
        break;
      case "onehot":
        add("onehot", CompletionItemKind.EnumMember, "onehot[V]", wordDocs["onehot"], "onehot[${1:V}]");
        break;
      case "class":
        add("class", CompletionItemKind.EnumMember, "class[K]", wordDocs["class"], "class[${1:K}]");
        break;
      case "paramInit":
        for (const w of paramInitialisers) {
          const d = initialiserDocs[w]!;
          add(
            w,
            CompletionItemKind.Value,
            d.signature,
            d.doc,
            d.signature.includes("(") ? `${w}(${snippetArguments(d.signature)})` : undefined,
          );
        }
        break;
      case "stateInit":
      case "cellInit":
        for (const w of stateInitialisers) add(w, CompletionItemKind.Value, w, initialiserDocs[w]!.doc);
        break;
      case "cellKinds":
        for (const kind of Object.keys(cellDefinitions) as CellKind[]) {
          const sig = cellSignature(kind);
          add(
            kind,
            CompletionItemKind.Class,
            sig.label,
            sig.doc,
            `${kind}(\${1:x}, size = \${2:H}${cellDefinitions[kind].needsOut ? ", out = ${3:o}" : ""})`,
          );
        }
        break;
      case "cellArguments":
        for (const [name, doc] of Object.entries(cellArgumentDocs))
          add(`${name} =`, CompletionItemKind.Property, `${name} = …`, doc, `${name} = $0`);
        break;
      case "cellInput":
        symbols((s) => s.kind === "input" || s.kind === "state" || s.kind === "cell");
        break;
      case "activations":
        for (const a of cellActivations)
          add(a, CompletionItemKind.Function, functionSignature(a, callOp(a)!).label, callOp(a)!.doc.formula);
        break;
      case "states":
        symbols((s) => s.kind === "state");
        break;
      case "lossFunctions":
        for (const fn of lossNames()) {
          const sig = lossSignature(lossNamed(fn)!);
          add(fn, CompletionItemKind.Function, sig.label, sig.doc, `${fn}(\${1:o}, \${2:y}) at \${3|last,each|}`);
        }
        break;
      case "lossArguments":
        for (const [name, doc] of Object.entries(lossArgumentDocs))
          add(`${name} =`, CompletionItemKind.Property, "reduce = mean|sum", doc, "reduce = ${1|mean,sum|}");
        symbols((s) => s.kind === "target" || s.kind === "quantity" || s.kind === "state" || s.kind === "cell");
        break;
      case "reductions":
        words(["mean", "sum"], CompletionItemKind.EnumMember, wordDocs);
        break;
      case "at":
        add("at", CompletionItemKind.Keyword, "at last|each", keywordDocs["at"], "at ${1|last,each|}");
        break;
      case "when":
        words(["last", "each"], CompletionItemKind.EnumMember, wordDocs);
        break;
      case "expression":
        symbols((s) => s.kind !== "dim" && s.kind !== "target");
        for (const fn of callNames()) {
          const f = callOp(fn)!;
          const sig = functionSignature(fn, f);
          add(
            fn,
            CompletionItemKind.Function,
            sig.label,
            `\`${f.doc.formula}\`\n\nderivative: \`${f.doc.derivative}\``,
            `${fn}($1)`,
          );
        }
        break;
      case "delayStep":
        for (const [label, doc] of [
          ["t-1", "the previous step"],
          ["t-2", "two steps before"],
        ] as const)
          add(label, CompletionItemKind.Value, label, doc);
        break;
    }
  }
  return { isIncomplete: false, items };
}

const keywordSnippets: Record<string, string> = {
  dim: "dim ${1:H} = ${2:32}",
  input: "input ${1:x} : ${2:[D]}",
  target: "target ${1:y} : ${2:class[K]}",
  param: "param ${1:W} : [${2:H}, ${3:D}]",
  state: "state ${1:h} : [${2:H}] = ${3|zeros,learned|}",
  gate: "gate ${1:f} = sigmoid($0)",
  cell: "cell ${1:h} = ${2|lstm,gru,elman,jordan,elman_jordan|}(${3:x}, size = ${4:H})",
  loss: "loss ${1|cross_entropy,mse,binary_cross_entropy|}(${2:o}, ${3:y}) at ${4|last,each|}",
};

/** `uniform(low, high)` → `${1:low}, ${2:high}`. */
function snippetArguments(signature: string): string {
  const inside = signature.slice(signature.indexOf("(") + 1, signature.lastIndexOf(")"));
  return inside
    .split(",")
    .map((p, i) => `\${${i + 1}:${p.trim()}}`)
    .join(", ");
}

function symbolKind(kind: SymbolKind): CompletionItemKind {
  switch (kind) {
    case "dim":
      return CompletionItemKind.Constant;
    case "param":
      return CompletionItemKind.Field;
    case "cell":
      return CompletionItemKind.Class;
    default:
      return CompletionItemKind.Variable;
  }
}

/** `param [H, H] = [32, 32]`, `state [H] = [32]`, `dim = 32`. */
export function symbolDetail(analysis: Analysis, scope: ModelScope, s: ModelSymbol): string {
  const f = scope.index === 0 ? analysis.facts : undefined;
  switch (s.kind) {
    case "dim": {
      const d = f?.dims.get(s.name);
      return d ? `dim = ${d.value}` : "dim";
    }
    case "param": {
      const p = f?.params.get(s.name);
      return p ? `param ${sizesText(p.shape)}` : "param";
    }
    case "input": {
      const i = f?.inputs.get(s.name);
      return i ? `input ${i.encoding === "onehot" ? "onehot" : ""}[${i.size.symbol}]` : "input";
    }
    case "target": {
      const t = f?.targets.get(s.name);
      return t ? `target ${t.kind === "class" ? "class" : ""}[${t.size.symbol}]` : "target";
    }
    default: {
      const size = f?.states.get(s.name)?.size ?? f?.quantities.get(s.name)?.size;
      const what = s.kind === "cell" ? `cell ${s.cell?.cell.text ?? ""}` : s.gate ? "gate" : s.kind;
      if (size) return `${what} ${sizesText([size])}`;
      const decl = s.items.find((i) => i.kind === "state");
      return decl?.kind === "state" ? `${what} [${decl.shape.map(printExpr).join(", ")}]` : what;
    }
  }
}
