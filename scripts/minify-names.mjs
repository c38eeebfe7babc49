// Shortens the names the wasm module and its JS glue use for each other. wasm-bindgen names
// every import `__wbg_<name>_<16 hex digits>` in one module per snippet file, and every export
// `<class>_<method>`; those names are in the .wasm and again in the glue, and the hashes do
// not compress. binaryen's `--minify-imports-and-exports-and-modules` renames them in the
// .wasm (one import module "a", names "a", "b", …) and prints the mapping; this script applies
// that mapping to the glue wasm-bindgen wrote (`--target web`), and fails if any name is left
// unmapped, so a change in wasm-bindgen's output cannot pass silently.
// Usage: node scripts/minify-names.mjs WASM GLUE_JS WASM_OPT [FEATURE_FLAGS...]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

const [wasm, glue, wasmOpt, ...flags] = process.argv.slice(2);
const out = execFileSync(
  wasmOpt,
  [wasm, '--minify-imports-and-exports-and-modules', ...flags, '-o', `${wasm}.min`],
  { encoding: 'utf8', maxBuffer: 64 << 20 },
);
const map = JSON.parse(out.slice(out.indexOf('{')));
let js = readFileSync(glue, 'utf8');
const fail = (what) => {
  console.error(`minify-names: ${what}`);
  process.exit(1);
};
const esc = (s) => s.replace(/[$]/g, '\\$');

// Exports: every `wasm.<name>` in the glue.
const exportNames = new Map(map.exports.map(([from, to]) => [from, to]));
js = js.replace(/\bwasm\.([A-Za-z0-9_$]+)/g, (whole, name) => {
  const to = exportNames.get(name);
  if (to === undefined) fail(`the glue uses wasm.${name}, which the module does not export`);
  return `wasm.${to}`;
});

// Imports: the glue builds `{ "./<name>_bg.js": import0, "./snippets/…": importN, … }`.
const ret = /return \{\n\s*__proto__: null,\n((?:\s*"[^"]+": import\d+,\n)+)\s*\};/.exec(js);
if (!ret) fail("the glue's import object was not found");
const modules = new Map();
for (const m of ret[1].matchAll(/"([^"]+)": (import\d+)/g)) modules.set(m[1], m[2]);
const extra = [];
for (const [module, name, to] of map.imports) {
  const ns = modules.get(module);
  if (ns === undefined) fail(`the module imports from ${module}, which the glue does not provide`);
  if (ns === 'import0') {
    const key = new RegExp(`^(\\s+)${esc(name)}:`, 'm');
    if (!key.test(js)) fail(`the glue has no import ${name}`);
    js = js.replace(key, `$1${to}:`);
  } else {
    extra.push(`${to}: ${ns}.${name}`);
  }
}
js = js.replace(ret[0], `return { __proto__: null, a: { ...import0, ${extra.join(', ')} } };`);
if (/__wbg_[A-Za-z0-9_]+_[0-9a-f]{16}\b/.test(js)) fail('a hashed import name is left in the glue');

// What `init()`/`initSync()` return: wasm-bindgen returns the module's exports, typed as
// `InitOutput` with every export's name. The names are internal (and now minified); the one
// an application may use is `memory`, so the result becomes `{ memory }`, and the .d.ts says so.
const memory = exportNames.get('memory');
if (memory === undefined) fail('the module exports no memory');
const returns = js.split('return wasm;').length - 1;
if (returns !== 3) fail(`expected 3 'return wasm;' in the glue, found ${returns}`);
js = js.replaceAll('return wasm;', 'return { memory: wasm.' + memory + ' };');
const dts = glue.replace(/\.js$/, '.d.ts');
let types = readFileSync(dts, 'utf8');
const output = /export interface InitOutput \{\n[^}]*\n\}/.exec(types);
if (!output) fail("the .d.ts's InitOutput was not found");
types = types.replace(output[0], 'export interface InitOutput {\n    readonly memory: WebAssembly.Memory;\n}');
writeFileSync(dts, types);
writeFileSync(glue, js);
renameSync(`${wasm}.min`, wasm);
