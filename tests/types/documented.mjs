// Every declaration and member of the package's TypeScript declarations carries a doc
// comment (a layer of scripts/test, after `tsc --strict`): npm/index.d.ts, npm/vue.d.ts, npm/react.d.ts and
// the wasm-bindgen output pkg/resilient_ws.d.ts (its text comes from the doc comments and
// `typescript_custom_section`s in src/js/*.rs). What wasm-bindgen itself generates
// (`free`, `[Symbol.dispose]`, the init types) is exempt: we do not write it.
// Run: node tests/types/documented.mjs   (after scripts/build web pkg)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILES = ['npm/index.d.ts', 'npm/vue.d.ts', 'npm/react.d.ts', 'pkg/resilient_ws.d.ts'];
const GENERATED = new Set(['free', '[Symbol.dispose]', 'InitInput', 'InitOutput', 'SyncInitInput']);

const documented = (node) => (node.jsDoc ?? []).some((d) => (typeof d.comment === 'string' ? d.comment : d.comment?.map((c) => c.text).join('') ?? '').trim() !== '');
const nameOf = (node, sf) => (node.name ? node.name.getText(sf) : ts.isConstructorDeclaration(node) ? 'constructor' : ts.SyntaxKind[node.kind]);

const missing = [];
let checked = 0;
for (const file of FILES) {
  const sf = ts.createSourceFile(file, readFileSync(ROOT + file, 'utf8'), ts.ScriptTarget.Latest, true);
  const check = (node, owner) => {
    const name = nameOf(node, sf);
    if (GENERATED.has(name)) return;
    checked++;
    if (!documented(node)) {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      missing.push(`${file}:${line + 1}: ${owner ? `${owner}.` : ''}${name}`);
    }
  };
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && !st.exportClause) continue; // export * from …
    if (ts.isImportDeclaration(st)) continue;
    check(st);
    if (ts.isInterfaceDeclaration(st) || ts.isClassDeclaration(st)) {
      const owner = st.name?.getText(sf);
      if (GENERATED.has(owner)) continue;
      for (const m of st.members) check(m, owner);
    }
  }
}
if (missing.length) {
  console.error(`not ok: ${missing.length} of ${checked} declarations have no doc comment:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`ok: ${checked} declarations, each with a doc comment (${FILES.join(', ')})`);
