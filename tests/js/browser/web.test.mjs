// Browser tests of the web page camgate serves at `/`: Debian's Chromium driven by
// playwright-core against the real gateway and camsim.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test browser/
//
// Screenshots of every screen land in $CAMGATE_ARTIFACTS (default /tmp/camgate-artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCamsim, startGateway, ADMIN, USER, CHROMIUM_WEBRTC_ARGS } from '../support/gateway.mjs';
import { logIn } from '../support/page.mjs';

const artifacts = process.env.CAMGATE_ARTIFACTS ?? '/tmp/camgate-artifacts';
mkdirSync(artifacts, { recursive: true });

let cam;
let gw;
let browser;
let adminToken;
let cameraId;
let cutSeen = false; // the booking-end test ran: the audit must show "booking ended"

// The token whichever way the gateway names it (token, or access_token on older builds).
async function tokenFor(user) {
  const r = await fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(user),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.token ?? body.access_token;
}

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function newPage({ viewport = { width: 1280, height: 860 } } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
  return { context, page };
}

const login = (page, user) => logIn(page, gw.url, user);

// Reads the picture's natural size once it has one.
async function pictureSize(page) {
  await page.waitForFunction(() => document.querySelector('#picture')?.naturalWidth > 0, null, { timeout: 10000 });
  return page.$eval('#picture', (img) => [img.naturalWidth, img.naturalHeight]);
}

// The camera the add-camera test made; made through the API if that test failed, so one
// failure does not hide the results of the others.
async function ensureCamera() {
  if (cameraId) return cameraId;
  const r = await fetch(`${gw.url}/api/cameras`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ name: 'Chair 3', ip_address: '127.0.0.1', port: cam.port }),
  });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  cameraId = body.camera.id;
  return cameraId;
}

const frames = (page) => page.$eval('#stat-frames', (el) => Number(el.textContent));

// The WHEP requests a page makes, as "METHOD status" in order.
function whepLog(page) {
  const log = [];
  page.on('response', (r) => {
    if (/\/api\/cameras\/\d+\/whep/.test(r.url())) log.push(`${r.request().method()} ${r.status()}`);
  });
  return log;
}

async function waitUntil(what, fn, { timeout = 10000, every = 100 } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// The <video> plays real frames: camsim's size, and the decoder's count keeps rising.
async function videoPlays(page) {
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'playing', null, { timeout: 20000 });
  assert.equal(await page.isVisible('#video'), true, 'the <video> shows');
  assert.equal(await page.isVisible('#picture'), false, 'the <img> is hidden');
  assert.deepEqual(await page.$eval('#video', (v) => [v.videoWidth, v.videoHeight]), [640, 480]);
  const decoded = () => page.$eval('#video', (v) => v.getVideoPlaybackQuality().totalVideoFrames);
  const d1 = await decoded();
  const f1 = await frames(page);
  await page.waitForFunction(([d, f]) => document.querySelector('#video').getVideoPlaybackQuality().totalVideoFrames > d + 10
    && Number(document.querySelector('#stat-frames').textContent) > f + 10, [d1, f1], { timeout: 10000 });
}

const cameraViewers = async () => {
  const r = await fetch(`${gw.url}/api/cameras/${cameraId}`, { headers: { Authorization: `Bearer ${adminToken}` } });
  return (await r.json()).camera.viewers;
};

before(async () => {
  cam = await startCamsim([], { resolution: '640x480', fps: 25 });
  gw = await startGateway({ config: '\n[access]\nwarn_before_s = 60\n', loopbackWebrtc: true });
  adminToken = await tokenFor(ADMIN);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', ...CHROMIUM_WEBRTC_ARGS] });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await cam?.stop();
});

