#!/usr/bin/env node
// Plays a recording in headless Chromium the way the web page does (a <video> element
// whose src is /api/recordings/{id}/media) and prints, as one JSON line, the time from
// setting src to 'loadeddata' (the first picture can be shown) and from setting
// currentTime to the middle to 'seeked'. A fresh element per repeat (the media answers
// are `no-store`, so nothing comes from the cache). For bench/run's "recording" scenario.
//
//   node bench/recording/playback.mjs --url http://127.0.0.1:PORT --token JWT --id N [--repeat 5]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../tests/js/package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const url = opt('--url');
const token = opt('--token');
const id = opt('--id');
const repeat = Number(opt('--repeat', '5'));
if (!url || !token || !id) {
  console.error('usage: playback.mjs --url URL --token JWT --id N [--repeat 5]');
  process.exit(2);
}

async function play({ src, repeat }) {
  const once = (el, ev, ms = 10000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${ev}' within ${ms} ms`)), ms);
    el.addEventListener(ev, () => { clearTimeout(t); resolve(performance.now()); }, { once: true });
    el.addEventListener('error', () => { clearTimeout(t); reject(new Error(`media error ${el.error?.code}: ${el.error?.message}`)); }, { once: true });
  });
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    const v = document.createElement('video');
    v.muted = true;
    v.preload = 'auto';
    document.body.appendChild(v);
    const loaded = once(v, 'loadeddata');
    const t0 = performance.now();
    v.src = src;
    const t1 = await loaded;
    // fragmented MP4: the duration may be unknown until the end is read
    const known = Number.isFinite(v.duration) ? v.duration : null;
    const end = v.seekable.length ? v.seekable.end(v.seekable.length - 1) : known;
    const target = (known ?? end ?? 0) / 2;
    const seeked = once(v, 'seeked');
    const t2 = performance.now();
    v.currentTime = target;
    const t3 = await seeked;
    runs.push({ load_ms: t1 - t0, seek_ms: t3 - t2, duration_s: known, seek_to_s: target,
      width: v.videoWidth, height: v.videoHeight });
    v.removeAttribute('src');
    v.load();
    v.remove();
  }
  return runs;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
});
let code = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${url}/health`);
  const src = `${url}/api/recordings/${id}/media?access_token=${encodeURIComponent(token)}`;
  const runs = await page.evaluate(play, { src, repeat });
  const pick = (k) => runs.map((r) => r[k]).sort((a, b) => a - b);
  const p50 = (xs) => Math.round(xs[Math.floor((xs.length - 1) / 2)] * 10) / 10;
  const max = (xs) => Math.round(xs[xs.length - 1] * 10) / 10;
  const load = pick('load_ms');
  const seek = pick('seek_ms');
  console.log(JSON.stringify({ loadeddata_ms_p50: p50(load), loadeddata_ms_max: max(load),
    seeked_ms_p50: p50(seek), seeked_ms_max: max(seek), repeat: runs.length,
    duration_s: runs[0].duration_s, seek_to_s: runs[0].seek_to_s, width: runs[0].width,
    height: runs[0].height, first_load_ms: Math.round(runs[0].load_ms * 10) / 10 }));
} catch (e) {
  console.error(`playback: ${e.message}`);
  console.log(JSON.stringify({ error: e.message }));
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
