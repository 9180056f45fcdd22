/** One item of a model as canonical `.rnn` text (one line, single spaces, fewest parentheses). */
import type { Item, TypeSpec } from "../../grammar/ast.js";
import { printArguments, printExpr } from "./print-expr.js";

export function printItem(item: Item): string {
  switch (item.kind) {
    case "dim":
      return `dim ${item.name.text} = ${printExpr(item.value)}`;
    case "input":
    case "target":
      return `${item.kind} ${item.indexed ? printExpr(item.indexed) : item.name.text} : ${printType(item.type)}`;
    case "param":
    case "state":
      return `${item.kind} ${item.name.text} : [${item.shape.map(printExpr).join(", ")}]${item.init ? ` = ${printExpr(item.init)}` : ""}`;
    case "cell":
      return `cell ${item.name.text} = ${item.cell.text}(${printArguments(item.args)})`;
    case "loss":
      return `loss ${item.fn.text}(${printArguments(item.args)}) at ${item.when.text}`;
    case "equation":
      return `${item.gate ? "gate " : ""}${item.indexed ? printExpr(item.indexed) : item.name.text} = ${printExpr(item.value)}`;
  }
}

function printType(t: TypeSpec): string {
  return `${t.kind?.text ?? ""}[${t.dims.map(printExpr).join(", ")}]`;
}