test('the login page refuses a wrong password in words, then logs in', async () => {
  const { context, page } = await newPage();
  await page.goto(`${gw.url}/`);
  await page.getByLabel('User name').waitFor();
  await shot(page, '01-login');
  await page.getByLabel('User name').fill(ADMIN.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor();
  await shot(page, '02-login-error');
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  assert.match(await page.textContent('#whoami-name'), /admin/);
  // The session survives a reload (the gateway's HttpOnly cookie; the page keeps no token).
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  const cookies = await context.cookies();
  assert.ok(cookies.some((c) => c.httpOnly && c.sameSite === 'Strict'), 'an HttpOnly SameSite=Strict session cookie');
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage');
  // Log out brings the login form back, and a reload does not undo it.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('User name').waitFor();
  await page.reload();
  await page.getByLabel('User name').waitFor();
  assert.equal(await page.isVisible('#topbar'), false);
  await context.close();
  // Logout logs out everywhere: the admin token the other tests use was revoked too.
  adminToken = await tokenFor(ADMIN);
});

test('an admin adds the simulated camera and sees its connection test and live state', async () => {
  const { context, page } = await newPage();
  await login(page, ADMIN);
  // A port where nothing listens: the connection test fails, in words.
  await page.getByLabel('IP address or host name').fill('127.0.0.1');
  await page.getByLabel('Port').fill('1');
  await page.getByRole('button', { name: 'Test and add' }).click();
  await page.locator('#add-camera-result .notice-error').waitFor();
  assert.match(await page.textContent('#add-camera-result'), /Connection test failed\. Could not connect to ESP32 camera at http:\/\/127\.0\.0\.1:1/);
  await shot(page, '03-add-camera-failed');

  await page.getByLabel('Port').fill(String(cam.port));
  await page.getByLabel('Name (optional)').fill('Chair 3');
  await page.getByRole('button', { name: 'Test and add' }).click();
  await page.locator('#add-camera-result .notice-success').waitFor();
  assert.match(await page.textContent('#add-camera-result'), /ESP32 camera connected successfully at http:\/\/127\.0\.0\.1:/);
  // The notice links to the new camera.
  const href = await page.getAttribute('#add-camera-result a', 'href');
  cameraId = Number(/#\/watch\/camera\/(\d+)$/.exec(href)?.[1]);
  assert.ok(cameraId > 0, `link to the camera: ${href}`);
  const card = page.locator(`[data-camera-id="${cameraId}"]`);
  await card.waitFor();
  // Live state: the list refreshes until the camera streams.
  await page.waitForFunction((id) => document.querySelector(`[data-camera-id="${id}"]`)?.dataset.state === 'streaming', cameraId, { timeout: 10000 });
  await page.waitForFunction((id) => /fps/.test(document.querySelector(`[data-camera-id="${id}"] dd`)?.textContent), cameraId, { timeout: 10000 });
  assert.match(await card.textContent(), /Online/);
  assert.match(await card.textContent(), /640 × 480/);
  await shot(page, '04-cameras');
  await context.close();
});

test('the name given when adding a camera shows in the list', async () => {
  const r = await fetch(`${gw.url}/api/cameras/${await ensureCamera()}`, { headers: { Authorization: `Bearer ${adminToken}` } });
  assert.equal((await r.json()).camera.name, 'Chair 3');
});

test('MJPEG, WebSocket and snapshot views show the camera at 640x480; download and analysis work', async () => {
  await ensureCamera();
  const { context, page } = await newPage();
  await login(page, ADMIN);
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}`);

  // MJPEG (the default).
  assert.equal(await page.isChecked('#mode-mjpeg'), true);
  assert.deepEqual(await pictureSize(page), [640, 480]);
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'playing');
  const m1 = await frames(page);
  await page.waitForTimeout(1200);
  const m2 = await frames(page);
  assert.ok(m2 > m1 + 5, `MJPEG frames keep coming (${m1} -> ${m2})`);
  await page.waitForFunction(() => /fps/.test(document.querySelector('#stat-fps').textContent));
  assert.match(await page.textContent('#stat-latency'), /^\d+ ms$/, 'latency from X-Timestamp');
  assert.match(await page.textContent('#stat-size'), /640 × 480/);
  await shot(page, '05-watch-mjpeg');

  // WebSocket (binary): a fresh picture, and the counter keeps rising.
  await page.click('label[for="mode-ws"]');
  assert.match(page.url(), /\/ws$/);
  await page.waitForFunction(() => Number(document.querySelector('#stat-frames').textContent) > 3);
  assert.deepEqual(await pictureSize(page), [640, 480]);
  const w1 = await frames(page);
  await page.waitForTimeout(1500);
  const w2 = await frames(page);
  assert.ok(w2 > w1 + 10, `WebSocket frames keep coming (${w1} -> ${w2})`);
  assert.match(await page.textContent('#stat-latency'), /^\d+ ms$/, 'latency from the camsim JPEG comment');
  const seqs = await page.$eval('#picture', (img) => img.src.startsWith('blob:'));
  assert.ok(seqs);
  await shot(page, '06-watch-websocket');

  // Snapshot mode: one picture, a new one on request.
  await page.click('label[for="mode-snapshot"]');
  await page.waitForFunction(() => document.querySelector('#stat-frames').textContent === '1');
  assert.deepEqual(await pictureSize(page), [640, 480]);
  await page.click('#refresh-snapshot');
  await page.waitForFunction(() => document.querySelector('#stat-frames').textContent === '2');
  await shot(page, '07-watch-snapshot');

  // Download: a real JPEG file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(download.suggestedFilename(), /^[\w.-]+-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.jpg$/);
  const file = readFileSync(await download.path());
  assert.ok(file.length > 2000, `snapshot of ${file.length} bytes`);
  assert.deepEqual([...file.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG magic bytes');
  assert.deepEqual([...file.subarray(-2)], [0xff, 0xd9], 'JPEG end marker');

  // Analysis beside the picture.
  await page.click('#analyze');
  await page.locator('#analysis-frame-size').waitFor();
  assert.equal(await page.getAttribute('#analysis-frame-size', 'data-value'), '[480,640,3]');
  assert.match(await page.textContent('#analysis-frame-size'), /640 × 480 px, 3 channels/);
  assert.match(await page.textContent('#analysis'), /Frame captured successfully/);
  await shot(page, '08-analysis');

  // Full screen toggles.
  await page.click('#fullscreen');
  await page.waitForFunction(() => document.fullscreenElement?.id === 'stage');
  // The label follows the fullscreenchange event, which fires after fullscreenElement is set.
  await page.waitForFunction(() => document.querySelector('#fullscreen').textContent === 'Exit full screen');
  await page.keyboard.press('Escape');
  await context.close();
});

test('a user without a booking is told why there is no picture', async () => {
  await ensureCamera();
  const { context, page } = await newPage();
  await login(page, USER);
  assert.match(await page.textContent(`[data-camera-id="${cameraId}"]`), /No booking/);
  await shot(page, '09a-cameras-as-user');
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}`);
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'denied');
  assert.match(await page.textContent('#stage-overlay'), /You cannot watch this camera now.*no booking/i);
  await shot(page, '09-watch-no-booking');
  // The WebRTC view says the same: the gateway refuses the WHEP offer with 403.
  const whep = whepLog(page);
  await page.click('label[for="mode-webrtc"]');
  await waitUntil('the refused WHEP offer', () => whep.includes('POST 403'));
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'denied');
  assert.match(await page.textContent('#stage-overlay'), /You cannot watch this camera now.*no booking/i);
  await context.close();
});

