/**
 * Packages rnnc uses for one job and does not install for everyone. Prettier formats what
 * `rnnc compile` writes, and is a peer dependency a project adds beside rnnc; TypeScript reads
 * runtime/ for `--standalone` only when rnnc runs from its sources (an installed rnnc reads
 * the index `npm run build` wrote). Each is imported when first needed; a missing one is an
 * error that says what needs it and how to install it, not a stack trace.
 */

/** `load()` (an `import()` of `name`), or an Error naming `name`, `neededBy` and the command that installs it. */
export async function importOptional<T>(
  name: string,
  load: () => Promise<T>,
  neededBy: string,
  install: string,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (!isMissing(e, name)) throw e;
    throw new Error(`${neededBy} needs ${name}, which is not installed here: ${install}`, { cause: e });
  }
}

function isMissing(e: unknown, name: string): boolean {
  const { code, message } = e as { code?: unknown; message?: unknown };
  return code === "ERR_MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`);
}
