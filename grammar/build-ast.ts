/**
 * What a rule read → its AST node. The parser recovers from syntax errors, so anything a
 * rule reads may be missing; a declaration missing its name is dropped (the parse error
 * already says why), and a missing expression becomes an `error` node that later checks
 * stay quiet about.
 */
import type * as A from "./ast.js";
import type { IToken } from "chevrotain";
import { tokenEndOffset, type RangeBuilder } from "./positions.js";
import { Identifier, operatorSpellings } from "./tokens.js";
import type { Reading } from "./reading.js";
import { functionSpellings } from "./notation.js";

/** A shape as read: its dims and where the brackets are. */
export interface ShapeValue {
  dims: A.Expr[];
  range: A.Range;
}

/** A shape the parser read from its tokens alone (`[H, D]`): its range after its dims', as the rule `shape` makes them. */
export function shapeValue(dims: A.Expr[], open: IToken, close: IToken, p: RangeBuilder): ShapeValue {
  return { dims, range: p.range(open.startOffset, tokenEndOffset(close)) };
}

/** The tokens of `[t-1]`, any of which may be missing after a syntax error. */
interface DelayValue {
  step?: IToken;
  sign?: IToken;
  amount?: IToken;
  close?: IToken;
}

/** Whether a text is all ASCII, hence already in NFC (a loop: a regular expression per name cost more). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function name(t: IToken, p: RangeBuilder): A.Name {
  return { text: isAscii(t.image) ? t.image : t.image.normalize("NFC"), range: p.tokenRange(t) };
}

/** The AST value of a rule that ended, by the rule's name. */
export function buildRule(r: Reading, p: RangeBuilder): unknown {
  switch (r.rule) {
    case "file":
      return r.all<A.ModelDecl | undefined>("model").filter((m): m is A.ModelDecl => m !== undefined);
    case "model":
      return buildModel(r, p);
    case "item":
      return r.firstValue<A.Item | undefined>();
    case "dimDecl":
    case "inputDecl":
    case "targetDecl":
    case "paramDecl":
    case "stateDecl":
    case "cellDecl":
    case "lossDecl":
    case "equation": {
      const item = buildItem(r, p);
      // The parser gave up on this item part-way (its rules were left by an exception and
      // resynchronised further out): the error may be reported past the item's last token, at
      // the next item or model it restarted on (`size = cell, ...`, `size = model)`), or not at
      // all (what an unterminated comment hid), so its place does not tell `parse` to mark it.
      if (item && r.holdsRecovered) item.recovered = true;
      return item;
    }
    case "typeSpec":
      return buildTypeSpec(r, p);
    case "shape":
      return { dims: r.all<A.Expr>("dims"), range: r.range(p) } satisfies ShapeValue;
    case "expression":
    case "product":
      return buildChain(r, p);
    case "unary": {
      const operand = r.value<A.Expr>("operand");
      if (operand) return { kind: "neg", operand, range: r.range(p) } satisfies A.NegExpr;
      return buildPrimary(r, p);
    }
    case "parenthesized":
      return r.value<A.Expr>("expression") ?? errorAt(r.range(p));
    case "concatenation": {
      // Left by an exception (`[)`, `[[/D]`), the part the parser could not read has no node: an error stands for it.
      const parts = r.all<A.Expr>("parts");
      if (r.recovered || parts.length === 0) parts.push(errorAt(r.range(p)));
      return { kind: "concat", parts, range: r.range(p) } satisfies A.ConcatExpr;
    }
    case "delay":
      return {
        step: r.token("step"),
        sign: r.token("sign"),
        amount: r.token("amount"),
        close: r.token("RBracket"),
      } satisfies DelayValue;
    case "argumentList":
      return r.all<A.Argument>("arguments");
    case "argument": {
      const nameToken = r.token("name");
      const range = r.range(p);
      return { ...(nameToken ? { name: name(nameToken, p) } : {}), value: expressionOrError(r, "value", range), range };
    }
  }
  throw new Error(`internal error: no AST for the rule '${r.rule}'`);
}

