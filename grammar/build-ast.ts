/**
 * CST → AST. The parser recovers from syntax errors, so any child may be missing; a
 * declaration missing its name is dropped (the parse error already says why), and a missing
 * expression becomes an `error` node that later checks stay quiet about.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";

type Children = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

function usable(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

function token(children: Children, label: string, index = 0): IToken | undefined {
  const e = children[label]?.[index];
  return e && isToken(e) && usable(e) ? e : undefined;
}

function tokens(children: Children, label: string): IToken[] {
  return (children[label] ?? []).filter((e): e is IToken => isToken(e) && usable(e));
}

function node(children: Children, label: string, index = 0): CstNode | undefined {
  const e = children[label]?.[index];
  return e && !isToken(e) ? e : undefined;
}

function nodes(children: Children, label: string): CstNode[] {
  return (children[label] ?? []).filter((e): e is CstNode => !isToken(e));
}

export function tokenRange(t: IToken): A.Range {
  return {
    start: { line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset },
    end: { line: t.endLine ?? 1, column: (t.endColumn ?? 0) + 1, offset: (t.endOffset ?? t.startOffset) + 1 },
  };
}

function nodeRange(n: CstNode): A.Range {
  const l = n.location;
  if (!l || !Number.isFinite(l.startOffset))
    return { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
  const endOffset = Number.isFinite(l.endOffset) ? l.endOffset! : l.startOffset;
  return {
    start: { line: l.startLine ?? 1, column: l.startColumn ?? 1, offset: l.startOffset },
    end: {
      line: l.endLine ?? l.startLine ?? 1,
      column: (l.endColumn ?? l.startColumn ?? 0) + 1,
      offset: endOffset + 1,
    },
  };
}

function span(from: A.Range, to: A.Range): A.Range {
  return { start: from.start, end: to.end };
}

function name(t: IToken): A.Name {
  return { text: t.image, range: tokenRange(t) };
}

export function buildFile(cst: CstNode, comments: IToken[]): A.RnnFile {
  const models = nodes(cst.children, "model").flatMap((m) => {
    const built = buildModel(m);
    return built ? [built] : [];
  });
  return { models, comments: comments.map((c) => ({ text: c.image, range: tokenRange(c) })) };
}

function buildModel(n: CstNode): A.ModelDecl | undefined {
  const nameToken = token(n.children, "name");
  if (!nameToken) return undefined;
  const items = nodes(n.children, "item").flatMap((i) => {
    const built = buildItem(i);
    // The parser gave up on this item part-way (its rules were left by an exception and
    // resynchronised further out): the error may be reported past the item's last token, at
    // the next item or model it restarted on (`size = cell, ...`, `size = model)`), or not at
    // all (what an unterminated comment hid), so its place does not tell `parse` to mark it.
    if (built && hasRecoveredNode(i)) built.recovered = true;
    return built ? [built] : [];
  });
  return { kind: "model", name: name(nameToken), items, range: nodeRange(n) };
}

/** Whether Chevrotain's error recovery left this node, or one inside it, unfinished. */
function hasRecoveredNode(n: CstNode): boolean {
  return (
    n.recoveredNode === true ||
    Object.values(n.children).some((es) => es?.some((e) => !isToken(e) && hasRecoveredNode(e)))
  );
}

function buildItem(n: CstNode): A.Item | undefined {
  const [kind, inner] = Object.entries(n.children)[0] ?? [];
  const child = inner?.[0];
  if (!kind || !child || isToken(child)) return undefined;
  const c = child.children;
  const nameToken = token(c, "name");
  const range = nodeRange(child);
  switch (kind) {
    case "dimDecl":
      return nameToken && { kind: "dim", name: name(nameToken), value: expressionOrError(c, "value", range), range };
    case "inputDecl":
    case "targetDecl": {
      const typeNode = node(c, "typeSpec");
      if (!nameToken || !typeNode) return undefined;
      const type = buildTypeSpec(typeNode);
      return kind === "inputDecl"
        ? { kind: "input", name: name(nameToken), type, range }
        : { kind: "target", name: name(nameToken), type, range };
    }
    case "paramDecl":
    case "stateDecl": {
      const shapeNode = node(c, "shape");
      if (!nameToken || !shapeNode) return undefined;
      const init = node(c, "init");
      const decl = {
        name: name(nameToken),
        shape: buildShape(shapeNode),
        shapeRange: nodeRange(shapeNode),
        range,
        ...(init ? { init: buildExpression(init) } : {}),
      };
      return kind === "paramDecl" ? { kind: "param", ...decl } : { kind: "state", ...decl };
    }
    case "cellDecl": {
      const cellToken = token(c, "kind");
      const argsNode = node(c, "argumentList");
      if (!nameToken || !cellToken || !argsNode) return undefined;
      return { kind: "cell", name: name(nameToken), cell: name(cellToken), args: buildArguments(argsNode), range };
    }
    case "lossDecl": {
      const fnToken = token(c, "function");
      const whenToken = token(c, "when");
      const argsNode = node(c, "argumentList");
      if (!fnToken || !whenToken || !argsNode) return undefined;
      return { kind: "loss", fn: name(fnToken), args: buildArguments(argsNode), when: name(whenToken), range };
    }
    case "equation":
      return (
        nameToken && {
          kind: "equation",
          gate: token(c, "Gate") !== undefined,
          name: name(nameToken),
          value: expressionOrError(c, "value", range),
          range,
        }
      );
    default:
      return undefined;
  }
}

