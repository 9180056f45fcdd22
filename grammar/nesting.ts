/**
 * A guard before parsing: expressions nested or chained beyond any real model would
 * overflow the stack of the recursive parser and of every pass after it. Such a file gets
 * one clear error instead of a crash.
 */
import type { IToken } from "chevrotain";
import type { RangeBuilder } from "./positions.js";
import { error, type Diagnostic } from "./diagnostic.js";
import { Equals, LBracket, LParen, MatMul, Minus, Plus, RBracket, RParen, Slash, Star } from "./tokens.js";

/** Brackets inside brackets; each level is a few frames of recursion in every pass. */
export const MAX_NESTING = 64;
/** Operators in one expression: a chain `a + b + ...` is a tree as deep as it is long. */
export const MAX_OPERATORS = 400;

/** Whether a token is an operator, by its type's index (a look-up at every token of the file). */
const isOperator: boolean[] = [];
for (const t of [Plus, Minus, Star, Slash, MatMul]) isOperator[t.tokenTypeIdx!] = true;

export function nestingError(tokens: IToken[], positions: RangeBuilder): Diagnostic | undefined {
  let depth = 0;
  let operatorsInExpression = 0;
  // An index, not for-of: the iterator's result objects were a tenth of what parsing allocated.
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const type = token.tokenType;
    if (type === LParen || type === LBracket) depth++;
    else if (type === RParen || type === RBracket) depth = Math.max(0, depth - 1);
    else if (type === Equals) operatorsInExpression = 0;
    else if (isOperator[token.tokenTypeIdx] === true) operatorsInExpression++;
    if (depth > MAX_NESTING)
      return error(
        "E003",
        `expression nested too deeply: more than ${MAX_NESTING} levels of brackets`,
        positions.tokenRange(token),
      );
    if (operatorsInExpression > MAX_OPERATORS)
      return error(
        "E003",
        `expression too long: more than ${MAX_OPERATORS} operators; split it into several equations`,
        positions.tokenRange(token),
      );
  }
  return undefined;
}
