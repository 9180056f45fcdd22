/**
 * The open documents and their analyses. A document is analysed at most once per version
 * (and settings): hover, completion and diagnostics of the same version share one front-end run.
 */
import type { TextDocuments } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { Analysis, defaultSettings, type AnalysisSettings } from "./analysis.js";

export class DocumentStore {
  private readonly cache = new Map<string, { analysis: Analysis; generation: number }>();
  private settingsValue: AnalysisSettings = { ...defaultSettings };
  /** Bumped when the settings change, so every cached analysis is redone. */
  private generation = 0;

  constructor(readonly documents: TextDocuments<TextDocument>) {}

  get settings(): AnalysisSettings {
    return this.settingsValue;
  }

  set settings(value: AnalysisSettings) {
    this.settingsValue = value;
    this.generation++;
  }

  /** The analysis of the current version of an open document, made now if need be. */
  analysis(uri: string): Analysis | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const cached = this.cache.get(uri);
    if (cached && cached.analysis.version === doc.version && cached.generation === this.generation)
      return cached.analysis;
    // The analysis before, made with the same settings, is where an edit's analysis can start.
    const previous = cached?.generation === this.generation ? cached.analysis : undefined;
    const analysis = new Analysis(doc.getText(), doc.version, this.settingsValue, previous);
    this.cache.set(uri, { analysis, generation: this.generation });
    return analysis;
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }
}
