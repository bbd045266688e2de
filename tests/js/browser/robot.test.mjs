// A robot's WebRTC view in the web page. The robot is a second Chromium page that logs
// in with the robot's one-time credential, registers on the gateway's /signaling
// WebSocket and answers offers with a canvas video (320x240, a frame counter drawn in).
// Skipped when the gateway has no robots or no signaling yet.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startGateway, ADMIN, USER, CHROMIUM_WEBRTC_ARGS } from '../support/gateway.mjs';

const artifacts = process.env.CAMGATE_ARTIFACTS ?? '/tmp/camgate-artifacts';
mkdirSync(artifacts, { recursive: true });

let gw;
let browser;
let adminToken;
let skip = false;
let robotPage;  // robot-1, a page of its own (test 1 on)
let robotCredential;

async function api(method, p, body) {
  const r = await fetch(`${gw.url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

before(async () => {
  gw = await startGateway({ config: '\n[access]\nwarn_before_s = 60\n' });
  const r = await fetch(`${gw.url}/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ADMIN),
  });
  const b = await r.json();
  adminToken = b.token ?? b.access_token;
  // Does this gateway speak robots and signaling?
  const robots = await api('GET', '/api/robots');
  const sig = await fetch(`${gw.url}/signaling`, { headers: { Authorization: `Bearer ${adminToken}` } });
  skip = robots.status === 404 || sig.status === 404;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', ...CHROMIUM_WEBRTC_ARGS, '--use-fake-ui-for-media-stream'],
  });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
});

// Runs inside the robot's page: log in, draw, register, answer every offer.
async function robotMain({ name, credential }) {
  const login = await fetch('/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: name, password: credential }),
  });
  const body = await login.json();
  if (!login.ok) throw new Error(`robot login: ${login.status} ${JSON.stringify(body)}`);
  const token = body.token ?? body.access_token;
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    g.fillStyle = `hsl(${(n * 5) % 360} 55% 45%)`;
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#fff';
    g.font = 'bold 64px sans-serif';
    g.fillText(String(n++), 40, 150);
  }, 33);
  const stream = canvas.captureStream(30);
  const peers = new Map();
  window.robotLog = [];
  const ws = new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
  const send = (m) => ws.send(JSON.stringify(m));
  let chain = Promise.resolve();
  ws.onopen = () => send({ type: 'register', userId: name, userType: 'robot' });
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    window.robotLog.push(m.type);
    chain = chain.then(async () => {
      if (m.type === 'offer') {
        const pc = new RTCPeerConnection();
        peers.set(m.from, pc);
        for (const t of stream.getTracks()) pc.addTrack(t, stream);
        pc.onicecandidate = (e) => { if (e.candidate) send({ type: 'ice-candidate', to: m.from, candidate: e.candidate.toJSON() }); };
        await pc.setRemoteDescription(m.offer);
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        send({ type: 'answer', to: m.from, answer: { type: answer.type, sdp: answer.sdp } });
      } else if (m.type === 'ice-candidate') {
        await peers.get(m.from)?.addIceCandidate(m.candidate).catch(() => {});
      } else if (m.type === 'peer-left') {
        peers.get(m.from)?.close();
        peers.delete(m.from);
      }
    });
  };
  await new Promise((resolve, reject) => {
    const t0 = Date.now();
    const t = setInterval(() => {
      if (window.robotLog.includes('registered')) { clearInterval(t); resolve(); }
      if (Date.now() - t0 > 5000) { clearInterval(t); reject(new Error(`robot did not register: ${window.robotLog}`)); }
    }, 50);
  });
}

async function startRobotPage() {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error('robot page error:', e.message));
  // Any same-origin HTML document will do: the gateway's 404 page for a made-up path.
  await page.goto(`${gw.url}/robot-test-page`);
  await page.evaluate(robotMain, { name: 'robot-1', credential: robotCredential });
  return page;
}

