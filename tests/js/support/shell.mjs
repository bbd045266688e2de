// The service worker's SHELL list (web/sw.js), read by running the script's top level in
// a bare VM context: its listeners are registered on a `self` that ignores them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { sourceDir } from './gateway.mjs';

export const webDir = process.env.CAMGATE_WEB_DIR ?? path.join(sourceDir, 'web');

export function readShell(dir = webDir) {
  const code = readFileSync(path.join(dir, 'sw.js'), 'utf8');
  const self = { addEventListener() {}, registration: { scope: 'http://camgate.test/' } };
  const r = vm.runInNewContext(`${code}\n;({ SHELL, CACHE })`, { self, URL });
  return { SHELL: Array.from(r.SHELL), CACHE: r.CACHE }; // arrays of this realm, for deepEqual
}

// Every file under `dir`, as paths relative to it with "/" separators, sorted.
export function filesUnder(dir = webDir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(dir, rel) : [rel];
  }).sort();
}
