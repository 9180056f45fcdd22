/**
 * A large model for the robustness test and the benchmark: `layers` stacked Elman layers of
 * five lines each (three parameters, a state, an equation), so 2,000 layers are 10,000 lines.
 */
export function generatedModel(layers: number): string {
  const lines = [
    "// generated: stacked Elman layers",
    "model Big {",
    "  dim D = 8",
    "  dim H = 16",
    "  dim K = 3",
    "  input x : [D]",
    "  target y : class[K]",
  ];
  let previous = "x";
  let previousSize = "D";
  for (let i = 0; i < layers; i++) {
    lines.push(
      `  param W${i} : [H, H]`,
      `  param U${i} : [H, ${previousSize}]`,
      `  param b${i} : [H] = zeros`,
      `  state h${i} : [H] = zeros`,
      `  h${i} = tanh(W${i} @ h${i}[t-1] + U${i} @ ${previous} + b${i})`,
    );
    previous = `h${i}`;
    previousSize = "H";
  }
  lines.push("  param Vo : [K, H]", `  o = softmax(Vo @ ${previous})`, "  loss cross_entropy(o, y) at last", "}");
  return lines.join("\n") + "\n";
}