/** A model without a name is dropped. */
function buildModel(r: Reading, p: RangeBuilder): A.ModelDecl | undefined {
  const nameToken = r.token("name");
  if (!nameToken) return undefined;
  const items = r.all<A.Item | undefined>("item").filter((i): i is A.Item => i !== undefined);
  return { kind: "model", name: name(nameToken, p), items, range: r.range(p) };
}

function errorAt(range: A.Range): A.ErrorExpr {
  return { kind: "error", range };
}

function buildItem(r: Reading, p: RangeBuilder): A.Item | undefined {
  const nameToken = r.token("name");
  const range = r.range(p);
  switch (r.rule) {
    case "dimDecl":
      return nameToken && { kind: "dim", name: name(nameToken, p), value: expressionOrError(r, "value", range), range };
    case "inputDecl":
    case "targetDecl": {
      const type = r.value<A.TypeSpec>("typeSpec");
      if (!nameToken || !type) return undefined;
      const indexed = indexedName(r, nameToken, p);
      const n = name(nameToken, p);
      // Each kind and shape written out: spreading a shared part into each was a tenth of building an item.
      if (r.rule === "inputDecl")
        return indexed ? { kind: "input", name: n, indexed, type, range } : { kind: "input", name: n, type, range };
      return indexed ? { kind: "target", name: n, indexed, type, range } : { kind: "target", name: n, type, range };
    }
    case "paramDecl":
    case "stateDecl": {
      const shape = r.value<ShapeValue>("shape");
      if (!nameToken || !shape) return undefined;
      const init = r.value<A.Expr>("init");
      const n = name(nameToken, p);
      const { dims, range: shapeRange } = shape;
      if (r.rule === "paramDecl")
        return init
          ? { kind: "param", name: n, shape: dims, shapeRange, range, init }
          : { kind: "param", name: n, shape: dims, shapeRange, range };
      return init
        ? { kind: "state", name: n, shape: dims, shapeRange, range, init }
        : { kind: "state", name: n, shape: dims, shapeRange, range };
    }
    case "cellDecl": {
      const cellToken = r.token("kind");
      const args = r.value<A.Argument[]>("argumentList");
      if (!nameToken || !cellToken || !args) return undefined;
      return { kind: "cell", name: name(nameToken, p), cell: name(cellToken, p), args, range };
    }
    case "lossDecl": {
      const fnToken = r.token("function");
      const whenToken = r.token("when");
      const args = r.value<A.Argument[]>("argumentList");
      if (!fnToken || !whenToken || !args) return undefined;
      return { kind: "loss", fn: name(fnToken, p), args, when: name(whenToken, p), range };
    }
    case "equation": {
      if (!nameToken) return undefined;
      const indexed = indexedName(r, nameToken, p);
      const gate = r.token("Gate") !== undefined;
      const n = name(nameToken, p);
      const value = expressionOrError(r, "value", range);
      if (indexed) p.notation = true;
      return indexed
        ? { kind: "equation", gate, name: n, indexed, value, range }
        : { kind: "equation", gate, name: n, value, range };
    }
  }
  return undefined;
}

/** `NAME[t]` on the left of an equation or in a declaration (`input x[s]`), read as a delay expression. */
function indexedName(r: Reading, nameToken: IToken, p: RangeBuilder): A.DelayExpr | undefined {
  const index = r.value<DelayValue>("index");
  const last = index && (index.close ?? index.amount ?? index.step);
  const indexRange = last && p.range(nameToken.startOffset, tokenEndOffset(last));
  const indexed = index && indexRange && delayExpr(name(nameToken, p), index, p, indexRange);
  return indexed && indexed.kind === "delay" ? indexed : undefined;
}

function expressionOrError(r: Reading, label: string, fallback: A.Range): A.Expr {
  return r.value<A.Expr>(label) ?? errorAt(fallback);
}

function buildTypeSpec(r: Reading, p: RangeBuilder): A.TypeSpec {
  const kindToken = r.token("kind");
  const shape = r.value<ShapeValue>("shape");
  return { ...(kindToken ? { kind: name(kindToken, p) } : {}), dims: shape ? shape.dims : [], range: r.range(p) };
}

