/**
 * Names in equations: what a name denotes where it is read (`x`, `W`, `h[t-1]`), recorded as
 * a use for hover, find-references and the unused-name warnings. One-hot inputs may only be
 * read where the op reading them allows it (right of `@`), which is what lets every backend
 * compile them as column lookups.
 */
import type * as A from "../../grammar/ast.js";
import type { ErrorCode } from "../../grammar/diagnostic-codes.js";
import { callOp } from "../ops/registry.js";
import { printExpr } from "../format/print-expr.js";
import { vector, type Size, type ValueType } from "../ops/shapes.js";
import { describeKind, inputOf, stateOf, type Declarations } from "./declarations.js";
import type { NameUse } from "./model.js";
import { isLastStep } from "./inits.js";

/** Where an expression is read: by which equation, and whether a one-hot vector may stand there. */
export interface ReadContext {
  usedBy: string;
  onehotAllowed: boolean;
  /**
   * The equation reads another sequence at its every step (`e[s]`, attention): a number that
   * changes from step to step, a score per step, may stand in it (`sum(d * e[s])`).
   */
  perStep?: boolean;
  /** The same context with `onehotAllowed` the other way, once an operand has asked for it (expressions.ts). */
  flipped?: ReadContext;
}

/** A score: one number at each step of another sequence (a quantity whose size is `perStep`). */
const perStepNumber: ValueType = { kind: "scalar" };

/** How a delay or `[last]` wrote a read (NameUse's step, last, at). */
export type HowRead = Pick<NameUse, "step" | "last" | "at">;

/** A read written as the name alone. */
export const plainRead: HowRead = Object.freeze({});

export type Report = (code: ErrorCode, message: string, range: A.Range, hint?: string) => undefined;

export class References {
  constructor(
    private readonly decls: Declarations,
    private readonly uses: NameUse[],
    private readonly report: Report,
    /**
     * The size a quantity's equation gave it, when checked before the reader's (a quantity read
     * at the same step always is: one in a cycle is reported by the cycle check), or undefined.
     */
    private readonly checkedSize: (name: string) => Size | undefined,
  ) {}

  /**
   * The type of a name read `delay` steps back (0: at this step); `how` says how a delay or
   * `[last]` wrote it; `entry`, the name's binding when the caller has looked it up already.
   */
  refer(
    name: A.Name,
    ctx: ReadContext,
    delay: number,
    how: HowRead = plainRead,
    entry = this.decls.symbols.get(name.text),
  ): ValueType | undefined {
    if (!entry) return this.undefinedName(name);
    // Most reads are plain: their uses are made without a spread, each of one shape.
    this.uses.push(
      how === plainRead
        ? { name: name.text, range: name.range, usedBy: ctx.usedBy, delay }
        : { name: name.text, range: name.range, usedBy: ctx.usedBy, delay, ...how },
    );
    switch (entry.kind) {
      case "dim":
        return this.report(
          "E103",
          `'${name.text}' is a dim, a size, not a value`,
          name.range,
          "dims are used in shapes, as in param W : [H, D]",
        );
      case "target":
        return this.report(
          "E103",
          `'${name.text}' is a target; targets are read by a loss, and by an equation only at an earlier step`,
          name.range,
          `a decoder reads the previous target, ${name.text}[t-1]; the target at step t is what is predicted`,
        );
      case "param":
        // Undefined when its shape did not resolve.
        return entry.principal.type;
      case "input": {
        const input = inputOf(entry);
        if (!input) return undefined;
        if (input.encoding === "onehot" && !ctx.onehotAllowed)
          return this.report(
            "E201",
            `'${name.text}' is a one-hot input; it can only be multiplied by a matrix`,
            name.range,
            `write W @ ${name.text}; it is compiled as a column lookup`,
          );
        return entry.principal.type;
      }
      case "state":
      case "quantity": {
        // A state's declared type stands for its equation's.
        if (stateOf(entry)) return entry.principal.type;
        const size = this.checkedSize(name.text);
        return size?.perStep ? perStepNumber : size ? vector(size) : undefined;
      }
    }
  }

