// Browser tests of recordings on the web page: the watch page's REC badge and its Record /
// Stop buttons, the Recordings view (list, filter, the <video> player that starts and
// seeks within the budget), and a user without bookings seeing an empty list.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test --test-concurrency=1 browser/recordings.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCamsim, startGateway, ADMIN, USER, waitFor } from '../support/gateway.mjs';
import { logIn } from '../support/page.mjs';

const artifacts = process.env.CAMGATE_ARTIFACTS ?? '/tmp/camgate-artifacts';
mkdirSync(artifacts, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Generous bounds so a broken player fails the test; the goal is < 300 ms each.
const MAX_START_MS = 2000;
const MAX_SEEK_MS = 2000;

let cam;
let gw;
let browser;
let cameraId;
let recordingId;

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
  return { context, page };
}

const login = (page, user) => logIn(page, gw.url, user);

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

before(async () => {
  cam = await startCamsim([], { resolution: '640x480', fps: 25 });
  gw = await startGateway();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const r = await gw.api('POST', '/api/cameras', { token: gw.adminToken, body: { name: 'Chair 7', ip_address: '127.0.0.1', port: cam.port } });
  assert.equal(r.status, 201, r.text);
  cameraId = r.json.camera.id;
  // The camera streams before anything records, so the recording starts with a picture.
  await waitFor('the camera', async () => (await gw.api('GET', `/api/cameras/${cameraId}/snapshot`, { token: gw.adminToken })).status === 200);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await cam?.stop();
});

test('the watch page shows REC while the camera records, and its buttons start and stop a recording', async () => {
  const { context, page } = await newPage();
  try {
    await login(page, ADMIN);
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/mjpeg`);
    await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'playing', null, { timeout: 15000 });
    const badge = page.locator('#rec-badge');
    // Nothing records yet: no badge, a Record button.
    await page.locator('#rec-start').waitFor({ state: 'visible' });
    assert.equal(await badge.isVisible(), false);

    // Started elsewhere (the API): the page's polling shows it within a few seconds.
    const start = await gw.api('POST', `/api/cameras/${cameraId}/recordings`, { token: gw.adminToken });
    assert.equal(start.status, 201, start.text);
    await badge.waitFor({ state: 'visible', timeout: 6000 });
    assert.match(await badge.textContent(), /REC\s*·\s*on demand/);
    assert.equal(await page.isVisible('#rec-start'), false, 'no Record button while recording');
    await shot(page, 'rec-01-watch-recording');
    await sleep(4000);

    // Stopped from the page.
    await page.locator('#rec-stop').click();
    await badge.waitFor({ state: 'hidden', timeout: 5000 });
    await page.locator('#rec-start').waitFor({ state: 'visible' });
    const list = await gw.api('GET', `/api/recordings?resource=camera:${cameraId}`, { token: gw.adminToken });
    const rec = list.json.recordings.find((x) => x.id === start.json.recording.id);
    assert.equal(rec.state, 'complete');
    assert.ok(rec.duration_s >= 3.5, `recorded ${rec.duration_s} s`);
    recordingId = rec.id;

    // And the Record button starts one (then the badge shows at once), Stop ends it.
    await page.locator('#rec-start').click();
    await badge.waitFor({ state: 'visible', timeout: 3000 });
    await sleep(1500);
    await page.locator('#rec-stop').click();
    await badge.waitFor({ state: 'hidden', timeout: 3000 });
  } finally {
    await context.close();
  }
});

test('the Recordings view lists the camera\'s recordings and plays one, starting and seeking fast', async () => {
  assert.ok(recordingId, 'the watch test made a recording');
  const { context, page } = await newPage();
  try {
    await login(page, ADMIN);
    // From the watch page's link: the list filtered to this camera.
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/snapshot`);
    await page.locator('#camera-recordings').click();
    await page.getByRole('heading', { level: 1, name: 'Recordings' }).waitFor();
    assert.match(page.url(), new RegExp(`#/recordings/camera/${cameraId}$`));
    const row = page.locator(`tr[data-recording-id="${recordingId}"]`);
    await row.waitFor();
    assert.equal(await page.$eval('#filter-resource', (s) => s.value), `camera:${cameraId}`);
    assert.match(await row.textContent(), /Chair 7/);
    assert.match(await row.textContent(), /Complete/);
    assert.match(await row.textContent(), /on demand/);
    // The admin's controls for this camera: its policy and the Record button.
    await page.locator(`#rec-camera-${cameraId}-start`).waitFor({ state: 'visible' });
    assert.equal(await page.getByLabel('Recording policy of Chair 7').inputValue(), '');

    // Time from the player's src being set to the first frame (loadeddata).
    await page.evaluate(() => {
      const v = document.querySelector('#recording-video');
      window.__rec = {};
      new MutationObserver(() => { if (v.getAttribute('src') && !window.__rec.src) window.__rec.src = performance.now(); })
        .observe(v, { attributes: true, attributeFilter: ['src'] });
      v.addEventListener('loadeddata', () => { window.__rec.loaded = performance.now(); }, { once: true });
    });
    await row.getByRole('button', { name: /^Play/ }).click();
    await page.waitForFunction(() => window.__rec.loaded, null, { timeout: 10000 });
    const startMs = await page.evaluate(() => window.__rec.loaded - window.__rec.src);

    // It plays: camsim's size, and the clock moves.
    const video = page.locator('#recording-video');
    assert.deepEqual(await video.evaluate((v) => [v.videoWidth, v.videoHeight]), [640, 480]);
    await page.waitForFunction(() => document.querySelector('#recording-video').currentTime > 0.5, null, { timeout: 10000 });
    assert.match(await page.getAttribute('#recording-download', 'href'), new RegExp(`/api/recordings/${recordingId}/download`));
    assert.equal(await page.locator(`tr[data-recording-id="${recordingId}"].is-selected`).count(), 1);

    // Seek to the middle.
    const seek = await video.evaluate((v) => new Promise((resolve, reject) => {
      const target = (Number.isFinite(v.duration) ? v.duration : 4) / 2;
      const t0 = performance.now();
      v.addEventListener('seeked', () => resolve({ ms: performance.now() - t0, target, at: v.currentTime, duration: v.duration }), { once: true });
      setTimeout(() => reject(new Error('no seeked event within 5 s')), 5000);
      v.currentTime = target;
    }));
    console.log(`recording ${recordingId}: playback start (src -> loadeddata) ${startMs.toFixed(1)} ms; `
      + `seek to ${seek.target.toFixed(2)} s of ${seek.duration.toFixed(2)} s (currentTime -> seeked) ${seek.ms.toFixed(1)} ms`);
    assert.ok(Number.isFinite(seek.duration) && seek.duration > 3, `duration ${seek.duration}`);
    assert.ok(Math.abs(seek.at - seek.target) < 0.5, `seeked to ${seek.at}, asked for ${seek.target}`);
    assert.ok(startMs < MAX_START_MS, `playback started after ${startMs} ms`);
    assert.ok(seek.ms < MAX_SEEK_MS, `seek took ${seek.ms} ms`);
    // It keeps playing after the seek.
    await page.waitForFunction((t) => document.querySelector('#recording-video').currentTime > t + 0.3, seek.at, { timeout: 5000 });
    await shot(page, 'rec-02-recordings-view');

    // The booking filter: nothing was recorded during a booking that does not exist.
    await page.goto(`${gw.url}/#/recordings/booking/999`);
    await page.locator('#recording-empty').waitFor();
  } finally {
    await context.close();
  }
});