/**
 * Folds `a + b - c` left-associatively; the same for products. The k-th operand after the
 * first goes with the k-th operator read (either may be missing after a syntax error).
 */
function buildChain(r: Reading, p: RangeBuilder): A.Expr {
  // Most operands stand alone (`b`, not `b * c`): nothing to fold.
  const only = r.single<A.Expr>("operands");
  if (only) return only;
  let operand = r.indexOf("operands", 0);
  if (operand < 0) return errorAt(r.range(p));
  let result = r.at<A.Expr>(operand);
  let operator = -1;
  while ((operand = r.indexOf("operands", operand + 1)) >= 0) {
    operator = r.indexOf("operators", operator + 1);
    const token = operator < 0 ? undefined : r.at<IToken>(operator);
    const written = token?.image;
    const op = (written === undefined ? undefined : (operatorSpellings[written] ?? written)) as
      A.BinaryOperator | undefined;
    let right = r.at<A.Expr>(operand);
    if (!token || !op) return errorAt(r.range(p));
    if (written !== op) p.notation = true;
    // An operand the parser could not read has no tokens, hence no place: put it just after its operator.
    if (right.kind === "error" && right.range.startOffset < result.range.endOffset) {
      const after = tokenEndOffset(token);
      right = { kind: "error", range: p.range(after, after) };
    }
    result = {
      kind: "binary",
      op,
      ...(written !== op ? { written } : {}),
      left: result,
      right,
      range: p.span(result.range, right.range),
    };
  }
  return result;
}

/** An operand that is not negated: a number, parentheses, a concatenation or a reference, whichever was read. */
function buildPrimary(r: Reading, p: RangeBuilder): A.Expr {
  const literal = r.token("NumberLiteral");
  if (literal) return numberAt(literal, p);
  if (r.token("name")) return buildReference(r, p);
  return r.value<A.Expr>("parenthesized") ?? r.value<A.Expr>("concatenation") ?? errorAt(r.range(p));
}

function numberAt(literal: IToken, p: RangeBuilder): A.NumberExpr {
  return { kind: "number", value: Number(literal.image), text: literal.image, range: p.tokenRange(literal) };
}

/** A name or a number read alone, as `unary` builds it. */
export function operand(token: IToken, p: RangeBuilder): A.Expr {
  return token.tokenType === Identifier ? reference(name(token, p)) : numberAt(token, p);
}

/** Only the name was read: its range is the reference's. */
function reference(refName: A.Name): A.RefExpr {
  return { kind: "ref", name: refName, range: refName.range };
}

/** `NAME[t-k]` from the tokens of its index; an error where the step is missing. */
function delayExpr(n: A.Name, delay: DelayValue, p: RangeBuilder, range: A.Range): A.DelayExpr | A.ErrorExpr {
  const { step, sign, amount } = delay;
  if (!step) return errorAt(range);
  const stepName = name(step, p);
  const magnitude = amount ? Number(amount.image) : 0;
  const offset = sign?.image === "+" ? magnitude : -magnitude;
  if (!amount) {
    p.notation = true;
    return { kind: "delay", name: n, step: stepName, offset, offsetRange: p.tokenRange(step), range };
  }
  return {
    kind: "delay",
    name: n,
    step: stepName,
    offset,
    amountText: amount.image,
    offsetRange: p.tokenRange(amount),
    range,
  };
}

function buildReference(r: Reading, p: RangeBuilder): A.Expr {
  const nameToken = r.token("name");
  if (!nameToken) return errorAt(r.range(p));
  const delay = r.value<DelayValue>("delay");
  if (delay) return delayExpr(name(nameToken, p), delay, p, r.range(p));
  const args = r.value<A.Argument[]>("argumentList");
  if (args) {
    const callee = name(nameToken, p);
    if (Object.hasOwn(functionSpellings, callee.text)) p.notation = true;
    return { kind: "call", callee, args, range: r.range(p) };
  }
  return reference(name(nameToken, p));
}
