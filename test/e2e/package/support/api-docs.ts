/** What an editor shows of a package: the doc comments of its exports, read with TypeScript's checker. */
import ts from 'typescript';

function exportsOf(program: ts.Program, entry: ts.SourceFile): Map<string, ts.Symbol> {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(entry);
  if (module === undefined) throw new Error(`${entry.fileName} is not a module`);
  return new Map(
    checker
      .getExportsOfModule(module)
      .map((symbol) => [symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol]),
  );
}

/** The property names of the exported interface `name`. */
export function propertiesOf(program: ts.Program, entry: ts.SourceFile, name: string): string[] {
  const symbol = exportsOf(program, entry).get(name);
  if (symbol === undefined) throw new Error(`${name} is not exported`);
  const checker = program.getTypeChecker();
  return checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((p) => p.name);
}

const documented = (symbol: ts.Symbol, checker: ts.TypeChecker) =>
  symbol.getDocumentationComment(checker).some((part) => part.text.trim() !== '');

/**
 * Exports without a doc comment, and public members without one (`Type.member`) of exported
 * interfaces and classes: instance and static members declared in the package itself (not those
 * inherited from Nest or declared by a base class elsewhere).
 */
export function undocumentedExports(program: ts.Program, entry: ts.SourceFile): string[] {
  const checker = program.getTypeChecker();
  const packageDir = entry.fileName.slice(0, entry.fileName.lastIndexOf('/dist/') + 1);
  const ownPublic = (member: ts.Symbol) =>
    (member.declarations ?? []).length > 0 &&
    member.declarations!.every(
      (d) =>
        d.getSourceFile().fileName.startsWith(packageDir) &&
        !(ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) &&
        !(ts.isPropertyDeclaration(d) || ts.isMethodDeclaration(d) ? ts.isPrivateIdentifier(d.name) : false),
    );
  const missing: string[] = [];
  for (const [name, symbol] of exportsOf(program, entry)) {
    if (!documented(symbol, checker)) missing.push(name);
    const members: ts.Symbol[] = [];
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) {
      members.push(...checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)));
    }
    if (symbol.flags & ts.SymbolFlags.Class) {
      const statics = checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol));
      members.push(...statics.filter((member) => member.name !== 'prototype'));
    }
    for (const member of members) {
      if (ownPublic(member) && !documented(member, checker)) missing.push(`${name}.${member.name}`);
    }
  }
  return missing.sort();
}

/** The names a module exports, sorted. */
export function exportedNames(program: ts.Program, entry: ts.SourceFile): string[] {
  return [...exportsOf(program, entry).keys()].sort();
}

/** Exports whose doc comment lacks the JSDoc tag `@<tag>` (for names both a type and a value: either). */
export function exportsWithoutTag(program: ts.Program, entry: ts.SourceFile, tag: string): string[] {
  const checker = program.getTypeChecker();
  return [...exportsOf(program, entry)]
    .filter(([, symbol]) => !symbol.getJsDocTags(checker).some((t) => t.name === tag))
    .map(([name]) => name)
    .sort();
}