function expressionOrError(c: Children, label: string, fallback: A.Range): A.Expr {
  const n = node(c, label);
  return n ? buildExpression(n) : { kind: "error", range: fallback };
}

function buildTypeSpec(n: CstNode): A.TypeSpec {
  const kindToken = token(n.children, "kind");
  const shapeNode = node(n.children, "shape");
  return {
    ...(kindToken ? { kind: name(kindToken) } : {}),
    dims: shapeNode ? buildShape(shapeNode) : [],
    range: nodeRange(n),
  };
}

function buildShape(n: CstNode): A.Expr[] {
  return nodes(n.children, "dims").map(buildExpression);
}

/** Folds `a + b - c` left-associatively; the same for products. */
function buildChain(n: CstNode, operand: (n: CstNode) => A.Expr): A.Expr {
  const operands = nodes(n.children, "operands").map(operand);
  const operators = tokens(n.children, "operators");
  if (operands.length === 0) return { kind: "error", range: nodeRange(n) };
  let result = operands[0]!;
  for (let i = 1; i < operands.length; i++) {
    const op = operators[i - 1]?.image as A.BinaryOperator | undefined;
    let right = operands[i]!;
    if (!op) return { kind: "error", range: nodeRange(n) };
    // An operand the parser could not read has no tokens, hence no place: put it just after its operator.
    if (right.kind === "error" && right.range.start.offset < result.range.end.offset) {
      const after = tokenRange(operators[i - 1]!).end;
      right = { kind: "error", range: { start: after, end: after } };
    }
    result = { kind: "binary", op, left: result, right, range: span(result.range, right.range) };
  }
  return result;
}

export function buildExpression(n: CstNode): A.Expr {
  return buildChain(n, buildProduct);
}

function buildProduct(n: CstNode): A.Expr {
  return buildChain(n, buildUnary);
}

function buildUnary(n: CstNode): A.Expr {
  const operand = node(n.children, "operand");
  if (operand) return { kind: "neg", operand: buildUnary(operand), range: nodeRange(n) };
  const primary = node(n.children, "primary");
  return primary ? buildPrimary(primary) : { kind: "error", range: nodeRange(n) };
}

function buildPrimary(n: CstNode): A.Expr {
  const c = n.children;
  const literal = token(c, "NumberLiteral");
  if (literal) return { kind: "number", value: Number(literal.image), text: literal.image, range: tokenRange(literal) };
  const paren = node(c, "parenthesized");
  if (paren) {
    const inner = node(paren.children, "expression");
    return inner ? buildExpression(inner) : { kind: "error", range: nodeRange(paren) };
  }
  const concat = node(c, "concatenation");
  if (concat) {
    // Left by an exception (`[)`, `[[/D]`), the part the parser could not read has no node: an error stands for it.
    const parts = nodes(concat.children, "parts").map(buildExpression);
    if (concat.recoveredNode || parts.length === 0) parts.push({ kind: "error", range: nodeRange(concat) });
    return { kind: "concat", parts, range: nodeRange(concat) };
  }
  const ref = node(c, "reference");
  if (ref) return buildReference(ref);
  return { kind: "error", range: nodeRange(n) };
}

function buildReference(n: CstNode): A.Expr {
  const c = n.children;
  const nameToken = token(c, "name");
  const range = nodeRange(n);
  if (!nameToken) return { kind: "error", range };
  const delay = node(c, "delay");
  if (delay) {
    const step = token(delay.children, "step");
    if (!step) return { kind: "error", range };
    const sign = token(delay.children, "sign");
    const amount = token(delay.children, "amount");
    const magnitude = amount ? Number(amount.image) : 0;
    return {
      kind: "delay",
      name: name(nameToken),
      step: name(step),
      offset: sign?.image === "+" ? magnitude : -magnitude,
      ...(amount ? { amountText: amount.image } : {}),
      offsetRange: amount ? tokenRange(amount) : tokenRange(step),
      range,
    };
  }
  const args = node(c, "argumentList");
  if (args) return { kind: "call", callee: name(nameToken), args: buildArguments(args), range };
  return { kind: "ref", name: name(nameToken), range };
}

function buildArguments(n: CstNode): A.Argument[] {
  return nodes(n.children, "arguments").map((a) => {
    const nameToken = token(a.children, "name");
    const value = expressionOrError(a.children, "value", nodeRange(a));
    return { ...(nameToken ? { name: name(nameToken) } : {}), value, range: nodeRange(a) };
  });
}
