// Browser test of the watch page's live analysis: an admin sets the camera's profile to
// "always" at 2 fps through the page, the panel's values move with the event stream
// (motion score, chart), and a toast appears when the camera stalls (camsim's fault).
// The camera settings panel reads the camera (or shows the gateway's refusal).
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test --test-concurrency=1 browser/analysis.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCamsim, startGateway, ADMIN, waitFor } from '../support/gateway.mjs';

const artifacts = process.env.CAMGATE_ARTIFACTS ?? '/tmp/camgate-artifacts';
mkdirSync(artifacts, { recursive: true });

let cam;
let gw;
let browser;
let cameraId;

before(async () => {
  cam = await startCamsim([], { resolution: '320x240', fps: 15 });
  gw = await startGateway();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const r = await gw.api('POST', '/api/cameras', { token: gw.adminToken, body: { name: 'Chair 7', ip_address: '127.0.0.1', port: cam.port } });
  assert.equal(r.status, 201, r.text);
  cameraId = r.json.camera.id;
  await waitFor('the camera', async () => (await gw.api('GET', `/api/cameras/${cameraId}/snapshot`, { token: gw.adminToken })).status === 200);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await cam?.stop();
});

test('an admin turns the analysis on from the watch page, sees live values, and a toast when the camera stalls', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${gw.url}/`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/snapshot`);

    // Off by default: the panel says why.
    const status = page.locator('#analysis-status');
    await page.waitForFunction(() => /Not running: the profile is off/.test(document.querySelector('#analysis-status')?.textContent), null, { timeout: 10000 });
    assert.equal(await page.locator('#an-motion').textContent(), '—');

    // The profile editor: always, 2 fps.
    await page.locator('#analysis-profile summary').click();
    await page.getByLabel('Analyse').selectOption('always');
    await page.getByLabel('Pictures per second').fill('2');
    assert.equal(await page.getByLabel('motion').isChecked(), true);
    // A refused value shows the gateway's words.
    await page.getByLabel('Pictures per second').fill('50');
    await page.locator('#an-save').click();
    await page.locator('#an-profile-error').getByText(/fps must be a number/).waitFor({ timeout: 5000 });
    await page.getByLabel('Pictures per second').fill('2');
    await page.locator('#an-save').click();
    await page.locator('.toast', { hasText: 'Analysis profile saved.' }).waitFor({ timeout: 5000 });
    const profile = (await gw.api('GET', `/api/cameras/${cameraId}/analysis`, { token: gw.adminToken })).json;
    assert.equal(profile.profile.when, 'always');
    assert.equal(profile.profile.fps, 2);
    await page.waitForFunction(() => document.querySelector('#live-analysis').dataset.running === 'true', null, { timeout: 8000 });
    assert.match(await status.textContent(), /Running/);

    // Live values: the motion score changes from one analysis to the next (camsim moves).
    const score = () => page.locator('#an-motion').getAttribute('data-score');
    await page.waitForFunction(() => document.querySelector('#an-motion').dataset.score !== undefined, null, { timeout: 8000 });
    const seen = new Set([await score()]);
    const seq0 = await page.locator('#live-analysis').getAttribute('data-frame-seq');
    await waitFor('a new motion score', async () => { seen.add(await score()); return seen.size > 1; }, 8000);
    assert.notEqual(await page.locator('#live-analysis').getAttribute('data-frame-seq'), seq0);
    assert.match(await page.locator('#an-exposure').textContent(), /^\d+ of 255 · (ok|too dark|too bright)$/);
    assert.match(await page.locator('#an-sharpness').textContent(), /^\d+/);
    assert.equal(await page.locator('#an-frozen').textContent(), 'No');
    assert.equal(await page.locator('#an-black').textContent(), 'No');
    assert.ok(Number(await page.locator('#an-chart').getAttribute('data-points')) >= 2);
    assert.match(await page.locator('#an-chart').getAttribute('aria-label'), /motion score .* brightness/);

    // The camera settings panel (admins): camsim either answers /status or is refused
    // with the gateway's reason; both are shown.
    await page.locator('#camera-settings summary').click();
    await page.waitForFunction(() => document.querySelector('#set-framesize') || document.querySelector('#camera-settings').dataset.unavailable, null, { timeout: 8000 });
    await page.screenshot({ path: path.join(artifacts, 'analysis-01-live.png'), fullPage: true });

    // Stall the camera: the stream stays open and sends nothing -> stale / frozen toasts.
    const stall = await fetch(`${cam.url}/control?var=fault&val=stall`);
    assert.equal(stall.status, 200);
    const toastEl = page.locator('.toast[data-event="camera-state"], .toast[data-event="alert-frozen"]').first();
    await toastEl.waitFor({ timeout: 10000 });
    assert.match(await toastEl.textContent(), /Chair 7: The picture is frozen|Chair 7 stopped sending pictures|Chair 7 is offline/);
    await page.screenshot({ path: path.join(artifacts, 'analysis-02-stall.png'), fullPage: true });

    // Rate limit: at most one toast per kind within 5 s.
    const kinds = await page.$$eval('.toast[data-event]', (ts) => ts.map((t) => t.dataset.event));
    assert.equal(new Set(kinds).size, kinds.length, `duplicate toasts: ${kinds}`);

    // Leaving the view closes the event stream.
    await page.goto(`${gw.url}/#/cameras`);
    await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
    assert.equal(await page.locator('#live-analysis').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await fetch(`${cam.url}/control?var=fault&val=none`).catch(() => {});
    await context.close();
  }
});
