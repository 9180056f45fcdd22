/**
 * The settings of a call: its named arguments, constants of the op (`dropout(h, p = 0.3,
 * per = sequence)`), read against the op's declared settings (compiler/ops). The checker
 * reports what is wrong with them (E106); lowering reads the values of a checked call.
 */
import type * as A from "../../grammar/ast.js";
import { printExpr } from "../format/print-expr.js";
import type { OpSetting, OpSpec } from "../ops/op.js";
import { callSignature } from "../ops/registry.js";
import type { Report } from "./references.js";

export type SettingValues = Record<string, number | string>;

/** The value of one setting as written, or why it is not one. */
function settingValue(setting: OpSetting, value: A.Expr): number | string | { wrong: string } {
  if (setting.kind === "word") {
    const word = value.kind === "ref" ? value.name.text : undefined;
    return word !== undefined && setting.words.includes(word)
      ? word
      : { wrong: `${setting.name} is one of ${setting.words.join(", ")}, not ${printExpr(value)}` };
  }
  const number =
    value.kind === "number"
      ? value.value
      : value.kind === "neg" && value.operand.kind === "number"
        ? -value.operand.value
        : undefined;
  if (number === undefined) return { wrong: `${setting.name} is a number (${setting.range}), not ${printExpr(value)}` };
  return setting.accepts(number)
    ? number
    : { wrong: `${setting.name} = ${printExpr(value)} is outside ${setting.range}` };
}

/**
 * The settings of a call of `spec` from its named arguments, each checked, defaults filled in;
 * undefined after reporting what is wrong (with `report`).
 */
export function readSettings(fn: string, spec: OpSpec, call: A.CallExpr, report: Report): SettingValues | undefined {
  const declared = spec.settings ?? [];
  const values: SettingValues = Object.create(null);
  let ok = true;
  for (const arg of call.args) {
    if (!arg.name) continue;
    const name = arg.name.text;
    const setting = declared.find((s) => s.name === name);
    if (!setting || name in values) {
      ok = false;
      report(
        "E106",
        setting ? `${fn}: ${name} is given twice` : `${fn} has no setting '${name}'`,
        arg.range,
        `${fn} takes ${declared.map((s) => s.name).join(", ")}`,
      );
      continue;
    }
    const value = settingValue(setting, arg.value);
    if (typeof value === "object") {
      ok = false;
      report("E106", `${fn}: ${value.wrong}`, arg.value.range, setting.doc);
    } else values[name] = value;
  }
  for (const setting of declared) {
    if (setting.name in values) continue;
    if (setting.default !== undefined) values[setting.name] = setting.default;
    else if (ok) {
      ok = false;
      const what = setting.kind === "number" ? `a number, ${setting.range}` : setting.words.join(" or ");
      report("E106", `${fn} needs ${setting.name}, ${what}: ${callSignature(fn, spec)}`, call.range, setting.doc);
    }
  }
  return ok ? values : undefined;
}
