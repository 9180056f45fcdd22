/** Module hooks for forbid-packages.mjs: resolving a forbidden package throws. */
let forbidden = [];

/** The package a bare specifier names: `prettier/standalone` → `prettier`, `@scope/name/x` → `@scope/name`. */
export function packageOf(specifier) {
  return specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
}

export function initialize(data) {
  forbidden = data;
}

export function resolve(specifier, context, next) {
  if (forbidden.includes(packageOf(specifier))) throw new Error(`forbidden package loaded: ${specifier}`);
  return next(specifier, context);
}