  /**
   * `h[t-k]`: a state or an input, k a positive whole number of steps (`h[t]`, the current step,
   * is read as `h` before this: grammar/notation.ts); `h[t+k]`: a state read ahead, which makes
   * it a recurrence running backwards in time (compiler/check/directions.ts checks the directions).
   */
  delay(e: A.DelayExpr, ctx: ReadContext): ValueType | undefined {
    if (isLastStep(e)) return this.lastStep(e, ctx);
    const steps = this.stepVariables();
    if (!steps.has(e.step.text)) {
      const others = [...steps].filter((s) => s !== "t");
      return this.report(
        "E302",
        `a delay is written [t-k] or [t+k]${others.map((s) => ` (or [${s}-k] in sequence ${s})`).join("")}, not [${e.step.text}...]`,
        e.step.range,
        others.length === 0 && e.step.text !== "t"
          ? `a sequence's own step variable is declared with its inputs, as in input x[${e.step.text}] : ...`
          : undefined,
      );
    }
    const distance = Math.abs(e.offset);
    if (!Number.isInteger(distance) || distance === 0) {
      const why =
        e.offset === 0
          ? `${printExpr(e)} is the current step: write ${e.name.text} (or ${e.name.text}[t])`
          : `the delay must be a whole number of steps`;
      return this.report("E302", `${why}; a delay is [t-k] or [t+k] with k a positive integer`, e.offsetRange);
    }
    const entry = this.decls.symbols.get(e.name.text);
    if (entry?.kind === "target") return this.previousTarget(e, ctx);
    // A cell that could not be expanded left a placeholder quantity: its error is reported where it is.
    if (entry?.kind === "quantity" && this.decls.equations.get(e.name.text)?.recovered) return undefined;
    if (entry && entry.kind !== "state" && entry.kind !== "input") {
      const size = entry.kind === "quantity" ? this.checkedSize(e.name.text) : undefined;
      return this.report(
        "E301",
        `'${e.name.text}' is ${describeKind(entry.kind)}; only states and inputs can be read through a delay`,
        e.range,
        entry.kind === "quantity"
          ? `declare it a state: state ${e.name.text} : [${size?.symbol ?? "n"}] = zeros`
          : undefined,
      );
    }
    const ahead = e.offset > 0;
    if (ahead && entry?.kind === "input") {
      this.refer(e.name, ctx, -e.offset);
      return this.report(
        "E302",
        `${printExpr(e)} reads the input ahead; only a state can be read at [t+k]`,
        e.offsetRange,
        `a state read at [t+1] runs backwards over the sequence and sees every later input, as in ${e.name.text}b = tanh(W @ ${e.name.text}b[t+1] + U @ ${e.name.text} + b)`,
      );
    }
    const state = stateOf(entry);
    if (state && ahead) state.maxAhead = Math.max(state.maxAhead, distance);
    else if (state) state.maxDelay = Math.max(state.maxDelay, distance);
    return this.refer(e.name, ctx, -e.offset, e.step.text === "t" ? plainRead : { step: e.step.text }, entry);
  }

  /**
   * `e[last]`: a state of another sequence at that sequence's last real step, the same at every
   * step of the reader's (compiler/check/sequences.ts checks the sequences).
   */
  private lastStep(e: A.DelayExpr, ctx: ReadContext): ValueType | undefined {
    const entry = this.decls.symbols.get(e.name.text);
    if (entry && entry.kind !== "state") {
      this.refer(e.name, ctx, 0, { last: true });
      return this.report(
        "E305",
        `'${e.name.text}' is ${describeKind(entry.kind)}; only a state can be read at [last]`,
        e.range,
        entry.kind === "quantity" || entry.kind === "input"
          ? `read the state that holds what the sequence has seen, as in h[last] for state h`
          : undefined,
      );
    }
    return this.refer(e.name, ctx, 0, { last: true });
  }

  /**
   * `y[t-1]`: the previous target, read as data (a class as its one-hot vector): the target
   * itself while training (teacher forcing), the model's own previous prediction of it when it
   * generates. Never the target at the current step, nor a later one: that is what is predicted.
   */
  private previousTarget(e: A.DelayExpr, ctx: ReadContext): ValueType | undefined {
    this.uses.push({ name: e.name.text, range: e.name.range, usedBy: ctx.usedBy, delay: -e.offset });
    const target = this.decls.targets.get(e.name.text);
    if (e.offset > 0)
      return this.report(
        "E302",
        `${printExpr(e)} reads a target ahead: a model reads the targets before step t only`,
        e.offsetRange,
        `the previous target, ${e.name.text}[t-1], is what a decoder reads (teacher forcing)`,
      );
    if (!target) return undefined;
    if (target.kind === "class" && !ctx.onehotAllowed)
      return this.report(
        "E201",
        `'${e.name.text}' is a class target, read at an earlier step as its one-hot vector; it can only be multiplied by a matrix`,
        e.range,
        `write W @ ${printExpr(e)}; it is compiled as a column lookup`,
      );
    return vector(target.size, target.kind === "class");
  }

  /** `t`, and the step variable of every declared sequence. */
  stepVariables(): ReadonlySet<string> {
    return (this.steps ??= new Set([
      "t",
      ...[...this.decls.inputs.values(), ...this.decls.targets.values()].map((d) => d.sequence),
    ]));
  }

  private steps: ReadonlySet<string> | undefined;

  /** The input of that name, if it is one. */
  inputOf(name: string): { sequence: string } | undefined {
    return this.decls.inputs.get(name);
  }

  /** Records the names read as uses without checking them (the arguments of a call that is itself wrong). */
  recordUses(names: readonly { name: A.Name; delay: number; at?: string }[], usedBy: string): void {
    for (const r of names)
      if (this.decls.symbols.has(r.name.text))
        this.uses.push({
          name: r.name.text,
          range: r.name.range,
          usedBy,
          delay: r.delay,
          ...(r.at !== undefined ? { at: r.at } : {}),
        });
  }

  private undefinedName(name: A.Name): undefined {
    const guess = this.decls.suggest("value", name.text);
    const fn = callOp(name.text) ? `'${name.text}' is a function: call it, as in ${name.text}(x)` : undefined;
    return this.report(
      "E101",
      `'${name.text}' is not defined`,
      name.range,
      fn ?? (guess ? `did you mean '${guess}'?` : undefined),
    );
  }
}
