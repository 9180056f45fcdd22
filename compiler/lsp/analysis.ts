/**
 * One analysis of one version of a document: the front end's result (the same call as
 * `rnnc check`), and what the server derives from it on demand: a name index over the
 * source, and lookups into the checker's facts. Nothing here throws: a front end that fails
 * (a file nested too deeply for the parser's recursion) or a file too large to analyse gives
 * an analysis without a result and one diagnostic saying why.
 */
import { identifierPattern, nameCharacter } from "../../grammar/tokens.js";
import type * as A from "../../grammar/ast.js";
import type {
  DimInfo,
  InputInfo,
  ModelFacts,
  NameUse,
  ParamInfo,
  QuantityFacts,
  StateInfo,
  TargetInfo,
} from "../check/model.js";
import { error, fileStart, warning, type Diagnostic } from "../../grammar/diagnostic.js";
import { analyzeForEditing, type FrontEndResult, type FrontEndRun } from "../frontend.js";
import { analyseEdit, type EditedRun } from "./incremental.js";
import { NameIndex } from "./names.js";
import { changedSpan, LineIndex, type ChangedSpan } from "./text.js";
import { namedRecord } from "../../runtime/records.js";

export interface AnalysisSettings {
  /** Dim overrides from the editor (`rnnc.dims`), applied to the dims a file declares. */
  dims: Record<string, number>;
  /** Files longer than this many characters are not analysed. */
  maxFileSize: number;
  /** Formatting keeps the lecture's notation as written (`rnnc fmt --keep-notation`). */
  keepNotation: boolean;
}

export const defaultSettings: AnalysisSettings = { dims: {}, maxFileSize: 2_000_000, keepNotation: false };

export class Analysis {
  readonly lines: LineIndex;
  /** Undefined when the front end could not run (see `diagnostics`). */
  readonly result: FrontEndResult | undefined;
  readonly diagnostics: Diagnostic[];
  /** The overrides that applied to this file. */
  readonly overrides: Record<string, number>;
  /** Milliseconds the front end took. */
  readonly elapsed: number;
  /** Whether formatting keeps the lecture's notation as written. */
  readonly keepNotation: boolean;
  /** Whether this version was analysed from the previous one, by the edit alone (incremental.ts). */
  readonly fromEdit: boolean;
  private names: NameIndex | undefined;
  private factsView: FactsView | undefined;
  /** The name index of an earlier version and the equations edited since (see `index`). */
  private namesBefore: { index: NameIndex; edited: Set<A.Equation> } | undefined;
  /** The facts' lookups of an earlier version, whose maps serve again (see `facts`). */
  private factsBefore: FactsView | undefined;
  /** What the next version's analysis can start from; taken by it. */
  private run: FrontEndRun | undefined;

  /** `previous`, the analysis of the version before, is given up to this one: it must not be used after. */
  constructor(
    readonly text: string,
    readonly version: number,
    settings: AnalysisSettings = defaultSettings,
    previous?: Analysis,
  ) {
    const change = previous && changedSpan(previous.text, text);
    this.lines = previous && change ? previous.lines.edited(text, change) : new LineIndex(text);
    this.keepNotation = settings.keepNotation;
    const started = performance.now();
    this.overrides = applicableOverrides(text, settings.dims);
    let edited: EditedRun | undefined;
    if (text.length > settings.maxFileSize) {
      this.result = undefined;
      const size = `${(text.length / 1e6).toFixed(1)} million characters`;
      this.diagnostics = [
        warning(
          "LSP001",
          `this file is too large for the language server (${size}; the limit is ${settings.maxFileSize.toLocaleString("en-US")}): it is not analysed`,
          fileStart,
        ),
      ];
    } else {
      edited = previous && change && this.fromPrevious(previous, change);
      let failure: Diagnostic | undefined;
      try {
        this.run = edited?.run ?? analyzeForEditing(text, this.overrides);
      } catch (e) {
        failure = error("LSP002", frontEndFailure(e), fileStart);
      }
      this.result = this.run?.result;
      this.diagnostics = this.result ? this.result.diagnostics : [failure!];
    }
    this.fromEdit = this.run !== undefined && this.run === edited?.run;
    // What an earlier version built is brought up to date when first asked, rather than built again.
    if (this.fromEdit && previous) {
      const names = previous.names ? { index: previous.names, edited: new Set<A.Equation>() } : previous.namesBefore;
      if (edited!.equation) names?.edited.add(edited!.equation);
      this.namesBefore = names;
      this.factsBefore = previous.factsView ?? previous.factsBefore;
    }
    this.elapsed = performance.now() - started;
  }

