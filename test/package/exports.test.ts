/** Every subpath of package.json's exports map has its source entry, and that entry loads and exports something. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; default: string }>; bin: Record<string, string> };

test('each export of package.json maps to a src entry that loads', async () => {
  const entries = Object.entries(pkg.exports).filter(([k]) => k !== './package.json');
  assert.ok(entries.length >= 10);
  for (const [subpath, target] of entries) {
    assert.equal(typeof target, 'object', subpath);
    const { types, default: js } = target as { types: string; default: string };
    assert.match(js, /^\.\/dist\/.*\.js$/, subpath);
    assert.equal(types, js.replace(/\.js$/, '.d.ts'), `${subpath}: declarations next to the code`);
    const src = join(root, js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
    assert.ok(existsSync(src), `${subpath}: ${src} exists`);
    const mod = (await import(pathToFileURL(src).href)) as Record<string, unknown>;
    assert.ok(Object.keys(mod).length > 0, `${subpath} exports something`);
  }
});

test('the verdict bin is the compiled CLI', () => {
  assert.equal(pkg.bin.verdict, 'dist/cli/main.js');
  assert.ok(existsSync(join(root, 'src/cli/main.ts')));
});
