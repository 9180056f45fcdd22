/**
 * Every diagnostic code rnnc emits, with its severity and title: the one list. A diagnostic
 * can only be made with a code from here (`error` takes the error codes, `warning` the
 * warning codes), and `docs/diagnostics.md` has one section per entry, headed by its code
 * and title, in this order (tests/grammar/diagnostic-codes.test.ts).
 */
export const diagnosticCodes = {
  // Syntax
  E001: { severity: "error", title: "unexpected character" },
  E002: { severity: "error", title: "syntax error" },
  E003: { severity: "error", title: "expression too deep or too long" },
  E004: { severity: "error", title: "too many syntax errors" },
  E005: { severity: "error", title: "not UTF-8" },
  E010: { severity: "error", title: "not exactly one model" },
  // Names
  E101: { severity: "error", title: "undefined name" },
  E102: { severity: "error", title: "declared twice" },
  E103: { severity: "error", title: "not a value" },
  E104: { severity: "error", title: "unknown function" },
  E105: { severity: "error", title: "wrong number of arguments" },
  E106: { severity: "error", title: "bad setting of a function" },
  E110: { severity: "error", title: "equation for a declared name" },
  E111: { severity: "error", title: "state without an equation" },
  // Shapes and sizes
  E201: { severity: "error", title: "element-wise or vector mismatch" },
  E202: { severity: "error", title: "matrix product mismatch" },
  E203: { severity: "error", title: "bad size" },
  E204: { severity: "error", title: "wrong rank" },
  E205: { severity: "error", title: "bad --dim override" },
  E206: { severity: "error", title: "dim defined in terms of itself" },
  E207: { severity: "error", title: "size too large" },
  // Time
  E301: { severity: "error", title: "delay on something that is not a state or an input" },
  E302: { severity: "error", title: "bad delay" },
  E303: { severity: "error", title: "recurrence in both directions" },
  E304: { severity: "error", title: "read across sequences at a step" },
  E305: { severity: "error", title: "bad read at [last]" },
  E306: { severity: "error", title: "reduction over the wrong axis" },
  E307: { severity: "error", title: "reduction over the steps without a mask" },
  E308: { severity: "error", title: "softmax over the feature axis where the steps were meant" },
  E401: { severity: "error", title: "same-step cycle" },
  // Losses
  E501: { severity: "error", title: "bad loss declaration" },
  E502: { severity: "error", title: "target does not fit the loss" },
  E503: { severity: "error", title: "bad at" },
  // Initialisers and types
  E601: { severity: "error", title: "bad initialiser" },
  E602: { severity: "error", title: "bad type" },
  // Cell shorthand
  E701: { severity: "error", title: "bad cell" },
  // Warnings
  W001: { severity: "warning", title: "unused parameter" },
  W002: { severity: "warning", title: "unused input" },
  W003: { severity: "warning", title: "cross_entropy without softmax" },
  W004: { severity: "warning", title: "unused target" },
  // The language server's own
  LSP001: { severity: "warning", title: "file too large to analyse" },
  LSP002: { severity: "error", title: "the front end failed" },
  LSP003: { severity: "warning", title: "more problems than are shown" },
} as const;

export type DiagnosticCode = keyof typeof diagnosticCodes;

type CodeOf<S extends "error" | "warning"> = {
  [C in DiagnosticCode]: (typeof diagnosticCodes)[C]["severity"] extends S ? C : never;
}[DiagnosticCode];

export type ErrorCode = CodeOf<"error">;
export type WarningCode = CodeOf<"warning">;

/** The syntax errors: after one, the file is not what was meant, and formatting or "unused" warnings would guess. */
export const syntaxErrorCodes: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>(["E001", "E002", "E003", "E004"]);