test('a booked user sees the countdown, the session-expiring warning and "session ended" at the cut', async () => {
  await ensureCamera();
  const now = Math.floor(Date.now() / 1000);
  const ends = now + 15;  // room for a slow machine before the cut
  const r = await fetch(`${gw.url}/api/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ username: USER.username, resource: `camera:${cameraId}`, starts_at: now - 60, ends_at: ends, note: 'browser test' }),
  });
  assert.equal(r.status, 201, await r.text());

  const { context, page } = await newPage();
  await login(page, USER);
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}/ws`);
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'playing', null, { timeout: 10000 });
  assert.deepEqual(await pictureSize(page), [640, 480]);
  assert.match(await page.textContent('#countdown'), /^0:[01]\d left$/);
  // The gateway warns at once (the booking ends within warn_before_s).
  await page.waitForFunction(() => document.querySelector('#session-bar').dataset.warned === 'gateway');
  assert.ok(await page.$eval('#session-bar', (el) => el.classList.contains('is-warning')));
  assert.match(await page.textContent('#session-bar'), /Your session ends at/);
  await shot(page, '10-session-warning');

  // The cut: WebSocket close 4001 "booking ended".
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'ended', null, { timeout: 25000 });
  const endedAt = Date.now() / 1000;
  assert.ok(endedAt >= ends - 1 && endedAt < ends + 3, `cut at ${endedAt}, booking ended ${ends}`);
  assert.match(await page.textContent('#stage-overlay'), /Session ended.*booking has ended/);
  assert.match(await page.textContent('#session-bar'), /Session ended/);
  const f = await frames(page);
  await page.waitForTimeout(800);
  assert.equal(await frames(page), f, 'no frames after the cut');
  cutSeen = true;
  await shot(page, '11-session-ended');
  // Their bookings: the one that just ended is in the past.
  await page.getByRole('link', { name: 'My bookings' }).click();
  await page.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor();
  await page.locator('#booking-list td', { hasText: 'browser test' }).waitFor();
  await shot(page, '11b-my-bookings');
  await context.close();
});

