// @ts-check
/**
 * The linter: ESLint's and typescript-eslint's recommended rules over every source file.
 * `npm run lint` runs it; tests/repo/hygiene.test.ts makes it part of `npm test`.
 */
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "coverage/",
      "runtime/kernels/wasm/kernels-wasm.ts",
      "runtime/kernels/wasm/kernels-relaxed-wasm.ts",
      "editors/vscode/node_modules/",
      "editors/vscode/dist/",
      "tests/**/__snapshots__/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a parameter a signature needs and the body does not.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["editors/vscode/**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
