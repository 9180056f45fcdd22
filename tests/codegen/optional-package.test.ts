/**
 * Packages rnnc loads for one job and does not install for everyone (Prettier for
 * `rnnc compile`, TypeScript for --standalone from the sources): when one is missing, the
 * error names it, what needs it and how to install it; any other failure is left as it is.
 */
import { describe, expect, it } from "vitest";
import { importOptional } from "../../compiler/codegen/optional-package.js";

/** An import() that TypeScript does not try to resolve. */
const load = (specifier: string) => () => import(specifier) as Promise<unknown>;

describe("importOptional", () => {
  it("loads a package that is installed", async () => {
    const chevrotain = (await importOptional("chevrotain", load("chevrotain"), "the parser", "npm ci")) as object;
    expect(chevrotain).toHaveProperty("createToken");
  });

  it("says what needs a missing package and how to install it", async () => {
    await expect(
      importOptional("rnnc-no-such-package", load("rnnc-no-such-package"), "rnnc compile", "npm install it"),
    ).rejects.toThrow(
      new Error("rnnc compile needs rnnc-no-such-package, which is not installed here: npm install it"),
    );
  });

  it("leaves alone a missing package that is not the one named (one the package itself imports)", async () => {
    await expect(
      importOptional("prettier", load("rnnc-no-such-package"), "rnnc compile", "npm install it"),
    ).rejects.toMatchObject({
      code: "ERR_MODULE_NOT_FOUND",
      message: expect.stringContaining("'rnnc-no-such-package'"),
    });
  });

  it("leaves alone any other failure of loading", async () => {
    const failure = new SyntaxError("broken package");
    await expect(
      importOptional("prettier", () => Promise.reject(failure), "rnnc compile", "npm install it"),
    ).rejects.toBe(failure);
  });
});
