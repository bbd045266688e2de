// A camsim camera over WebRTC through the signaling protocol (/signaling): a Chromium
// viewer offers to peer "camera:<id>" and the gateway's encoder of that camera (the one
// WHEP viewers share) answers as that peer. The booking policy and the cuts apply.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { startCamsim, startGateway, CHROMIUM_WEBRTC_ARGS, USER } from '../support/gateway.mjs';
import { viewerMain, measure } from '../support/robot_viewer.mjs';

let cam;
let gw;
let browser;
let cameraId;

before(async () => {
  cam = await startCamsim([], { resolution: '640x480', fps: 25 });
  gw = await startGateway({ config: '\n[webrtc]\nlocal_addresses = ["127.0.0.1"]\nencoder_linger_s = 1\n' });
  const r = await gw.api('POST', '/api/cameras', {
    token: gw.adminToken, body: { name: 'Chair 2', ip_address: '127.0.0.1', port: cam.port },
  });
  assert.equal(r.status, 201, r.text);
  cameraId = r.json.camera.id;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', ...CHROMIUM_WEBRTC_ARGS] });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await cam?.stop();
});

async function page() {
  const p = await (await browser.newContext()).newPage();
  p.on('pageerror', (e) => console.error('page error:', e.stack));
  await p.goto(`${gw.url}/favicon.svg`);
  return p;
}

// Runs in the page: one offer to `to`, and the first message that answers it.
async function offerOnce({ token, to }) {
  const ws = new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
  const inbox = [];
  ws.onmessage = (ev) => inbox.push(JSON.parse(ev.data));
  await new Promise((r) => { ws.onopen = r; });
  ws.send(JSON.stringify({ type: 'register', userId: 'v', userType: 'viewer' }));
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  const offer = await pc.createOffer();
  ws.send(JSON.stringify({ type: 'offer', to, offer: { type: offer.type, sdp: offer.sdp } }));
  const t0 = Date.now();
  while (Date.now() - t0 < 5000) {
    const m = inbox.find((x) => ['error', 'answer', 'peer-left'].includes(x.type));
    if (m) { ws.close(); pc.close(); return m; }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { type: 'timeout', got: inbox.map((x) => x.type) };
}

test('two Chromium viewers play the camera through /signaling, answered as "camera:<id>"', async () => {
  const p = await page();
  const first = await p.evaluate(viewerMain, { token: gw.adminToken, robotId: `camera:${cameraId}`, count: 2 });
  const all = await measure(p, 2000);
  console.log(`# camera over /signaling: offer to first decoded frame ${first.firstFrameMs} ms; fps ${all.map((x) => x.fps.toFixed(1)).join(' ')}`);
  for (const x of all) {
    assert.equal(x.width, 640);
    assert.equal(x.height, 480);
    assert.ok(x.fps >= 15, `each viewer decodes (${x.fps.toFixed(1)} fps of 25)`);
  }
  await p.context().close();
});

test('no booking, an unknown camera and a malformed camera name each get their answer', async () => {
  const p = await page();
  const denied = await p.evaluate(offerOnce, { token: gw.userToken, to: `camera:${cameraId}` });
  assert.equal(denied.type, 'error');
  assert.match(denied.error, /not allowed to use 'camera:\d+': no booking/);
  const unknown = await p.evaluate(offerOnce, { token: gw.adminToken, to: 'camera:99999' });
  assert.deepEqual(unknown, { type: 'peer-left', from: 'camera:99999', reason: 'no such camera' });
  const odd = await p.evaluate(offerOnce, { token: gw.adminToken, to: `camera:0${cameraId}` });
  assert.equal(odd.type, 'error');
  await p.context().close();
});

test('a booking end stops the camera\'s video over /signaling within a second', async () => {
  const now = Math.floor(Date.now() / 1000);
  const ends = now + 4;
  const b = await gw.api('POST', '/api/bookings', {
    token: gw.adminToken, body: { username: USER.username, resource: `camera:${cameraId}`, starts_at: now - 5, ends_at: ends },
  });
  assert.equal(b.status, 201, b.text);
  const p = await page();
  await p.evaluate(viewerMain, { token: gw.userToken, robotId: `camera:${cameraId}`, count: 1 });
  let last = 0;
  let lastGrowth = Date.now();
  while (Date.now() < (ends + 3) * 1000) {
    const [s] = await p.evaluate(() => Promise.all(window.viewers.map((v) => window.viewerStats(v.pc))));
    if (s.frames > last) { last = s.frames; lastGrowth = Date.now(); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const after = (lastGrowth - ends * 1000) / 1000;
  console.log(`# camera over /signaling: the last frame ${after.toFixed(2)} s after the booking's end`);
  assert.ok(last > 20, `frames before the end (${last})`);
  assert.ok(after < 1, `video stopped ${after.toFixed(2)} s after the booking's end`);
  await p.context().close();
});
