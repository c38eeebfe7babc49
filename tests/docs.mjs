// The README and docs/ checked without a network or a build (a layer of scripts/test):
// - every relative link resolves to a file, and every #anchor to a heading (GitHub's slugs);
// - every JS/Vue code block is either a copy of a file the test run executes
//   (`<!-- snippet: path -->` or `<!-- snippet: path#region -->` on the line before it:
//   byte-identical to the file, or to the region between `docs:begin NAME` and
//   `docs:end NAME` with its common indent removed) or says why it is not run
//   (`<!-- not run: reason -->`; not allowed in the README);
// - Rust code blocks appear only where the doctests include them (README.md,
//   docs/rust.md: `src/lib.rs`, `DocsExamples`), so each one is compiled;
// - the README stays short, and every docs page exists and is linked from it.
// Run: node --test tests/docs.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const PAGES = [README, ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f))];
const REQUIRED = [
  'heartbeat-and-reconnect.md', 'shared-tabs.md', 'libraries.md', 'send-queue.md',
  'migrating-from-websocketClass.md', 'rust.md', 'performance.md', 'architecture.md',
  'testing.md', 'bad-input.md', 'promises.md',
];
// The Markdown files whose Rust blocks the doctests include (src/lib.rs, DocsExamples).
const RUST_COMPILED = [README, join(DOCS, 'rust.md')];
const JS_LANGS = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript', 'vue', 'jsx', 'tsx']);

/** Splits a Markdown file into code blocks (with the line before each) and prose lines. */
function parse(text) {
  const lines = text.split('\n');
  const blocks = [];
  const prose = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) {
      prose.push({ line: i + 1, text: lines[i] });
      continue;
    }
    const fence = open[2];
    const start = i;
    const body = [];
    for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence); i++) body.push(lines[i]);
    blocks.push({ line: start + 1, info: open[3], lang: open[3].split(',')[0], body: body.join('\n') + '\n', before: lines[start - 1] ?? '' });
  }
  return { blocks, prose };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1/-2 for repeats. */
function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const { text: line } of parse(text).prose) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const plain = h[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links: their text
      .replace(/<[^>]+>/g, ''); // inline HTML
    let slug = plain.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    if (n > 0) slug = `${slug}-${n}`;
    out.add(slug);
  }
  return out;
}

