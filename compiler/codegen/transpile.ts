/**
 * TypeScript → JavaScript (`rnnc compile --emit js`, the compiled backend, the playground): the types erased by sucrase, nothing else changed (its ES
 * transforms are off). The compiled backend does this on every cache miss, so it must work
 * where TypeScript is not installed, and sucrase (2 MB) does it about 5 times faster than
 * TypeScript's transpileModule (23 MB) counting the time each takes to load.
 */
export async function transpile(typescript: string): Promise<string> {
  const { transform } = await import("sucrase");
  return transform(typescript, { transforms: ["typescript"], disableESTransforms: true }).code;
}