test('the MJPEG view also ends with "session ended" when the gateway closes it at the booking end', async () => {
  await ensureCamera();
  const now = Math.floor(Date.now() / 1000);
  const ends = now + 10;
  const r = await fetch(`${gw.url}/api/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ username: USER.username, resource: `camera:${cameraId}`, starts_at: now - 1, ends_at: ends }),
  });
  assert.equal(r.status, 201, await r.text());
  const { context, page } = await newPage();
  await login(page, USER);
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}/mjpeg`);
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'playing', null, { timeout: 10000 })
    .catch(async (e) => { await shot(page, 'failed-mjpeg-cut'); throw new Error(`${e.message}: ${await page.textContent('#stage-overlay')}`); });
  assert.match(await page.textContent('#countdown'), /^0:(0\d|10) left$/);
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'ended', null, { timeout: 15000 });
  const at = Date.now() / 1000;
  assert.ok(at >= ends - 1 && at < ends + 4, `cut at ${at}, booking ended ${ends}`);
  assert.match(await page.textContent('#stage-overlay'), /Session ended.*booking has ended/);
  await context.close();
});

test('the WebRTC view plays the camera as video through WHEP, switches to MJPEG and back, and hangs up', async () => {
  await ensureCamera();
  const { context, page } = await newPage();
  const whep = whepLog(page);
  await login(page, ADMIN);
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}/webrtc`);
  assert.equal(await page.isChecked('#mode-webrtc'), true);
  await videoPlays(page);
  assert.equal(whep[0], 'POST 201', whep.join(', '));
  // Our candidates went to the session too (RFC 8840 fragments, answered 204).
  await waitUntil('a PATCH with our candidates', () => whep.includes('PATCH 204'));
  assert.ok(!whep.some((x) => / [45]\d\d$/.test(x)), whep.join(', '));
  await page.waitForFunction(() => /fps/.test(document.querySelector('#stat-fps').textContent));
  assert.match(await page.textContent('#stat-size'), /640 × 480/);
  await shot(page, '07c-watch-webrtc');

  // MJPEG: the <img> again, the WebRTC session hung up.
  await page.click('label[for="mode-mjpeg"]');
  assert.match(page.url(), /\/mjpeg$/);
  assert.deepEqual(await pictureSize(page), [640, 480]);
  assert.equal(await page.isVisible('#video'), false, 'the <video> is hidden');
  await page.waitForFunction(() => Number(document.querySelector('#stat-frames').textContent) > 5);
  await waitUntil('DELETE of the WebRTC session', () => whep.includes('DELETE 200'));

  // And back.
  await page.click('label[for="mode-webrtc"]');
  assert.match(page.url(), /\/webrtc$/);
  await videoPlays(page);
  assert.equal(whep.filter((x) => x === 'POST 201').length, 2, whep.join(', '));

  // Full screen holds the video; `f` leaves it (the button is under the full-screen stage).
  await page.click('#fullscreen');
  await page.waitForFunction(() => document.fullscreenElement?.id === 'stage' && !document.querySelector('#video').hidden);
  assert.equal(await page.isVisible('#video'), true);
  await page.keyboard.press('f');
  await page.waitForFunction(() => !document.fullscreenElement);

  // Leaving the page (an unload, not a view change) hangs up too: keepalive DELETE.
  await waitUntil('one viewer of the camera: the WebRTC encoder', async () => (await cameraViewers()) === 1);
  await page.goto('about:blank');
  await waitUntil('the gateway to drop the WebRTC viewer', async () => (await cameraViewers()) === 0, { timeout: 5000 });
  await context.close();
});

test('a booked user watching over WebRTC sees "session ended" right after the booking ends', async () => {
  await ensureCamera();
  // Booked long enough for a slow machine to start the video; shortened once it plays
  // (the gateway applies that to live sessions at once).
  const now = Math.floor(Date.now() / 1000);
  const r = await fetch(`${gw.url}/api/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ username: USER.username, resource: `camera:${cameraId}`, starts_at: now - 5, ends_at: now + 120 }),
  });
  const booking = await r.json();
  assert.equal(r.status, 201, JSON.stringify(booking));
  const { context, page } = await newPage();
  await login(page, USER);
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}/webrtc`);
  await videoPlays(page)
    .catch(async (e) => { await shot(page, 'failed-webrtc-cut'); throw new Error(`${e.message}: ${await page.textContent('#stage-overlay')}`); });
  assert.match(await page.textContent('#countdown'), /left$/);

  const ends = Math.floor(Date.now() / 1000) + 4;
  const shortened = await fetch(`${gw.url}/api/bookings/${booking.booking.id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ ends_at: ends }),
  });
  assert.equal(shortened.status, 200, await shortened.text());
  await page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'ended', null, { timeout: 20000 });
  const at = Date.now() / 1000;
  console.log(`WebRTC: "session ended" ${(at - ends).toFixed(2)} s after the booking's end`);
  assert.ok(at >= ends - 1 && at < ends + 2.5, `cut at ${at}, booking ended ${ends}`);
  assert.match(await page.textContent('#stage-overlay'), /Session ended.*booking has ended/);
  assert.match(await page.textContent('#session-bar'), /Session ended/);
  const f = await frames(page);
  await page.waitForTimeout(800);
  assert.equal(await frames(page), f, 'no frames after the cut');
  await shot(page, '11c-webrtc-session-ended');
  await context.close();
});

