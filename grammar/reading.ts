/**
 * What one invocation of a grammar rule has read: its tokens and the values its sub-rules
 * built, each under its label, in order, and the span of text they cover. The parser keeps
 * one per rule in progress and builds the AST node from it when the rule ends: normally, or
 * part-way when a syntax error leaves the rule (then `recovered` is set and the node is made
 * from what was read before the error). It is the little of a concrete syntax tree that the
 * AST needs, without the tree. Rules in progress form a stack, so one Reading per depth
 * serves every rule read at that depth, in turn (`Readings`).
 */
import type { IToken } from "chevrotain";
import type * as A from "./ast.js";
import { tokenEndOffset, type RangeBuilder } from "./positions.js";

export class Reading {
  rule = "";
  /** What was read: `size` labels and values (the arrays are kept from one rule to the next). */
  private readonly labels: string[] = [];
  private readonly values: unknown[] = [];
  private size = 0;
  /** The first and last tokens read, by this rule or one inside it. */
  private first: IToken | undefined;
  private last: IToken | undefined;
  /** A syntax error left this rule before its end. */
  recovered = false;
  /** This rule, or one inside it, was left by a syntax error. */
  holdsRecovered = false;
  /** The label under which the sub-rule being read puts its value. */
  calling = "";
  /** The value built from this reading when the rule ended. */
  result: unknown;
  private deeper: Reading | undefined;

  private constructor(readonly parent: Reading | undefined) {}

  /** The reading of the outermost rule: the start of a stack of them. */
  static root(rule: string): Reading {
    return new Reading(undefined).begin(rule);
  }

  /** The reading of a rule this one calls, fresh (the one of the previous call at that depth, emptied). */
  child(rule: string): Reading {
    this.deeper ??= new Reading(this);
    return this.deeper.begin(rule);
  }

  private begin(rule: string): Reading {
    this.rule = rule;
    this.size = 0;
    this.first = undefined;
    this.last = undefined;
    this.recovered = false;
    this.holdsRecovered = false;
    this.calling = "";
    this.result = undefined;
    return this;
  }

  /** Tokens the parser invented to recover (and anything without a place) are not read. */
  addToken(label: string, token: IToken): void {
    if (token.isInsertedInRecovery || !Number.isFinite(token.startOffset)) return;
    this.put(label, token);
    this.cover(token, token);
  }

  /** A value the rule built itself from the tokens `first` to `last`, in place of a sub-rule that would have built the same. */
  addRead(label: string, value: unknown, first: IToken, last: IToken): void {
    this.put(label, value);
    this.cover(first, last);
  }

  /** A finished sub-rule: its value goes under the label it was called with, and its text into this one's span. */
  adopt(child: Reading): void {
    this.put(this.calling, child.result);
    if (child.first) this.cover(child.first, child.last!);
    this.holdsRecovered ||= child.holdsRecovered;
  }

  /** A token this rule read without asking for it (a list's separator): only its place counts. */
  coverToken(token: IToken): void {
    if (Number.isFinite(token.startOffset) && !token.isInsertedInRecovery) this.cover(token, token);
  }

  /** The offset just after the last token read, or -1. */
  get endOffset(): number {
    return this.last ? tokenEndOffset(this.last) : -1;
  }

  token(label: string): IToken | undefined {
    return this.value<IToken>(label);
  }

  /** The first value under a label. */
  value<T>(label: string): T | undefined {
    for (let i = 0; i < this.size; i++) if (this.labels[i] === label) return this.values[i] as T;
    return undefined;
  }

  /**
   * Every value under a label, in an array of their number: the AST keeps these lists (a
   * shape's dims, a call's arguments), and one grown from empty would hold room for 17.
   */
  all<T>(label: string): T[] {
    let count = 0;
    for (let i = 0; i < this.size; i++) if (this.labels[i] === label) count++;
    if (count === 0) return [];
    const out = new Array<T>(count);
    for (let i = 0, k = 0; k < count; i++) if (this.labels[i] === label) out[k++] = this.values[i] as T;
    return out;
  }

  /** The place of the first value under a label at or after place `from`, or -1: to read two labels in step without copying them out. */
  indexOf(label: string, from: number): number {
    for (let i = from; i < this.size; i++) if (this.labels[i] === label) return i;
    return -1;
  }

  /** The value at a place `indexOf` gave. */
  at<T>(place: number): T {
    return this.values[place] as T;
  }

  /** The value under a label when it is the only thing read, else undefined. */
  single<T>(label: string): T | undefined {
    return this.size === 1 && this.labels[0] === label ? (this.values[0] as T) : undefined;
  }

  /** The first value read, whatever its label (the alternative an `item` took). */
  firstValue<T>(): T | undefined {
    return this.size > 0 ? (this.values[0] as T) : undefined;
  }

  /** From the first token read to the end of the last; the start of the file when nothing was read. */
  range(ranges: RangeBuilder): A.Range {
    const first = this.first;
    const last = this.last;
    if (!first || !last) return ranges.range(0, 0);
    return ranges.range(first.startOffset, tokenEndOffset(last));
  }

  private put(label: string, value: unknown): void {
    this.labels[this.size] = label;
    this.values[this.size] = value;
    this.size++;
  }

  private cover(first: IToken, last: IToken): void {
    this.first ??= first;
    if (!this.last || tokenEndOffset(this.last) < tokenEndOffset(last)) this.last = last;
  }
}
