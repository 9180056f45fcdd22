/**
 * The grammar of `.rnn`, as a Chevrotain parser. Read top to bottom it is the language's
 * syntax reference; `docs/syntax.html` draws it as railroad diagrams.
 *
 * Shapes, dim values and initialisers are parsed as ordinary expressions and given meaning
 * by the AST builder and the checker, which can then say exactly what was expected.
 * Items are not separated by newlines or semicolons: every item starts with a keyword or a
 * name, which no expression can continue with.
 *
 * Each rule reads its tokens and sub-rules under labels into a `Reading`, and `build-ast.ts`
 * makes the rule's AST node from it when the rule ends, also when a syntax error ends it
 * early: the parser recovers, and a half-read item still gives its name and what was read.
 * (A Chevrotain concrete syntax tree would give the same, at several times the cost.)
 */
import {
  EOF,
  EmbeddedActionsParser,
  type IOrAlt,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from "chevrotain";
import type * as A from "./ast.js";
import { buildRule, operand, shapeValue } from "./build-ast.js";
import * as T from "./tokens.js";
import { errorMessages } from "./messages.js";
import type { RangeBuilder } from "./positions.js";
import { Reading } from "./reading.js";

type Rule = ((...args: never[]) => unknown) & { ruleName: string };

/**
 * Syntax errors read before the parser gives up on a file: past this many, the file is not
 * a model being edited but something else (binary data, another language), and every
 * further error costs Chevrotain's recovery tens of microseconds for nothing.
 */
export const MAX_SYNTAX_ERRORS = 1000;

/** Thrown through the rules, not a recognition error, so Chevrotain lets it pass: the parse ends. */
class TooManySyntaxErrors extends Error {}

export interface ParsedFile {
  models: A.ModelDecl[];
  /** Syntax errors, in the order the parser met them. */
  errors: IRecognitionException[];
  /** Where the parser gave up after `MAX_SYNTAX_ERRORS` errors; the rest of the file is not read. */
  stoppedAt?: IToken;
}

export class RnnParser extends EmbeddedActionsParser {
  /** The rule being read, innermost; its parents are the rules that called it. */
  private reading: Reading | undefined;
  /** The rule that ended last: what a rule that recovered from a syntax error returns. */
  private ended: Reading | undefined;
  /** The positions of the text being parsed. */
  private positions: RangeBuilder | undefined;
  /** The parser's own list of errors (its `errors` getter copies it, too slow to ask at every rule). */
  private found: IRecognitionException[] = [];

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /** The models of a file and its syntax errors. */
  parseFile(tokens: IToken[], positions: RangeBuilder): ParsedFile {
    this.input = tokens;
    this.errors = this.found = [];
    this.positions = positions;
    try {
      return { models: this.file(), errors: this.found };
    } catch (e) {
      if (!(e instanceof TooManySyntaxErrors)) throw e;
      // Every rule was left through its `finally`, the file's last: what was read until here.
      return { models: this.ended!.result as A.ModelDecl[], errors: this.found, stoppedAt: this.LA(1) };
    } finally {
      this.forget();
    }
  }

  /**
   * One item, alone (the language server re-reads the item an edit stays inside): the item,
   * whether the tokens hold nothing after it, and the syntax errors.
   */
  parseItem(
    tokens: IToken[],
    positions: RangeBuilder,
  ): { item: A.Item | undefined; whole: boolean; errors: IRecognitionException[] } {
    this.input = tokens;
    this.errors = this.found = [];
    this.positions = positions;
    try {
      const item = this.item() as A.Item;
      return { item, whole: this.LA(1).tokenType === EOF, errors: this.found };
    } catch (e) {
      if (!(e instanceof TooManySyntaxErrors)) throw e;
      return { item: undefined, whole: false, errors: this.found };
    } finally {
      this.forget();
    }
  }

  /** What one parse held, let go: the shared parser would otherwise keep the last text's tokens alive until the next parse. */
  private forget(): void {
    this.input = [];
    this.positions = undefined;
    this.reading = undefined;
    this.ended = undefined;
  }

  /**
   * Prefer deleting one stray token when the expected one follows it (`[H H]`): inserting the
   * expected token instead would leave the stray one to start a cascade of errors.
   */
  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return this.LA(2).tokenType !== tokType;
  }

  /**
   * A grammar rule whose value is built from what it read when it ends. The rule is left by
   * an exception on a syntax error; `finally` builds the value from what was read until then
   * (the exception goes on to Chevrotain, which recovers), and `recoveryValueFunc` hands that
   * value to Chevrotain when this rule is where the parser resynchronises.
   */
  private rule<T>(name: string, body: () => void): (() => T) & { ruleName: string } {
    return this.RULE(
      name,
      (): T => {
        if (this.RECORDING_PHASE) {
          body();
          return undefined as T;
        }
        if (this.found.length >= MAX_SYNTAX_ERRORS) throw new TooManySyntaxErrors();
        const reading = this.reading ? this.reading.child(name) : Reading.root(name);
        this.reading = reading;
        let finished = false;
        try {
          body();
          finished = true;
        } finally {
          this.end(reading, finished);
        }
        return reading.result as T;
      },
      { recoveryValueFunc: () => this.ended?.result as T },
    ) as (() => T) & { ruleName: string };
  }

  private end(reading: Reading, finished: boolean): void {
    reading.recovered = !finished;
    reading.holdsRecovered ||= !finished;
    reading.result = buildRule(reading, this.positions!);
    this.reading = reading.parent;
    reading.parent?.adopt(reading);
    this.ended = reading;
  }

  /** CONSUME, keeping the token under its label (its type's name when it has none). */
  private read(tokenType: TokenType, label?: string, occurrence = 0): void {
    // Labels are for the grammar's recording only; while parsing, Chevrotain reads no option but an error message.
    const token = this.consume(occurrence, tokenType, this.RECORDING_PHASE ? labelled(label) : undefined);
    if (!this.RECORDING_PHASE) this.reading!.addToken(label ?? tokenType.name, token);
  }

  /** SUBRULE, its value kept under its label (the rule's name when it has none). */
  private sub(rule: Rule, label?: string, occurrence = 0): void {
    if (!this.RECORDING_PHASE) this.reading!.calling = label ?? rule.ruleName;
    this.subrule(occurrence, rule as never, this.RECORDING_PHASE ? labelled(label) : undefined);
  }

  /** A sub-rule in a comma-separated list: the comma before it, read by Chevrotain, counts in the span. */
  private listed(rule: Rule, label: string): void {
    this.coverSeparator();
    this.sub(rule, label);
  }

  /** An expression in a comma-separated list (`readExpression`), the comma before it counted as in `listed`. */
  private listedExpression(label: string): void {
    this.coverSeparator();
    this.readExpression(label);
  }

  private coverSeparator(): void {
    const separator: IToken = this.LA(0);
    if (!this.RECORDING_PHASE && separator.tokenType === T.Comma && separator.startOffset >= this.reading!.endOffset)
      this.reading!.coverToken(separator);
  }

  /**
   * An expression, its node under `label`. Where it is a name or a number alone (a dim `H`, an
   * initialiser `zeros`), it is read here as `expression` would read it, without calling the
   * rule: those were a third of the parse's rule calls. See `loneOperandBefore`.
   */
  private readExpression(label: string): void {
    if (this.RECORDING_PHASE || !this.loneOperandBefore(continuesExpression)) this.sub(this.expression, label);
    else this.loneOperand(label);
  }

  // The bodies of repetitions and options, like the alternatives of an OR, are made once
  // (fields), not at every call of their rule: every operand of every expression would
  // otherwise allocate them.

  public file = this.rule<A.ModelDecl[]>("file", () => this.MANY(this.nextModel));
  private readonly nextModel = () => this.sub(this.model);

  // model NAME { item* }, each item one of the declarations below. They are alternatives of
  // this rule, not of a rule `item` between: a rule call per item was a sixth of the parse's.
  public model = this.rule("model", () => {
    this.read(T.Model);
    this.read(T.Identifier, "name");
    this.read(T.LBrace);
    this.MANY(this.nextItem);
    this.read(T.RBrace);
  });
  private readonly nextItem = () => this.OR(this.declarations);
  private readonly declarations: IOrAlt<void>[] = [
    { ALT: () => this.sub(this.dimDecl, "item") },
    { ALT: () => this.sub(this.inputDecl, "item") },
    { ALT: () => this.sub(this.targetDecl, "item") },
    { ALT: () => this.sub(this.paramDecl, "item") },
    { ALT: () => this.sub(this.stateDecl, "item") },
    { ALT: () => this.sub(this.cellDecl, "item") },
    { ALT: () => this.sub(this.lossDecl, "item") },
    { ALT: () => this.sub(this.equation, "item") },
  ];

  /** One item alone: what the language server re-reads after an edit inside it (`parseItem`). */
  public item = this.rule("item", () => this.OR(this.declarations));

  // dim H = 32        dim G = 4 * H
  public dimDecl = this.rule("dimDecl", () => {
    this.read(T.Dim);
    this.read(T.Identifier, "name");
    this.read(T.Equals);
    this.readExpression("value");
  });

  // input x : onehot[V]        input x : [D]        input x[s] : onehot[V]
  public inputDecl = this.rule("inputDecl", () => {
    this.read(T.Input);
    this.read(T.Identifier, "name");
    this.OPTION(this.sequenceIndex);
    this.read(T.Colon);
    this.sub(this.typeSpec);
  });
  // `[s]` then the colon: `input x [D]`, a colon left out, stays the error it is.
  private readonly sequenceIndex = { GATE: () => this.LA(4).tokenType === T.Colon, DEF: () => this.index() };

  // target y : class[K]        target y : [K]        target y[u] : class[K]
  public targetDecl = this.rule("targetDecl", () => {
    this.read(T.Target);
    this.read(T.Identifier, "name");
    this.OPTION(this.sequenceIndex);
    this.read(T.Colon);
    this.sub(this.typeSpec);
  });

  // an optional kind (`onehot`, `class`) before a shape
  public typeSpec = this.rule("typeSpec", () => {
    this.OPTION(this.kind);
    this.sub(this.shape);
  });
  private readonly kind = () => this.read(T.Identifier, "kind");

  // param W : [H, H + D] = xavier
  public paramDecl = this.rule("paramDecl", () => {
    this.read(T.Param);
    this.read(T.Identifier, "name");
    this.read(T.Colon);
    this.shapeValue();
    this.OPTION(this.initialiser);
  });
  private readonly initialiser = () => {
    this.read(T.Equals);
    this.readExpression("init");
  };

  // state h : [H] = zeros
  public stateDecl = this.rule("stateDecl", () => {
    this.read(T.State);
    this.read(T.Identifier, "name");
    this.read(T.Colon);
    this.shapeValue();
    this.OPTION(this.initialiser);
  });

  /**
   * A parameter's or state's shape. One of names and numbers alone (`[H, D]`, most shapes) is
   * read here as `shape` would read it, without calling the rule (no syntax error can arise in
   * it): a rule call per parameter and state was a fifth of the parse's.
   */
  private shapeValue(): void {
    const size = this.RECORDING_PHASE ? 0 : this.plainShapeAhead();
    if (size === 0) this.sub(this.shape);
    else this.plainShape(size);
  }

  /** The number of dims of the shape ahead when it is `[` names or numbers alone, separated by commas, `]`; else 0. */
  private plainShapeAhead(): number {
    if (this.LA(1).tokenType !== T.LBracket) return 0;
    for (let k = 2; ; k += 2) {
      const dim = this.LA(k).tokenType;
      if (dim !== T.Identifier && dim !== T.NumberLiteral) return 0;
      const after = this.LA(k + 1).tokenType;
      if (after === T.RBracket) return k / 2;
      if (after !== T.Comma) return 0;
    }
  }

  private plainShape(size: number): void {
    const open = this.consume(7, T.LBracket);
    const dims = new Array<A.Expr>(size);
    for (let i = 0; i < size; i++) {
      if (i > 0) this.consume(7, T.Comma);
      dims[i] = operand(this.consume(9, this.LA(1).tokenType), this.positions!);
    }
    const close = this.consume(7, T.RBracket);
    this.reading!.addRead("shape", shapeValue(dims, open, close, this.positions!), open, close);
  }

  // [H, H + D]
  public shape = this.rule("shape", () => {
    this.read(T.LBracket);
    this.AT_LEAST_ONE_SEP(this.dims);
    this.read(T.RBracket);
  });
  private readonly dims = { SEP: T.Comma, DEF: () => this.listedExpression("dims") };

  // cell h = lstm(x, size = H)
  public cellDecl = this.rule("cellDecl", () => {
    this.read(T.Cell);
    this.read(T.Identifier, "name");
    this.read(T.Equals);
    this.read(T.Identifier, "kind", 2);
    this.sub(this.argumentList);
  });

  // loss cross_entropy(o, y, reduce = mean) at last
  public lossDecl = this.rule("lossDecl", () => {
    this.read(T.Loss);
    this.read(T.Identifier, "function");
    this.sub(this.argumentList);
    this.read(T.At);
    this.read(T.Identifier, "when", 2);
  });

  // gate f = sigmoid(Wf @ [h[t-1], x] + bf)        h[t] = tanh(W · h[t-1] + U · x[t] + b)
  public equation = this.rule("equation", () => {
    this.OPTION(this.gate);
    this.read(T.Identifier, "name");
    this.OPTION2(this.index);
    this.read(T.Equals);
    this.readExpression("value");
  });
  private readonly gate = () => this.read(T.Gate);
  private readonly index = () => this.sub(this.delay, "index");

  // Expressions, loosest binding first: + -, then * / @, then unary minus.
  public expression = this.rule("expression", () => {
    this.term();
    this.MANY(this.nextTerm);
  });
  private readonly nextTerm = () => {
    this.OR(this.additive);
    this.term(2);
  };
  private term(occurrence = 0): void {
    if (this.RECORDING_PHASE || !this.loneOperandBefore(continuesTerm)) this.sub(this.product, "operands", occurrence);
    else this.loneOperand();
  }
  private readonly additive: IOrAlt<void>[] = [
    { ALT: () => this.read(T.Plus, "operators") },
    { ALT: () => this.read(T.Minus, "operators") },
  ];

  public product = this.rule("product", () => {
    this.factor();
    this.MANY(this.nextFactor);
  });
  private readonly nextFactor = () => {
    this.OR(this.multiplicative);
    this.factor(2);
  };
  private factor(occurrence = 0): void {
    if (this.RECORDING_PHASE || !this.loneOperandBefore(continuesFactor)) this.sub(this.unary, "operands", occurrence);
    else this.loneOperand();
  }

  /**
   * Whether the next token is a name or a number that the rules below would read alone: the
   * token after it (in `continues`) neither gives it a delay or arguments nor, for a term,
   * multiplies it. Most operands are such (`H`, `b`, `zeros`, `0.5`), and the parser then reads
   * one itself, as `unary` would (no syntax error can arise), without calling `product` and
   * `unary` for it: their calls were the most of parsing an operand. The grammar is the same
   * (it is recorded with the rules called), and so is what the parse gives, errors included.
   */
  private loneOperandBefore(continues: readonly boolean[]): boolean {
    const type = this.LA(1).tokenType;
    return (type === T.Identifier || type === T.NumberLiteral) && continues[this.LA(2).tokenTypeIdx] !== true;
  }

  private loneOperand(label = "operands"): void {
    const token = this.consume(9, this.LA(1).tokenType);
    this.reading!.addRead(label, operand(token, this.positions!), token, token);
  }
  private readonly multiplicative: IOrAlt<void>[] = [
    { ALT: () => this.read(T.Star, "operators") },
    { ALT: () => this.read(T.Slash, "operators") },
    { ALT: () => this.read(T.MatMul, "operators") },
  ];

  // An operand: a negation, or one of the primaries (a number, parentheses, a concatenation, a
  // name, read with its delay or arguments). The primaries are alternatives of this rule, not
  // rules of their own: every operand of every expression passes here, and a rule call is the
  // costly part of reading it.
  public unary = this.rule("unary", () => this.OR(this.operands));
  private readonly operands: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.read(T.Minus);
        this.sub(this.unary, "operand");
      },
    },
    { ALT: () => this.read(T.NumberLiteral) },
    { ALT: () => this.sub(this.parenthesized) },
    { ALT: () => this.sub(this.concatenation) },
    // x        h[t-1]        tanh(a)
    {
      ALT: () => {
        this.read(T.Identifier, "name");
        this.OPTION(this.delayOrArguments);
      },
    },
  ];
  private readonly delayOrArguments = () => this.OR2(this.delayOrArgumentsAlternatives);
  private readonly delayOrArgumentsAlternatives: IOrAlt<void>[] = [
    { ALT: () => this.sub(this.delay) },
    { ALT: () => this.sub(this.argumentList) },
  ];

  // ( e )
  public parenthesized = this.rule("parenthesized", () => {
    this.read(T.LParen);
    this.sub(this.expression);
    this.read(T.RParen);
  });

  // [a, b]
  public concatenation = this.rule("concatenation", () => {
    this.read(T.LBracket);
    this.AT_LEAST_ONE_SEP(this.parts);
    this.read(T.RBracket);
  });
  private readonly parts = { SEP: T.Comma, DEF: () => this.listedExpression("parts") };

  // [t-1]
  public delay = this.rule("delay", () => {
    this.read(T.LBracket);
    this.read(T.Identifier, "step");
    this.OPTION(this.steps);
    this.read(T.RBracket);
  });
  private readonly steps = () => {
    this.OR(this.signs);
    this.read(T.NumberLiteral, "amount");
  };
  private readonly signs: IOrAlt<void>[] = [
    { ALT: () => this.read(T.Minus, "sign") },
    { ALT: () => this.read(T.Plus, "sign") },
  ];

  // (a, b, name = value)
  public argumentList = this.rule("argumentList", () => {
    this.read(T.LParen);
    this.MANY_SEP(this.listedArguments);
    this.read(T.RParen);
  });
  private readonly listedArguments = { SEP: T.Comma, DEF: () => this.listed(this.argument, "arguments") };

  public argument = this.rule("argument", () => {
    this.OPTION(this.argumentName);
    this.readExpression("value");
  });
  private readonly argumentName = () => {
    this.read(T.Identifier, "name");
    this.read(T.Equals);
  };
}

/** By token type index: the tokens after a name or number that make it more than an operand alone, as a factor, a term and an expression. */
const continuesFactor = tokenSet([T.LBracket, T.LParen]);
const continuesTerm = tokenSet([T.LBracket, T.LParen, T.Star, T.Slash, T.MatMul]);
const continuesExpression = tokenSet([T.LBracket, T.LParen, T.Star, T.Slash, T.MatMul, T.Plus, T.Minus]);

function tokenSet(types: TokenType[]): boolean[] {
  const set = Array.from({ length: Math.max(...types.map((t) => t.tokenTypeIdx!)) + 1 }, () => false);
  for (const t of types) set[t.tokenTypeIdx!] = true;
  return set;
}

/** The options of a labelled CONSUME or SUBRULE, made once per label rather than at every token. */
const labelOptions = new Map<string, { LABEL: string }>();

function labelled(label: string | undefined): { LABEL: string } | undefined {
  if (label === undefined) return undefined;
  let options = labelOptions.get(label);
  if (!options) labelOptions.set(label, (options = { LABEL: label }));
  return options;
}

/** One shared instance: building the grammar is the expensive part, parsing resets it. */
export const rnnParser = new RnnParser();