test('an admin books a user in the form and sees the list and the day view', async () => {
  await ensureCamera();
  const { context, page } = await newPage();
  await login(page, ADMIN);
  await page.goto(`${gw.url}/#/bookings`);
  await page.locator('#booking-resource option[value^="camera:"]').first().waitFor({ state: 'attached' });
  await page.getByLabel('User', { exact: true }).fill(USER.username);
  await page.selectOption('#booking-resource', `camera:${cameraId}`);
  const start = new Date(Date.now() + 3600e3);
  start.setMinutes(0, 0, 0);
  const fmt = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  await page.fill('#booking-start', fmt(start));
  await page.fill('#booking-end', fmt(new Date(start.getTime() - 60e3)));
  await page.getByRole('button', { name: 'Book', exact: true }).click();
  await page.locator('#booking-form .notice-error').filter({ hasText: 'The end must be after the start' }).waitFor();
  await page.fill('#booking-end', fmt(new Date(start.getTime() + 2 * 3600e3)));
  await page.getByLabel('Note (optional)').fill('Check-up');
  await page.getByRole('button', { name: 'Book', exact: true }).click();
  await page.locator('#booking-form .notice-success').waitFor();
  await page.locator('#booking-list td', { hasText: 'Check-up' }).waitFor();
  const list = await fetch(`${gw.url}/api/bookings`, { headers: { Authorization: `Bearer ${adminToken}` } }).then((x) => x.json());
  const made = list.bookings.find((b) => b.note === 'Check-up');
  assert.ok(made, 'the booking exists on the gateway');
  assert.equal(made.starts_at, start.getTime() / 1000);
  assert.equal(made.resource, `camera:${cameraId}`);
  await shot(page, '12-bookings-list');
  await page.getByRole('tab', { name: 'Day view' }).click();
  await page.locator('.timeline-row').first().waitFor();
  if (start.getDate() === new Date().getDate()) {
    assert.ok(await page.locator('.timeline-row .block', { hasText: /\d\d:00–\d\d:00/ }).count() >= 1);
  }
  await shot(page, '13-bookings-day');

  // The audit shows the sessions of the earlier tests, with why they ended.
  await page.goto(`${gw.url}/#/audit`);
  await page.locator('#main table, #main .empty').first().waitFor();
  if (cutSeen) await page.locator('td', { hasText: 'booking ended' }).first().waitFor();
  await shot(page, '14-audit');
  await context.close();
});