test('a user without bookings sees no recordings and no REC badge', async () => {
  const { context, page } = await newPage();
  try {
    await login(page, USER);
    await page.getByRole('link', { name: 'Recordings', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Recordings' }).waitFor();
    await page.locator('#recording-empty').waitFor();
    assert.match(await page.textContent('#recording-empty'), /Nothing was recorded during your bookings/);
    assert.equal(await page.locator('tr[data-recording-id]').count(), 0);
    // The state is refused to her (403): no badge, no buttons.
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}`);
    await page.locator('#stage-overlay').getByText('You cannot watch this camera now').waitFor({ timeout: 10000 });
    assert.equal(await page.isVisible('#rec-badge'), false);
    assert.equal(await page.isVisible('#rec-start'), false);
    await shot(page, 'rec-03-user-empty');
  } finally {
    await context.close();
  }
});

test('a user whose booking covers part of a recording plays their part, and records on demand inside the booking', async () => {
  assert.ok(recordingId, 'the watch test made a recording');
  const rec = (await gw.api('GET', `/api/recordings/${recordingId}`, { token: gw.adminToken })).json.recording;
  const me = await gw.api('GET', '/auth/me', { token: gw.userToken });
  // Booked from the recording's third second on: the start of the recording is not hers.
  const booking = await gw.api('POST', '/api/bookings', { token: gw.adminToken, body: {
    user_id: me.json.user.id, resource: `camera:${cameraId}`, starts_at: rec.started_at + 3, ends_at: Math.floor(Date.now() / 1000) + 120,
  } });
  assert.equal(booking.status, 201, booking.text);
  const { context, page } = await newPage();
  try {
    await login(page, USER);
    // From her bookings list: the booking's recordings.
    await page.goto(`${gw.url}/#/bookings`);
    await page.locator(`tr[data-booking-id="${booking.json.booking.id}"]`).getByRole('link', { name: /^Recordings of the booking/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Recordings' }).waitFor();
    assert.match(page.url(), new RegExp(`#/recordings/booking/${booking.json.booking.id}$`));
    // Her booking did not make the recording (it was on demand): the booking filter is
    // empty; the camera's list shows the part she may see.
    await page.locator('#recording-empty').waitFor();
    await page.goto(`${gw.url}/#/recordings/camera/${cameraId}`);
    const row = page.locator(`tr[data-recording-id="${recordingId}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: /^Play/ }).click();
    await page.locator('#recording-my-part').waitFor({ state: 'visible' });
    assert.equal(await page.isVisible('#recording-video'), false, 'not the whole recording');
    await page.locator('#recording-my-part').click();
    await page.waitForFunction(() => document.querySelector('#recording-video').currentTime > 0.3, null, { timeout: 15000 });
    const [w, hgt, dur] = await page.$eval('#recording-video', (v) => [v.videoWidth, v.videoHeight, v.duration]);
    assert.deepEqual([w, hgt], [640, 480]);
    assert.ok(dur < rec.duration_s - 1.5, `her part lasts ${dur} s of ${rec.duration_s} s`);
    await shot(page, 'rec-04-user-my-part');

    // Inside her booking she may record the camera, and stop what she started.
    await page.goto(`${gw.url}/#/watch/camera/${cameraId}/snapshot`);
    await page.locator('#rec-start').click();
    await page.locator('#rec-badge').waitFor({ state: 'visible', timeout: 3000 });
    await page.locator('#rec-stop').click();
    await page.locator('#rec-badge').waitFor({ state: 'hidden', timeout: 3000 });
  } finally {
    await context.close();
  }
});
