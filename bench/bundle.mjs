// Bundles the two peer libraries for the bench page (esbuild, ES modules,
// --minify) and measures the sizes of what each client ships: the peers'
// minified bundles and our release .wasm + JS glue (+ wasm-bindgen snippets),
// raw and `gzip -9`.
//
//   node bench/bundle.mjs SITE_DIR      (SITE_DIR/pkg must hold the release build)
//
// Writes SITE_DIR/peers/*.js and SITE_DIR/sizes.json; prints the sizes.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const site = process.argv[2];
if (!site) {
  console.error('usage: node bench/bundle.mjs SITE_DIR');
  process.exit(2);
}
const here = fileURLToPath(new URL('.', import.meta.url));
const esbuildVersion = JSON.parse(readFileSync(join(here, '../node_modules/esbuild/package.json'), 'utf8')).version;
const pkgVersion = (name) => JSON.parse(readFileSync(join(here, `../node_modules/${name}/package.json`), 'utf8')).version;

const raw = (file) => statSync(file).size;
const gzip9 = (file) => execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 1 << 30 }).length;
const sizeOf = (file) => ({ file: relative(site, file), raw: raw(file), gzip9: gzip9(file) });

mkdirSync(join(site, 'peers'), { recursive: true });
const peers = {};
for (const name of ['partysocket', 'reconnecting-websocket']) {
  const outfile = join(site, 'peers', `${name}.js`);
  await build({
    entryPoints: [join(here, 'peers', `${name}.js`)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    outfile,
    logLevel: 'warning',
  });
  peers[name] = { version: pkgVersion(name), bundle: sizeOf(outfile) };
}

// Our package as the release build ships it.
const pkg = join(site, 'pkg');
const wasm = sizeOf(join(pkg, 'resilient_ws_bg.wasm'));
const glue = sizeOf(join(pkg, 'resilient_ws.js'));
const snippets = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.js')) snippets.push(sizeOf(p));
  }
};
try {
  walk(join(pkg, 'snippets'));
} catch {
  // no snippets
}
const snippetsRaw = snippets.reduce((a, s) => a + s.raw, 0);
const snippetsGzip = snippets.reduce((a, s) => a + s.gzip9, 0);
// For reference only: the glue as an app's bundler would minify it.
const minGlueFile = join(site, 'resilient_ws.glue.min.js');
await build({
  entryPoints: [join(pkg, 'resilient_ws.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  minify: true,
  outfile: minGlueFile,
  logLevel: 'error',
});
const resilient = {
  wasm,
  glue,
  snippets,
  total: {
    raw: wasm.raw + glue.raw + snippetsRaw,
    gzip9: wasm.gzip9 + glue.gzip9 + snippetsGzip,
    note: 'release .wasm (wasm-opt -Oz) + JS glue + wasm-bindgen snippets as shipped, each file gzip -9 separately',
  },
  glueMinifiedForReference: sizeOf(minGlueFile),
};

const sizes = { esbuild: esbuildVersion, resilientWs: resilient, peers };
writeFileSync(join(site, 'sizes.json'), JSON.stringify(sizes, null, 2));
const kb = (b) => `${(b / 1000).toFixed(1)} kB`;
console.log(
  `bundle: resilient-ws wasm ${kb(wasm.raw)} (${kb(wasm.gzip9)} gz) + glue ${kb(glue.raw)} (${kb(glue.gzip9)} gz)` +
    (snippets.length ? ` + ${snippets.length} snippet(s) ${kb(snippetsRaw)} (${kb(snippetsGzip)} gz)` : '') +
    ` = ${kb(resilient.total.raw)} (${kb(resilient.total.gzip9)} gzip -9)`,
);
for (const [name, p] of Object.entries(peers)) {
  console.log(`bundle: ${name} ${p.version}: esbuild --minify ${kb(p.bundle.raw)} (${kb(p.bundle.gzip9)} gzip -9)`);
}
