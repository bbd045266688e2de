// The installable page: the manifest and its icons, the service worker (web/sw.js) that
// keeps the app shell and nothing else, and the opt-in notification of a session that
// is about to end while the page is in the background. Real camgate, camsim and Chromium;
// the page is served from a copy of web/ that the test changes as a deploy would.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test browser/pwa.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCamsim, startGateway, waitFor, ADMIN, USER } from '../support/gateway.mjs';
import { readShell, webDir } from '../support/shell.mjs';
import { logIn } from '../support/page.mjs';

const artifacts = process.env.CAMGATE_ARTIFACTS ?? '/tmp/camgate-artifacts';
mkdirSync(artifacts, { recursive: true });

const { SHELL, CACHE } = readShell();
let cam;
let gw;
let browser;
let cameraId;
let webRoot;

before(async () => {
  webRoot = mkdtempSync(path.join(tmpdir(), 'camgate-pwa-web-'));
  cpSync(webDir, webRoot, { recursive: true });
  cam = await startCamsim([], { resolution: '320x240', fps: 10 });
  // Every booked stream is warned at once (its booking ends within warn_before_s).
  gw = await startGateway({ config: '\n[access]\nwarn_before_s = 120\n', webRoot });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const r = await gw.api('POST', '/api/cameras', { token: gw.adminToken, body: { name: 'Chair 9', ip_address: '127.0.0.1', port: cam.port } });
  assert.equal(r.status, 201, r.text);
  cameraId = r.json.camera.id;
  await waitFor('the camera', async () => (await gw.api('GET', `/api/cameras/${cameraId}/snapshot`, { token: gw.adminToken })).status === 200);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await cam?.stop();
  if (webRoot) rmSync(webRoot, { recursive: true, force: true });
});

const shellUrls = () => new Set(SHELL.map((p) => new URL(p, `${gw.url}/`).href));

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Every answer the page got, and whether the service worker gave it.
  const responses = [];
  page.on('response', (r) => responses.push({ url: r.url(), method: r.request().method(), fromSw: r.fromServiceWorker() }));
  return { context, page, errors, responses };
}

const login = (page, user) => logIn(page, gw.url, user);

// Waits until the page's service worker is active and controls the page.
async function swControls(page) {
  const state = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
    // ready resolves while the worker may still be "activating".
    while (reg.active.state !== 'activated') {
      await new Promise((resolve) => reg.active.addEventListener('statechange', resolve, { once: true }));
    }
    return { state: reg.active.state, scope: reg.scope, script: reg.active.scriptURL };
  });
  return state;
}

// Every request stored in Cache Storage, by cache name.
const cacheContents = (page) => page.evaluate(async () => {
  const out = {};
  for (const name of await caches.keys()) {
    out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
  }
  return out;
});

// PNG width and height from the IHDR chunk.
const pngSize = (buf) => [buf.readUInt32BE(16), buf.readUInt32BE(20)];