/** The Markdown links of a file's prose (inline code removed first). */
function links(text) {
  const out = [];
  for (const { line, text: l } of parse(text).prose) {
    const stripped = l.replace(/`[^`]*`/g, '');
    for (const m of stripped.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line, target: m[1] });
    for (const m of stripped.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)) out.push({ line, target: m[1] });
  }
  return out;
}

const rel = (f) => relative(ROOT, f);

test('relative links and anchors in README.md and docs/ resolve', () => {
  const problems = [];
  for (const page of PAGES) {
    const text = readFileSync(page, 'utf8');
    for (const { line, target } of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:: no network
      const [path, anchor] = target.split('#');
      const file = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
      if (!file.startsWith(ROOT)) {
        problems.push(`${rel(page)}:${line}: ${target} leaves the repository`);
        continue;
      }
      if (!existsSync(file)) {
        problems.push(`${rel(page)}:${line}: ${target}: no such file`);
        continue;
      }
      if (anchor !== undefined) {
        if (statSync(file).isDirectory() || !file.endsWith('.md')) {
          problems.push(`${rel(page)}:${line}: ${target}: an anchor into a file that is not Markdown`);
        } else if (!anchors(readFileSync(file, 'utf8')).has(anchor)) {
          problems.push(`${rel(page)}:${line}: ${target}: no heading with the anchor #${anchor} in ${rel(file)}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

/** The text a `snippet:` marker names: a whole file, or a region of it, dedented. */
function snippetSource(spec) {
  const [path, region] = spec.split('#');
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (!region) return text;
  const m = new RegExp(`docs:begin ${region}\\b[^\\n]*\\n([\\s\\S]*?)\\n[ \\t]*(?://|<!--|#)\\s*docs:end ${region}\\b`).exec(text);
  assert.ok(m, `${path} has no region ${region} (docs:begin ${region} … docs:end ${region})`);
  const lines = m[1].split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)[0].length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

test('every JS/Vue code block is a tested file (snippet) or says why it is not run', () => {
  const problems = [];
  let snippets = 0;
  let notRun = 0;
  for (const page of PAGES) {
    for (const b of parse(readFileSync(page, 'utf8')).blocks) {
      if (!JS_LANGS.has(b.lang)) continue;
      const snippet = /^<!--\s*snippet:\s*(\S+)\s*-->$/.exec(b.before.trim());
      const skip = /^<!--\s*not run:\s*\S.*-->$/.test(b.before.trim());
      if (snippet) {
        snippets++;
        const spec = snippet[1];
        if (!existsSync(join(ROOT, spec.split('#')[0]))) {
          problems.push(`${rel(page)}:${b.line}: snippet ${spec}: no such file`);
        } else if (snippetSource(spec) !== b.body) {
          problems.push(`${rel(page)}:${b.line}: the block differs from ${spec} (copy the file's text into it, or change both)`);
        }
      } else if (skip && page !== README) {
        notRun++;
      } else {
        problems.push(`${rel(page)}:${b.line}: a ${b.lang} block without <!-- snippet: path --> ${page === README ? '(the README shows tested files only)' : 'or <!-- not run: reason -->'}`);
      }
    }
  }
  console.log(`JS/Vue blocks: ${snippets} copied from tested files, ${notRun} marked "not run"`);
  assert.deepEqual(problems, []);
});

test('Rust code blocks are only where the doctests compile them, and none is ignored', () => {
  const problems = [];
  for (const page of PAGES) {
    for (const b of parse(readFileSync(page, 'utf8')).blocks) {
      const rust = b.lang === 'rust';
      if (b.info === '') problems.push(`${rel(page)}:${b.line}: a code block without a language (rustdoc would compile it as Rust)`);
      if (!rust) continue;
      if (!RUST_COMPILED.includes(page)) problems.push(`${rel(page)}:${b.line}: a rust block in a file the doctests do not include (src/lib.rs DocsExamples)`);
      if (/\b(ignore|compile_fail)\b/.test(b.info)) problems.push(`${rel(page)}:${b.line}: ${b.info}: every Rust example must compile`);
    }
  }
  const lib = readFileSync(join(ROOT, 'src/lib.rs'), 'utf8');
  for (const f of RUST_COMPILED) {
    assert.ok(lib.includes(`include_str!("../${rel(f)}")`), `src/lib.rs includes ${rel(f)} as doctests`);
  }
  assert.deepEqual(problems, []);
});

test('the README is short, and every docs page exists and is linked from it', () => {
  const text = readFileSync(README, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  assert.ok(lines <= 250, `README.md has ${lines} lines; keep it at 250 or fewer and move depth to docs/`);
  assert.doesNotMatch(text, /\bissue (#?\d+)/i, 'no internal issue numbers in the README');
  const linked = new Set(links(text).map(({ target }) => resolve(ROOT, target.split('#')[0])));
  for (const name of REQUIRED) {
    assert.ok(existsSync(join(DOCS, name)), `docs/${name} exists`);
  }
  for (const page of PAGES.slice(1)) {
    assert.ok(linked.has(page), `${rel(page)} is linked from README.md`);
  }
});

test('the anchor slugs follow GitHub', () => {
  const a = anchors('# Where it differs from the native `WebSocket`\n## Engines × layers\n## A\n## A\n## One connection for all tabs (`shared: true`)\n');
  assert.deepEqual([...a], ['where-it-differs-from-the-native-websocket', 'engines--layers', 'a', 'a-1', 'one-connection-for-all-tabs-shared-true']);
});
