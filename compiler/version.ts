/** The package version, written into generated files. */
import { readFileSync } from "node:fs";

const packageJson = [new URL("../package.json", import.meta.url), new URL("../../package.json", import.meta.url)].find(
  (url) => {
    try {
      return JSON.parse(readFileSync(url, "utf8")).name === "rnnc";
    } catch {
      return false;
    }
  },
);

export const version: string = packageJson ? JSON.parse(readFileSync(packageJson, "utf8")).version : "unknown";