test('the users screen lists the people, or says in words that the gateway cannot yet', async () => {
  const { context, page } = await newPage();
  await login(page, ADMIN);
  await page.goto(`${gw.url}/#/users`);
  await page.locator('#user-list table, #user-list .notice').first().waitFor();
  const text = await page.textContent('#user-list');
  assert.ok(/alice/.test(text) || /does not manage users over the web yet/.test(text), text);
  await shot(page, '17-users');
  await context.close();
});

test('the watch page works on a tablet and every control has a label', async () => {
  await ensureCamera();
  const { context, page } = await newPage({ viewport: { width: 768, height: 1024 } });
  await login(page, ADMIN);
  await shot(page, '15-tablet-cameras');
  await page.goto(`${gw.url}/#/watch/camera/${cameraId}`);
  assert.deepEqual(await pictureSize(page), [640, 480]);
  await page.click('#analyze');
  await page.locator('#analysis-frame-size').waitFor();
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the tablet`);
  // Every form control has an accessible name.
  const unlabeled = await page.$$eval('input, select, button, textarea', (els) => els
    .filter((e) => e.type !== 'hidden' && !e.closest('[hidden]'))
    .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim())))
    .map((e) => e.outerHTML));
  assert.deepEqual(unlabeled, []);
  // Keyboard: the mode switch is reachable and works with arrow keys.
  await page.focus('#mode-mjpeg');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('#mode-ws').checked);
  await page.waitForFunction(() => Number(document.querySelector('#stat-frames').textContent) > 3);
  await shot(page, '16-tablet-watch');
  await context.close();
});

test('an admin removes a camera after confirming; its viewer is told in words', async () => {
  await ensureCamera();
  const watcher = await newPage();
  await login(watcher.page, ADMIN);
  await watcher.page.goto(`${gw.url}/#/watch/camera/${cameraId}/ws`);
  await watcher.page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'playing', null, { timeout: 10000 });

  const { context, page } = await newPage();
  await login(page, ADMIN);
  const card = page.locator(`[data-camera-id="${cameraId}"]`);
  await card.getByRole('button', { name: /^Remove / }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Everyone watching it is disconnected/);
  await shot(page, '18-remove-camera-confirm');
  // Cancel keeps it.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForTimeout(300);
  assert.equal(await card.count(), 1);
  await card.getByRole('button', { name: /^Remove / }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove camera' }).click();
  await card.waitFor({ state: 'detached' });
  const r = await fetch(`${gw.url}/api/cameras/${cameraId}`, { headers: { Authorization: `Bearer ${adminToken}` } });
  assert.equal(r.status, 404);

  await watcher.page.waitForFunction(() => document.querySelector('#stage').dataset.state === 'ended', null, { timeout: 5000 });
  assert.match(await watcher.page.textContent('#stage-overlay'), /camera was removed/);
  await shot(watcher.page, '19-camera-removed');
  await watcher.context.close();
  await context.close();
  cameraId = undefined;
});