  /** This version analysed from the previous one by the edit alone, when the edit allows it. */
  private fromPrevious(previous: Analysis, change: ChangedSpan): EditedRun | undefined {
    const run = previous.run;
    previous.run = undefined;
    if (!run || !sameOverrides(previous.overrides, this.overrides)) return undefined;
    try {
      return analyseEdit(run, {
        before: previous.text,
        beforeLines: previous.lines,
        after: this.text,
        afterLines: this.lines,
        change,
      });
    } catch {
      // A failure here is a bug in the edit path, not in the file: the whole analysis below still answers.
      return undefined;
    }
  }

  get file(): A.RnnFile | undefined {
    return this.result?.file;
  }

  /** The name index over the source, built on first use. */
  get index(): NameIndex | undefined {
    if (!this.result) return undefined;
    this.names ??=
      this.namesBefore?.index.edited(this.text, this.namesBefore.edited) ??
      new NameIndex(this.result.file, this.text, this.result.expansions);
    this.namesBefore = undefined;
    return this.names;
  }

  /** Lookups into what the checker worked out about the first model, errors or not. */
  get facts(): FactsView | undefined {
    const facts = this.result?.facts;
    if (!facts) return undefined;
    this.factsView ??= new FactsView(facts, this.factsBefore);
    this.factsBefore = undefined;
    return this.factsView;
  }
}

/** The checker's facts about a model, by name. */
export class FactsView {
  readonly dims: Map<string, DimInfo>;
  readonly inputs: Map<string, InputInfo>;
  readonly targets: Map<string, TargetInfo>;
  readonly params: Map<string, ParamInfo>;
  readonly states: Map<string, StateInfo>;
  readonly quantities: Map<string, QuantityFacts>;
  private readonly usesByName: Map<string, NameUse[]>;
  /** Every item a cell generated, with its cell. */
  readonly generatedBy: Map<A.Item, A.CellDecl>;

  /** `sameDeclarations`: a view of the facts before an edit that changed only the uses, whose maps serve again. */
  constructor(
    readonly facts: ModelFacts,
    sameDeclarations?: FactsView,
  ) {
    this.dims = sameDeclarations?.dims ?? byName(facts.dims);
    this.inputs = sameDeclarations?.inputs ?? byName(facts.inputs);
    this.targets = sameDeclarations?.targets ?? byName(facts.targets);
    this.params = sameDeclarations?.params ?? byName(facts.params);
    this.states = sameDeclarations?.states ?? byName(facts.states);
    this.quantities = sameDeclarations?.quantities ?? byName(facts.quantities);
    this.usesByName = usesByName(facts.uses);
    this.generatedBy = sameDeclarations?.generatedBy ?? generatedItems(facts);
  }

  usesOf(name: string): NameUse[] {
    return this.usesByName.get(name) ?? [];
  }
}

function generatedItems(facts: ModelFacts): Map<A.Item, A.CellDecl> {
  const generatedBy = new Map<A.Item, A.CellDecl>();
  for (const e of facts.expansions) for (const item of e.items) generatedBy.set(item, e.cell);
  return generatedBy;
}

function usesByName(uses: readonly NameUse[]): Map<string, NameUse[]> {
  const byName = new Map<string, NameUse[]>();
  for (const use of uses) {
    let list = byName.get(use.name);
    if (!list) byName.set(use.name, (list = []));
    list.push(use);
  }
  return byName;
}

function byName<T extends { name: string }>(list: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const x of list) if (!m.has(x.name)) m.set(x.name, x);
  return m;
}

/** `dim NAME`, not inside a longer name. */
const dimDeclaration = new RegExp(`(?<!${nameCharacter.source})dim\\s+(${identifierPattern.source})`, "gu");

/**
 * Editor-wide overrides name dims of some models and not others: apply to a file only those
 * it declares, so a file without `H` is not told that `--dim H` names no dim.
 */
function applicableOverrides(text: string, dims: Record<string, number>): Record<string, number> {
  const names = Object.keys(dims);
  if (names.length === 0) return {};
  const declared = new Set<string>();
  for (const m of text.matchAll(dimDeclaration)) declared.add(m[1]!);
  const out = namedRecord<number>();
  for (const name of names) if (declared.has(name)) out[name] = dims[name]!;
  return out;
}

function sameOverrides(a: Record<string, number>, b: Record<string, number>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((n) => Object.hasOwn(b, n) && a[n] === b[n]);
}

function frontEndFailure(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return "the language server could not analyse this file: an expression in it is nested too deeply or too long for the front end (which recurses over it)";
  }
  return `the language server could not analyse this file: internal error: ${e instanceof Error ? e.message : String(e)}`;
}