test('the manifest is served as application/manifest+json, and its icons load at their sizes', async () => {
  const r = await fetch(`${gw.url}/manifest.webmanifest`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/manifest+json');
  const m = await r.json();
  assert.equal(m.display, 'standalone');
  assert.equal(m.start_url, './');
  assert.equal(m.scope, './');
  assert.match(m.theme_color, /^#[0-9a-f]{6}$/);
  assert.ok(m.name && m.short_name);
  const pngs = m.icons.filter((i) => i.type === 'image/png');
  for (const size of ['192x192', '512x512']) {
    assert.ok(pngs.some((i) => i.sizes === size && i.purpose === 'any'), `an "any" icon ${size}`);
    assert.ok(pngs.some((i) => i.sizes === size && i.purpose === 'maskable'), `a maskable icon ${size}`);
  }
  for (const icon of m.icons) {
    const res = await fetch(new URL(icon.src, r.url));
    assert.equal(res.status, 200, icon.src);
    assert.equal(res.headers.get('content-type'), icon.type, icon.src);
    const body = Buffer.from(await res.arrayBuffer());
    if (icon.type === 'image/png') {
      assert.deepEqual(body.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), `${icon.src} is a PNG`);
      assert.equal(pngSize(body).join('x'), icon.sizes, icon.src);
    }
  }
  const sw = await fetch(`${gw.url}/sw.js`);
  assert.match(sw.headers.get('content-type'), /^text\/javascript/);
  assert.equal(sw.headers.get('cache-control'), 'no-cache');
});

test('the service worker keeps only the shell: API answers, streams and odd requests go to the network', async () => {
  const { context, page, errors, responses } = await newPage();
  try {
    await page.goto(`${gw.url}/`);
    // The page links its manifest, theme colour and iOS icon.
    assert.equal(await page.getAttribute('link[rel="manifest"]', 'href'), 'manifest.webmanifest');
    assert.equal(await page.getAttribute('meta[name="theme-color"]', 'content'), '#0f5f6b');
    assert.equal(await page.getAttribute('link[rel="apple-touch-icon"]', 'href'), 'icons/apple-touch-icon.png');
    const sw = await swControls(page);
    assert.equal(sw.state, 'activated');
    assert.equal(sw.scope, `${gw.url}/`);
    assert.equal(sw.script, `${gw.url}/sw.js`);

    // Use the page: log in, the camera list, MJPEG, a snapshot, the analysis.
    await login(page, ADMIN);
    await page.locator('.card-title', { hasText: 'Chair 9' }).waitFor();
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/mjpeg`);
    await page.waitForFunction(() => Number(document.querySelector('#stat-frames')?.textContent) > 3, null, { timeout: 10000 });
    await page.locator('#mode-snapshot').check({ force: true });
    await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'playing', null, { timeout: 10000 });
    await page.locator('#analyze').click();
    await page.locator('#analysis-frame-size').waitFor({ timeout: 10000 });
    await page.goto(`${gw.url}/#/cameras`);
    await page.locator('.card-title', { hasText: 'Chair 9' }).waitFor();

    // Requests the worker must leave alone, made by the controlled page.
    const odd = await page.evaluate(async () => {
      const status = async (p) => (await fetch(p.url, p.init)).status;
      return {
        range: await status({ url: 'js/app.js', init: { headers: { Range: 'bytes=0-9' } } }),
        query: await status({ url: 'js/app.js?v=2' }),
        post: await status({ url: '/auth/login', init: { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' } }),
        api: await status({ url: '/api/cameras' }),
        shell: await status({ url: 'js/ui.js' }),
      };
    });
    assert.equal(odd.shell, 200);
    assert.equal(odd.api, 200);

    // What the cache holds: exactly the shell, nothing of the API, auth or streams.
    const contents = await cacheContents(page);
    assert.deepEqual(Object.keys(contents), [CACHE]);
    const cached = new Set(contents[CACHE]);
    for (const u of cached) {
      assert.ok(shellUrls().has(u), `${u} is a SHELL file`);
      assert.doesNotMatch(new URL(u).pathname, /^\/(api|auth|streaming|socket\.io)\/|^\/signaling$/, u);
      assert.equal(new URL(u).search, '', u);
    }
    assert.deepEqual([...shellUrls()].filter((u) => !cached.has(u)), [], 'the whole shell is kept');

    // Who answered: the worker only for shell files; the API, the MJPEG stream, the
    // snapshot, the analysis, the login and the odd requests came from the network.
    const api = responses.filter((r) => /\/(api|auth)\//.test(r.url));
    assert.ok(api.some((r) => r.url.endsWith(`/api/cameras/${cameraId}/stream`)), 'the MJPEG stream was seen');
    assert.ok(api.some((r) => r.url.includes(`/api/cameras/${cameraId}/analyze`)), 'the analysis was seen');
    assert.deepEqual(api.filter((r) => r.fromSw).map((r) => r.url), [], 'no API answer from the service worker');
    const oddOnes = responses.filter((r) => /js\/app\.js\?v=2$/.test(r.url) || (r.url.endsWith('/auth/login') && r.method === 'POST'));
    assert.ok(oddOnes.length >= 2 && oddOnes.every((r) => !r.fromSw), 'query and POST went to the network');
    assert.ok(responses.some((r) => r.url === `${gw.url}/js/ui.js` && r.fromSw), 'a shell file came through the service worker');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(artifacts, 'pwa-01-cameras.png') });
  } finally {
    await context.close();
  }
});

test('with the worker active, changed data and a new deploy show; offline, a reload shows the shell', async () => {
  const { context, page, errors, responses } = await newPage();
  try {
    await login(page, ADMIN);
    await swControls(page);
    await page.locator('.card-title', { hasText: 'Chair 9' }).waitFor();
    // Data changed on the server reaches the page (the list is read every 2 s).
    const renamed = await gw.api('PATCH', `/api/cameras/${cameraId}`, { token: gw.adminToken, body: { name: 'Chair 9 (renamed)' } });
    assert.equal(renamed.status, 200, renamed.text);
    await page.locator('.card-title', { hasText: 'Chair 9 (renamed)' }).waitFor({ timeout: 5000 });
    assert.ok(responses.filter((r) => r.url.endsWith('/api/cameras')).every((r) => !r.fromSw));

    // A deploy changes a shell file: the next load shows it (network first) and the copy follows.
    appendFileSync(path.join(webRoot, 'css', 'app.css'), '\n.deploy-marker-2 { order: 2; }\n');
    await page.reload();
    await page.locator('.card-title', { hasText: 'Chair 9 (renamed)' }).waitFor();
    const hasMarker = () => page.evaluate(() => [...document.styleSheets].some((s) => [...s.cssRules].some((r) => r.selectorText === '.deploy-marker-2')));
    assert.equal(await hasMarker(), true, 'the new stylesheet is used');
    const copy = await page.evaluate(async (name) => (await (await caches.open(name)).match('css/app.css')).text(), CACHE);
    assert.match(copy, /deploy-marker-2/, 'the cached copy was updated');

    // Offline: the shell comes from the cache; the page opens (the login form, since the
    // gateway cannot be asked about the session) and is styled.
    await context.setOffline(true);
    await page.reload();
    await page.getByLabel('User name').waitFor({ timeout: 10000 });
    assert.equal(await hasMarker(), true, 'the stylesheet came from the cache');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(243, 245, 247)');
    await page.screenshot({ path: path.join(artifacts, 'pwa-02-offline.png') });
    await context.setOffline(false);
    // Nothing of the API slipped into the cache meanwhile.
    const contents = await cacheContents(page);
    assert.ok(contents[CACHE].every((u) => shellUrls().has(u)), JSON.stringify(contents));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await gw.api('PATCH', `/api/cameras/${cameraId}`, { token: gw.adminToken, body: { name: 'Chair 9' } });
  }
});

test('opted in, a hidden page gets a system notification when the session is about to end; a visible one does not', async () => {
  const now = Math.floor(Date.now() / 1000);
  const b = await gw.api('POST', '/api/bookings', {
    token: gw.adminToken,
    body: { username: USER.username, resource: `camera:${cameraId}`, starts_at: now - 60, ends_at: now + 90, note: 'pwa test' },
  });
  assert.equal(b.status, 201, b.text);
  const { context, page, errors } = await newPage();
  try {
    await login(page, USER);
    await swControls(page);
    // Nothing is asked before the button is pressed.
    const button = page.getByRole('button', { name: 'Notifications' });
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    assert.equal(await page.evaluate(() => Notification.permission), 'default');
    await context.grantPermissions(['notifications'], { origin: gw.url });
    await button.click();
    assert.equal(await button.getAttribute('aria-pressed'), 'true');
    const notifications = () => page.evaluate(async () =>
      (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag })));

    // Visible: the booking bar warns (WebSocket notice), no notification.
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/ws`);
    await page.waitForFunction(() => document.querySelector('#session-bar')?.dataset.warned === 'gateway', null, { timeout: 10000 });
    await page.waitForTimeout(500);
    assert.deepEqual(await notifications(), []);

    // Hidden (emulated: headless pages are always visible), in the MJPEG view, whose
    // warning comes over the event stream: a notification.
    await page.goto(`${gw.url}/#/cameras`);
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/mjpeg`);
    const shown = await waitFor('a notification', async () => {
      const n = await notifications();
      return n.length ? n : null;
    }, 10000);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.match(shown[0].title, /^Chair 9: your session ends at \d\d:\d\d$/);
    assert.equal(shown[0].tag, `camgate-session-camera:${cameraId}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await gw.api('DELETE', `/api/bookings/${b.json.booking.id}`, { token: gw.adminToken });
  }
});
