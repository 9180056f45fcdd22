/**
 * The grammar of `.rnn`, as a Chevrotain CST parser. Read top to bottom it is the
 * language's syntax reference; `docs/syntax.html` draws it as railroad diagrams.
 *
 * Shapes, dim values and initialisers are parsed as ordinary expressions and given meaning
 * by the AST builder and the checker, which can then say exactly what was expected.
 * Items are not separated by newlines or semicolons: every item starts with a keyword or a
 * name, which no expression can continue with.
 */
import { CstParser, type TokenType } from "chevrotain";
import * as T from "./tokens.js";
import { errorMessages } from "./messages.js";

export class RnnParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: "full",
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /**
   * Prefer deleting one stray token when the expected one follows it (`[H H]`): inserting the
   * expected token instead would leave the stray one to start a cascade of errors.
   */
  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return this.LA(2).tokenType !== tokType;
  }

  public file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.model));
  });

  // model NAME { item* }
  public model = this.RULE("model", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.item));
    this.CONSUME(T.RBrace);
  });

  public item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.dimDecl) },
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.targetDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.stateDecl) },
      { ALT: () => this.SUBRULE(this.cellDecl) },
      { ALT: () => this.SUBRULE(this.lossDecl) },
      { ALT: () => this.SUBRULE(this.equation) },
    ]);
  });

  // dim H = 32        dim G = 4 * H
  public dimDecl = this.RULE("dimDecl", () => {
    this.CONSUME(T.Dim);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  // input x : onehot[V]        input x : [D]
  public inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(T.Input);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeSpec);
  });

  // target y : class[K]        target y : [K]
  public targetDecl = this.RULE("targetDecl", () => {
    this.CONSUME(T.Target);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeSpec);
  });

  // an optional kind (`onehot`, `class`) before a shape
  public typeSpec = this.RULE("typeSpec", () => {
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: "kind" }));
    this.SUBRULE(this.shape);
  });

  // param W : [H, H + D] = xavier
  public paramDecl = this.RULE("paramDecl", () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.shape);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression, { LABEL: "init" });
    });
  });

  // state h : [H] = zeros
  public stateDecl = this.RULE("stateDecl", () => {
    this.CONSUME(T.State);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.shape);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression, { LABEL: "init" });
    });
  });

  // [H, H + D]
  public shape = this.RULE("shape", () => {
    this.CONSUME(T.LBracket);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "dims" }) });
    this.CONSUME(T.RBracket);
  });

  // cell h = lstm(x, size = H)
  public cellDecl = this.RULE("cellDecl", () => {
    this.CONSUME(T.Cell);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.CONSUME2(T.Identifier, { LABEL: "kind" });
    this.SUBRULE(this.argumentList);
  });

  // loss cross_entropy(o, y, reduce = mean) at last
  public lossDecl = this.RULE("lossDecl", () => {
    this.CONSUME(T.Loss);
    this.CONSUME(T.Identifier, { LABEL: "function" });
    this.SUBRULE(this.argumentList);
    this.CONSUME(T.At);
    this.CONSUME2(T.Identifier, { LABEL: "when" });
  });

  // gate f = sigmoid(Wf @ [h[t-1], x] + bf)
  public equation = this.RULE("equation", () => {
    this.OPTION(() => this.CONSUME(T.Gate));
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  // Expressions, loosest binding first: + -, then * / @, then unary minus.
  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.product, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "operators" }) },
      ]);
      this.SUBRULE2(this.product, { LABEL: "operands" });
    });
  });

  public product = this.RULE("product", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.MatMul, { LABEL: "operators" }) },
      ]);
      this.SUBRULE2(this.unary, { LABEL: "operands" });
    });
  });

  public unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary, { LABEL: "operand" });
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  public primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.concatenation) },
      { ALT: () => this.SUBRULE(this.reference) },
    ]);
  });

  // ( e )
  public parenthesized = this.RULE("parenthesized", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  // [a, b]
  public concatenation = this.RULE("concatenation", () => {
    this.CONSUME(T.LBracket);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "parts" }) });
    this.CONSUME(T.RBracket);
  });

  // x        h[t-1]        tanh(a)
  public reference = this.RULE("reference", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.delay) }, { ALT: () => this.SUBRULE(this.argumentList) }]);
    });
  });

  // [t-1]
  public delay = this.RULE("delay", () => {
    this.CONSUME(T.LBracket);
    this.CONSUME(T.Identifier, { LABEL: "step" });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "sign" }) },
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "sign" }) },
      ]);
      this.CONSUME(T.NumberLiteral, { LABEL: "amount" });
    });
    this.CONSUME(T.RBracket);
  });

  // (a, b, name = value)
  public argumentList = this.RULE("argumentList", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument, { LABEL: "arguments" }) });
    this.CONSUME(T.RParen);
  });

  public argument = this.RULE("argument", () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier, { LABEL: "name" });
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.expression, { LABEL: "value" });
  });
}

/** One shared instance: building the grammar is the expensive part, parsing resets it. */
export const rnnParser = new RnnParser();
