/** Where the tests have the newest TypeScript release: installed by tests/support/global-setup.ts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package whose lock file pins it. */
export const typescriptLatestPackage = fileURLToPath(new URL("../../tools/typescript-latest/", import.meta.url));

/** Its `tsc`, and the version its package.json pins. */
export const typescriptLatest = {
  tsc: join(typescriptLatestPackage, "node_modules/typescript/bin/tsc"),
  version: (
    JSON.parse(readFileSync(join(typescriptLatestPackage, "package.json"), "utf8")) as {
      dependencies: { typescript: string };
    }
  ).dependencies.typescript,
};
