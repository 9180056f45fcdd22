/**
 * Syntax error wording. Chevrotain's defaults list every token path; a person wants to know
 * what kind of thing was expected and where ("expected an expression after '+'").
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";

/** What each grammar rule is, in words, for "expected ... in a parameter declaration". */
const ruleDescriptions: Record<string, string> = {
  file: "a file",
  model: "a model",
  item: "a model body",
  dimDecl: "a dim declaration",
  inputDecl: "an input declaration",
  targetDecl: "a target declaration",
  typeSpec: "a type",
  paramDecl: "a parameter declaration",
  stateDecl: "a state declaration",
  shape: "a shape",
  cellDecl: "a cell declaration",
  lossDecl: "a loss declaration",
  equation: "an equation",
  expression: "an expression",
  product: "an expression",
  unary: "an expression",
  parenthesized: "parentheses",
  concatenation: "a concatenation",
  delay: "a delay such as [t-1]",
  argumentList: "an argument list",
  argument: "an argument",
};

const expressionStarts = new Set(["Minus", "NumberLiteral", "LParen", "LBracket", "Identifier"]);

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function found(actual: IToken | undefined): string {
  if (!actual || actual.tokenType.name === "EOF") return "the end of the file";
  return `'${actual.image}'`;
}

function context(ruleName: string, expected: string): string {
  const d = ruleDescriptions[ruleName];
  return d && d !== expected ? ` in ${d}` : "";
}

/** Collapses the first tokens of the possible paths into readable alternatives. */
function describeFirstTokens(firsts: TokenType[]): string {
  const names = firsts.map((t) => t.name);
  const isExpression = names.length > 0 && names.every((n) => expressionStarts.has(n)) && names.length >= 3;
  if (isExpression) return "an expression";
  const labels = [...new Set(firsts.map(label))];
  if (labels.length === 1) return labels[0]!;
  return `${labels.slice(0, -1).join(", ")} or ${labels[labels.length - 1]}`;
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    return `expected ${label(expected)}${context(ruleName, label(expected))}, found ${found(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected 'model' or the end of the file, found ${found(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = expectedPathsPerAlt.flatMap((paths) =>
      paths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined),
    );
    const what = describeFirstTokens(firsts);
    return `expected ${what}${context(ruleName, what)}, found ${found(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = expectedIterationPaths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined);
    const what = describeFirstTokens(firsts);
    return `expected ${what}${context(ruleName, what)}, found ${found(actual[0])}`;
  },
};
