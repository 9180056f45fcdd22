/**
 * `rnnc fmt`: the canonical layout of a `.rnn` file. One item per line, two-space indent,
 * single spaces around operators, the fewest parentheses that keep the meaning, at most one
 * blank line where the source had any; the lecture's notation (`h[t] = σ(W · h[t-1])`) in
 * the canonical syntax it stands for (`h = sigmoid(W @ h[t-1])`) unless it is kept. No comment is ever dropped: comments on an item's
 * line stay at its end, comments inside a multi-line item move above it.
 */
import type { Comment, ModelDecl, Range, RnnFile } from "../../grammar/ast.js";
import { printItem } from "./print-items.js";
import { canonicalNotation } from "../../grammar/notation.js";
import { endOf, startOf } from "../../grammar/source-range.js";

interface Placed {
  /** Lines to print, already indented (a block comment is one entry, its line breaks as written). */
  lines: string[];
  range: Range;
}

export interface FormatOptions {
  /** Keep the lecture's notation as written (`h[t]`, `σ`, `·`, `⊙`) instead of printing the canonical syntax it stands for. */
  keepNotation?: boolean;
}

export function formatFile(file: RnnFile, options: FormatOptions = {}): string {
  const comments = new CommentQueue(file.comments);
  const blocks: Placed[] = [];
  const models = options.keepNotation ? file.models : file.models.map((m) => canonicalNotation(m, []));
  for (const model of models) {
    for (const c of comments.takeWhile((c) => c.range.startOffset < model.range.startOffset))
      blocks.push(commentBlock(c, ""));
    blocks.push({ lines: formatModel(model, comments), range: model.range });
  }
  for (const c of comments.takeWhile(() => true)) blocks.push(commentBlock(c, ""));
  return joinWithBlankLines(blocks).join("\n") + "\n";
}

/**
 * The comments not yet placed, in source order. Each item takes the comments before it,
 * inside it and then after it on its last line: always the first ones left, so placing them
 * all is one pass (a predicate over all the comments for each item was quadratic).
 */
class CommentQueue {
  private readonly comments: Comment[];
  private next = 0;

  constructor(comments: readonly Comment[]) {
    this.comments = [...comments].sort((a, b) => a.range.startOffset - b.range.startOffset);
  }

  /** The first comment not yet placed. */
  peek(): Comment | undefined {
    return this.comments[this.next];
  }

  /** The comments from the first not yet placed, as long as `pick` takes them. */
  takeWhile(pick: (c: Comment) => boolean): Comment[] {
    const start = this.next;
    while (this.next < this.comments.length && pick(this.comments[this.next]!)) this.next++;
    return this.comments.slice(start, this.next);
  }
}

function formatModel(model: ModelDecl, comments: CommentQueue): string[] {
  const indent = "  ";
  const openLine = endOf(model.name.range).line;
  const firstItem = model.items[0]?.range.startOffset ?? model.range.endOffset;
  // Comments on the name's line before the first item end the header line, unless a comment
  // between 'model' and the name starts on an earlier line (`model // c`, the name below):
  // that one goes into the body, and so must those after it, to stay in source order.
  const next = comments.peek();
  const headerLine = !(next && next.range.startOffset < firstItem && startOf(next.range).line < openLine);
  const header =
    `model ${model.name.text} {` +
    (headerLine
      ? trailing(comments.takeWhile((c) => startOf(c.range).line === openLine && c.range.startOffset < firstItem))
      : "");
  const blocks: Placed[] = [];
  for (const item of model.items) {
    const endLine = endOf(item.range).line;
    for (const c of comments.takeWhile((c) => c.range.startOffset < item.range.endOffset))
      blocks.push(commentBlock(c, indent));
    const after = comments.takeWhile((c) => startOf(c.range).line === endLine && !isMultiLine(c));
    blocks.push({ lines: [indent + printItem(item) + trailing(after)], range: item.range });
  }
  for (const c of comments.takeWhile((c) => c.range.startOffset < model.range.endOffset))
    blocks.push(commentBlock(c, indent));
  return [header, ...joinWithBlankLines(blocks), "}"];
}

function isMultiLine(c: Comment): boolean {
  return endOf(c.range).line > startOf(c.range).line;
}

function trailing(comments: Comment[]): string {
  return comments.map((c) => `  ${c.text}`).join("");
}

/** A comment on lines of its own, indented, its text kept exactly (line breaks and trailing spaces inside a block comment included). */
function commentBlock(c: Comment, indent: string): Placed {
  return { lines: [indent + c.text], range: c.range };
}

/** Keeps one blank line wherever the source had at least one between two blocks. */
function joinWithBlankLines(blocks: Placed[]): string[] {
  const out: string[] = [];
  blocks.forEach((b, i) => {
    const previous = blocks[i - 1];
    if (previous && startOf(b.range).line > endOf(previous.range).line + 1) out.push("");
    out.push(...b.lines);
  });
  return out;
}
