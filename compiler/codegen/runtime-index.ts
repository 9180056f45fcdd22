/**
 * The runtime's sources as `--standalone` modules inline them, read with TypeScript's parser:
 * for each file under runtime/, the files it imports and its text without its import and
 * re-export declarations and without `export` before its declarations; and for each name that
 * runtime/index.ts exports, the file that declares it. Everything is found in the syntax tree,
 * never by matching lines, so any formatting of the runtime (an import wrapped over several
 * lines, a comment between its names) reads the same.
 *
 * Inlining puts every file in one scope, so the runtime's imports must not rename (`a as b`),
 * import a namespace or a default, or reach outside runtime/: such a file is refused here.
 */
import { posix } from "node:path";
import { readFileSync } from "node:fs";
import type ts from "typescript";
import { importOptional } from "./optional-package.js";

export interface RuntimeFile {
  /** The files under runtime/ it imports (types included), relative to runtime/. */
  readonly imports: readonly string[];
  /** What it imports from outside runtime/ (a `node:` module): a standalone module cannot inline it. */
  readonly external: readonly string[];
  /** The names it declares at the top level. */
  readonly declares: readonly string[];
  /** Its opening comment (the text before its first statement). */
  readonly header: string;
  /** Its top-level statements but its imports and re-exports, in order, each without `export`. */
  readonly statements: readonly RuntimeStatement[];
}

/**
 * A top-level statement of a runtime file: a module inlines those it needs (the declarations of what it imports and
 * of what they refer to), so that it declares nothing it does not use.
 */
export interface RuntimeStatement {
  readonly declares: readonly string[];
  /** The identifiers it refers to (not property names): a superset of the top-level names it needs. */
  readonly references: readonly string[];
  /** Its text, with the comments and blank lines before it, without `export`. */
  readonly text: string;
}

export interface RuntimeIndex {
  /** Each name runtime/index.ts exports → the file that declares it, relative to runtime/. */
  readonly exports: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, RuntimeFile>>;
}

/** A file as read: its inlinable form, and what it exports (its own declarations, and re-exports of other files). */
interface ParsedFile extends RuntimeFile {
  readonly exported: readonly string[];
  readonly reexports: readonly { readonly from: string; readonly names: readonly string[] | "all" }[];
}

/** Reads runtime/ (the directory `dir`) from runtime/index.ts through every import and re-export. */
export async function buildRuntimeIndex(dir: string): Promise<RuntimeIndex> {
  const { default: typescript } = await importOptional(
    "typescript",
    () => import("typescript"),
    "reading runtime/ for --standalone without the index `npm run build` writes",
    "run npm ci in the checkout of rnnc",
  );
  const parsed = new Map<string, ParsedFile>();
  const pending = ["index.ts"];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (parsed.has(file)) continue;
    const result = parseRuntimeFile(typescript, file, readFileSync(posix.join(dir, file), "utf8"));
    parsed.set(file, result);
    pending.push(...result.imports, ...result.reexports.map((r) => r.from));
  }
  const files: Record<string, RuntimeFile> = {};
  for (const [file, { imports, external, declares, header, statements }] of [...parsed].sort(([a], [b]) =>
    a.localeCompare(b),
  ))
    files[file] = { imports, external, declares, header, statements };
  return { exports: Object.fromEntries(exportsOf("index.ts", parsed)), files };
}

/** Each name `file` exports → the file declaring it, following `export * from` and `export { … } from`. */
function exportsOf(file: string, parsed: ReadonlyMap<string, ParsedFile>): Map<string, string> {
  const own = parsed.get(file)!;
  const out = new Map(own.exported.map((name) => [name, file]));
  for (const { from, names } of own.reexports) {
    const theirs = exportsOf(from, parsed);
    for (const [name, declaredIn] of theirs) if (names === "all" || names.includes(name)) out.set(name, declaredIn);
  }
  return out;
}