test('an admin adds a robot (one-time credential) and watches it over WebRTC', async (t) => {
  if (skip) return t.skip('this gateway has no /api/robots or /signaling yet');
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));

  // Add the robot through the page and read its credential from the dialog.
  await page.goto(`${gw.url}/`);
  await page.getByLabel('User name').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  await page.goto(`${gw.url}/#/robots`);
  await page.getByLabel('Robot name').fill('robot-1');
  await page.getByRole('button', { name: 'Add robot' }).click();
  await page.locator('#robot-credential').waitFor();
  const credential = (await page.textContent('#robot-credential')).trim();
  assert.ok(credential.length >= 16, `a credential (${credential.length} chars)`);
  await page.screenshot({ path: path.join(artifacts, '20-robot-credential.png') });
  await page.getByRole('button', { name: 'I have saved it' }).click();
  const card = page.locator('[data-robot-id]', { hasText: 'robot-1' });
  await card.waitFor();

  // The robot comes online.
  robotCredential = credential;
  robotPage = await startRobotPage();
  await page.waitForFunction(() => document.querySelector('[data-robot-id]')?.dataset.online === 'true', null, { timeout: 10000 });
  await page.screenshot({ path: path.join(artifacts, '21-robots.png'), fullPage: true });
  assert.equal(await page.textContent('[data-robot-id] .badge'), 'Online');

  // Watch it.
  await card.getByRole('link', { name: 'Watch robot-1' }).click();
  await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'playing', null, { timeout: 20000 });
  const size = await page.$eval('#robot-video', (v) => [v.videoWidth, v.videoHeight]);
  assert.deepEqual(size, [320, 240]);
  const f1 = Number(await page.textContent('#stat-frames'));
  await page.waitForTimeout(1500);
  const f2 = Number(await page.textContent('#stat-frames'));
  assert.ok(f2 > f1 + 10, `WebRTC frames keep coming (${f1} -> ${f2})`);
  await page.screenshot({ path: path.join(artifacts, '22-watch-robot.png'), fullPage: true });
  assert.ok((await robotPage.evaluate(() => window.robotLog)).includes('offer'));
  await context.close();
});

test('a user booked on a robot for a few seconds sees "session ended" at the cut', async (t) => {
  if (skip) return t.skip('this gateway has no /api/robots or /signaling yet');
  const robots = await api('GET', '/api/robots');
  const robot = robots.json.robots.find((r) => r.name === 'robot-1');
  assert.ok(robot, 'robot-1 from the previous test');
  // Booked long enough for a slow machine to start the picture; shortened once it plays
  // (a change the gateway applies to live sessions at once).
  const now = Math.floor(Date.now() / 1000);
  const b = await api('POST', '/api/bookings', { username: USER.username, resource: robot.resource, starts_at: now - 5, ends_at: now + 120 });
  assert.equal(b.status, 201, b.text);

  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${gw.url}/`);
  await page.getByLabel('User name').fill(USER.username);
  await page.getByLabel('Password').fill(USER.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  await page.goto(`${gw.url}/#/watch/robot/${robot.id}`);
  await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'playing', null, { timeout: 20000 });
  const ends = Math.floor(Date.now() / 1000) + 4;
  const shortened = await api('PATCH', `/api/bookings/${b.json.booking.id}`, { ends_at: ends });
  assert.equal(shortened.status, 200, shortened.text);
  await page.waitForFunction(() => document.querySelector('#session-bar')?.dataset.warned === 'gateway', null, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'ended', null, { timeout: 15000 });
  const at = Date.now() / 1000;
  assert.ok(at >= ends - 1 && at < ends + 3, `cut at ${at}, booking ended ${ends}`);
  assert.match(await page.textContent('#stage-overlay'), /Session ended.*booking has ended/);
  await page.screenshot({ path: path.join(artifacts, '23-robot-session-ended.png'), fullPage: true });
  await context.close();
});

test('the robot drops and comes back: the page says it is offline, then plays it again', async (t) => {
  if (skip) return t.skip('this gateway has no /api/robots or /signaling yet');
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${gw.url}/`);
  await page.getByLabel('User name').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  const robots = await api('GET', '/api/robots');
  const robot = robots.json.robots.find((r) => r.name === 'robot-1');
  await page.goto(`${gw.url}/#/watch/robot/${robot.id}`);
  await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'playing', null, { timeout: 20000 });

  await robotPage.context().close();  // the robot's process ends
  await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'waiting', null, { timeout: 10000 });
  assert.match(await page.textContent('#stage-overlay'), /offline/);
  const back = Date.now();
  robotPage = await startRobotPage();
  await page.waitForFunction(() => document.querySelector('#stage')?.dataset.state === 'playing', null, { timeout: 20000 })
    .catch(async (e) => {
      const state = await page.evaluate(() => [document.querySelector('#stage')?.dataset.state, document.querySelector('#stage-overlay')?.textContent]);
      const log = await robotPage.evaluate(() => window.robotLog);
      throw new Error(`${e.message}; page ${JSON.stringify(state)}; robot saw ${JSON.stringify(log)}; gateway: ${gw.output?.().slice(-2000)}`);
    });
  console.log(`# web page: robot back to playing in ${Date.now() - back} ms`);
  const f1 = Number(await page.textContent('#stat-frames'));
  await page.waitForTimeout(1500);
  const f2 = Number(await page.textContent('#stat-frames'));
  assert.ok(f2 > f1 + 10, `frames come again (${f1} -> ${f2})`);
  await context.close();
});
