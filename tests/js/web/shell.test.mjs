// The service worker's SHELL (web/sw.js) lists exactly the files of web/: a file added to
// the page but not to SHELL would be missing offline (and one listed but gone would make
// the service worker's install fail). No gateway or browser needed.
//
//   cd tests/js && node --test web/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readShell, filesUnder, webDir } from '../support/shell.mjs';

// sw.js is the service worker itself: the browser keeps it, not the cache.
const NOT_IN_SHELL = new Set(['sw.js']);

function drift(dir) {
  const { SHELL } = readShell(dir);
  const listed = new Set(SHELL);
  const files = filesUnder(dir).filter((f) => !NOT_IN_SHELL.has(f));
  return {
    missing: files.filter((f) => !listed.has(f)),
    gone: SHELL.filter((p) => p !== '' && !files.includes(p)),
    duplicates: SHELL.filter((p, i) => SHELL.indexOf(p) !== i),
    SHELL,
  };
}

test('SHELL lists every file of web/ but sw.js, and nothing else', () => {
  const d = drift(webDir);
  assert.deepEqual(d.missing, [], 'files in web/ missing from SHELL in web/sw.js');
  assert.deepEqual(d.gone, [], 'SHELL entries with no file in web/');
  assert.deepEqual(d.duplicates, []);
  assert.ok(d.SHELL.includes(''), 'the page itself (the scope\'s root) is in SHELL');
  assert.ok(d.SHELL.every((p) => !p.startsWith('/') && !p.includes('?')), 'SHELL paths are relative to the scope, without queries');
});

test('the drift check fails when a file is added to web/ without SHELL', () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'camgate-web-'));
  try {
    cpSync(webDir, copy, { recursive: true });
    assert.deepEqual(drift(copy).missing, []);
    writeFileSync(path.join(copy, 'js', 'views', 'new_view.js'), 'export {};\n');
    assert.deepEqual(drift(copy).missing, ['js/views/new_view.js']);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('the manifest\'s icons and the page\'s links name files that are in SHELL', async () => {
  const { SHELL } = readShell(webDir);
  const { readFileSync } = await import('node:fs');
  const manifest = JSON.parse(readFileSync(path.join(webDir, 'manifest.webmanifest'), 'utf8'));
  for (const icon of manifest.icons) assert.ok(SHELL.includes(icon.src), `${icon.src} in SHELL`);
  const html = readFileSync(path.join(webDir, 'index.html'), 'utf8');
  for (const [, href] of html.matchAll(/(?:href|src)="([^"#:]+)"/g)) assert.ok(SHELL.includes(href), `${href} in SHELL`);
});
