/**
 * The project's import graph, read from the source text with the TypeScript
 * parser (no type checking, so it takes a second): every import, export-from,
 * `import x = require()`, `require()`, `import()` and `import('...')` type of
 * every .ts file under src/, steps/, docs/, test/ and bench/, and every
 * `require()` of scripts/*.cjs. Type-only imports count like any other: a
 * type import still ties the importer to the module's layer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const ROOT = path.resolve(__dirname, '../..');

export interface ImportEdge {
  /** The importing file, relative to the project root with forward slashes. */
  readonly from: string;
  /** The imported file, relative to the root, or the package name for a non-relative specifier. */
  readonly to: string;
  /** The specifier as written. */
  readonly specifier: string;
  readonly line: number;
  readonly typeOnly: boolean;
  /** The specifier names a package (node:fs, typescript ...), not a file of the project. */
  readonly isPackage: boolean;
}

const TS_FOLDERS = ['src', 'steps', 'docs', 'test', 'bench'];

function filesUnder(folder: string, extension: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full, extension);
    return entry.isFile() && entry.name.endsWith(extension) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every file the graph reads, relative to the root. */
export function projectSourceFiles(): string[] {
  const scripts = fs.readdirSync(path.join(ROOT, 'scripts')).filter((f) => f.endsWith('.cjs')).map((f) => path.join(ROOT, 'scripts', f));
  return [...TS_FOLDERS.flatMap((f) => filesUnder(path.join(ROOT, f), '.ts')), ...scripts].map(relative).sort();
}

function relative(file: string): string {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

/** The project file a relative specifier names: the path as written, or with .ts, .cjs, .js or /index.ts added. */
function resolveSpecifier(from: string, specifier: string): string {
  const base = path.resolve(ROOT, path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.cjs`, `${base}.js`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return relative(candidate);
  }
  return relative(base);
}

/** The imports of one file's source text. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, file.endsWith('.cjs') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!literal || !ts.isStringLiteralLike(literal)) return; // a computed path (require(modulePath)) names no module here
    const specifier = literal.text;
    const isPackage = !specifier.startsWith('.');
    edges.push({
      from: file,
      to: isPackage ? specifier : resolveSpecifier(file, specifier),
      specifier,
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
      typeOnly,
      isPackage,
    });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal as ts.Expression, true);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** Every import of every project file. */
export function projectImportGraph(): ImportEdge[] {
  return projectSourceFiles().flatMap((file) => importsOf(file, fs.readFileSync(path.join(ROOT, file), 'utf8')));
}
