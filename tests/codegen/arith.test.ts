/**
 * The index arithmetic of generated code folds its constants: what a module writes for an
 * offset is the offset, not the recipe (`0 * B * 32`, `(t + 0) * B`).
 */
import { describe, expect, it } from "vitest";
import { product, sum } from "../../compiler/codegen/arith.js";

describe("sum", () => {
  it("drops zeros and adds numbers, after the other terms", () => {
    expect(sum("t", 0)).toBe("t");
    expect(sum(0, 0)).toBe("0");
    expect(sum(2, "t", 3)).toBe("t + 5");
    expect(sum("t", -1)).toBe("t - 1");
    expect(sum("t - 1", 1)).toBe("t");
    expect(sum("r", 24, "c")).toBe("r + c + 24");
  });

  it("reads the terms of a sum it wrote, and keeps a product whole", () => {
    expect(sum("(t + 1) * B", "b")).toBe("(t + 1) * B + b");
    expect(sum("lengths[b]! - 1", 1)).toBe("lengths[b]!");
  });
});

describe("product", () => {
  it("is 0 with a factor 0, drops ones, multiplies numbers", () => {
    expect(product(0, "B", 32)).toBe("0");
    expect(product(1, "B", 32)).toBe("B * 32");
    expect(product("t * B * 32", 8)).toBe("t * B * 256");
    expect(product(3, 4)).toBe("12");
  });

  it("puts a sum in parentheses, and opens parentheses around a single factor", () => {
    expect(product("t + 1", "B")).toBe("(t + 1) * B");
    expect(product("(t)", "B")).toBe("t * B");
    expect(product(sum(product("t", "B"), "b"), 2)).toBe("(t * B + b) * 2");
    expect(product(sum(product(0, "B"), "b"), 2)).toBe("b * 2");
  });
});