function parseRuntimeFile(typescript: typeof ts, file: string, source: string): ParsedFile {
  const sf = typescript.createSourceFile(file, source, typescript.ScriptTarget.ES2022, true);
  const refuse = (node: ts.Node, why: string): never => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    throw new Error(`internal error: runtime/${file}:${line + 1} cannot be inlined by --standalone: ${why}`);
  };
  const imports: string[] = [];
  const external: string[] = [];
  const declares: string[] = [];
  const exported: string[] = [];
  const reexports: { from: string; names: string[] | "all" }[] = [];
  const statements: RuntimeStatement[] = [];
  const header = sf.statements.length > 0 ? source.slice(0, sf.statements[0]!.getStart(sf)) : source;
  const resolve = (specifier: ts.Expression): string | undefined => {
    const text = (specifier as ts.StringLiteral).text;
    if (!text.startsWith(".")) return undefined;
    return posix.normalize(posix.join(posix.dirname(file), text.replace(/\.js$/, ".ts")));
  };
  const plainNames = (elements: readonly (ts.ImportSpecifier | ts.ExportSpecifier)[]) =>
    elements.map((e) => (e.propertyName ? refuse(e, `it renames ${e.propertyName.getText(sf)}`) : e.name.text));

  for (const statement of sf.statements) {
    if (typescript.isImportDeclaration(statement)) {
      const from = resolve(statement.moduleSpecifier);
      if (from === undefined) external.push((statement.moduleSpecifier as ts.StringLiteral).text);
      else imports.push(from);
      const clause = statement.importClause;
      if (clause?.name) refuse(statement, "a default import");
      const bindings = clause?.namedBindings;
      if (bindings) {
        if (typescript.isNamespaceImport(bindings)) refuse(statement, "a namespace import");
        else plainNames(bindings.elements);
      }
    } else if (typescript.isExportDeclaration(statement)) {
      const names = statement.exportClause
        ? typescript.isNamedExports(statement.exportClause)
          ? plainNames(statement.exportClause.elements)
          : refuse(statement, "a namespace export")
        : "all";
      const from = statement.moduleSpecifier ? resolve(statement.moduleSpecifier) : undefined;
      if (statement.moduleSpecifier && from === undefined) refuse(statement, "a re-export from outside runtime/");
      if (from !== undefined) reexports.push({ from, names });
      else if (names !== "all") exported.push(...names);
    } else if (typescript.isExportAssignment(statement)) {
      refuse(statement, "a default export");
    } else {
      const names = declaredNames(typescript, statement);
      declares.push(...names);
      const modifiers = typescript.canHaveModifiers(statement) ? (typescript.getModifiers(statement) ?? []) : [];
      if (modifiers.some((m) => m.kind === typescript.SyntaxKind.DefaultKeyword)) refuse(statement, "a default export");
      const exportKeyword = modifiers.find((m) => m.kind === typescript.SyntaxKind.ExportKeyword);
      // The first statement's comments are the file's header.
      const start = statement === sf.statements[0] ? statement.getStart(sf) : statement.getFullStart();
      let text = source.slice(start, statement.end);
      if (exportKeyword) {
        exported.push(...names);
        let end = exportKeyword.end;
        while (/\s/.test(source[end] ?? "")) end++;
        text = source.slice(start, exportKeyword.getStart(sf)) + source.slice(end, statement.end);
      }
      statements.push({ declares: names, references: referencedIdentifiers(typescript, statement), text });
    }
  }
  return { imports, external, declares, header, statements, exported, reexports };
}

/** The identifiers a statement refers to: every identifier but the names of properties, members and declarations. */
function referencedIdentifiers(typescript: typeof ts, statement: ts.Statement): string[] {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (typescript.isIdentifier(node)) {
      const parent = node.parent;
      const isName = (parent as ts.Node & { name?: ts.Node }).name === node;
      const member =
        typescript.isPropertyAccessExpression(parent) ||
        typescript.isPropertyAssignment(parent) ||
        typescript.isPropertySignature(parent) ||
        typescript.isPropertyDeclaration(parent) ||
        typescript.isMethodDeclaration(parent) ||
        typescript.isMethodSignature(parent) ||
        typescript.isGetAccessorDeclaration(parent) ||
        typescript.isSetAccessorDeclaration(parent) ||
        typescript.isEnumMember(parent);
      if (!(isName && member)) names.add(node.text);
    }
    typescript.forEachChild(node, visit);
  };
  visit(statement);
  return [...names];
}

/** The names a top-level statement declares (none for an expression statement). */
function declaredNames(typescript: typeof ts, statement: ts.Statement): string[] {
  if (typescript.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((d) => bindingNames(typescript, d.name));
  const named = statement as ts.Statement & { name?: ts.Node };
  return named.name && typescript.isIdentifier(named.name) ? [named.name.text] : [];
}

function bindingNames(typescript: typeof ts, name: ts.BindingName): string[] {
  if (typescript.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (typescript.isBindingElement(e) ? bindingNames(typescript, e.name) : []));
}
