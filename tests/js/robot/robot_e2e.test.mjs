// End to end: the real gateway, the real camgate-robot (--source test, 1280x720 at 30,
// H.264 through x264enc) and headless Chromium as the viewer on /signaling.
// Skipped when the gateway has no /signaling or /api/robots yet.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test robot/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startGateway, bin, spawnUntil } from '../support/gateway.mjs';

let gw;
let browser;
let robot;
let skip = '';
const ROBOT = 'robot-e2e';

function cpuTicks(pid) {
  // utime + stime, in clock ticks (100 per second on Linux)
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function cpuPercent(pid, ms) {
  const t0 = cpuTicks(pid);
  await new Promise((r) => setTimeout(r, ms));
  return ((cpuTicks(pid) - t0) / 100) / (ms / 1000) * 100;
}

before(async () => {
  if (!existsSync(bin('camgate-robot'))) { skip = 'camgate-robot is not built'; return; }
  gw = await startGateway();
  const sig = await fetch(`${gw.url}/signaling`, { headers: { Authorization: `Bearer ${gw.adminToken}` } });
  const r = await gw.api('POST', '/api/robots', { token: gw.adminToken, body: { name: ROBOT } });
  if (sig.status === 404 || r.status === 404) { skip = 'this gateway has no /signaling or /api/robots yet'; return; }
  assert.equal(r.status, 201, r.text);
  robot = await spawnUntil(bin('camgate-robot'), [
    '--gateway', gw.url, '--robot', ROBOT, '--source', 'test',
    '--width', '1280', '--height', '720', '--fps', '30',
    '--ice-local-address', '127.0.0.1', '--log-level', 'info',
  ], /registered as/, { env: { CAMGATE_ROBOT_CREDENTIAL: r.json.credential }, timeoutMs: 20000 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
});

after(async () => {
  await browser?.close();
  if (robot) {
    robot.child.kill('SIGTERM');
    await new Promise((r) => { if (robot.child.exitCode !== null) r(); else robot.child.once('exit', r); });
  }
  await gw?.stop();
});

// Runs in the page: a viewer that opens `count` peer connections to the robot.
async function viewerMain({ token, robotId, count }) {
  const ws = new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
  const send = (m) => ws.send(JSON.stringify(m));
  const inbox = [];
  const waiters = [];
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    inbox.push(m);
    for (const w of [...waiters]) w();
  };
  const next = (pred, ms = 10000) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = () => {
      const i = inbox.findIndex(pred);
      if (i >= 0) { const m = inbox.splice(i, 1)[0]; waiters.splice(waiters.indexOf(check), 1); resolve(m); }
      else if (Date.now() - t0 > ms) { waiters.splice(waiters.indexOf(check), 1); reject(new Error(`timeout; got ${JSON.stringify(inbox.map((m) => m.type))}`)); }
    };
    waiters.push(check);
    setTimeout(check, ms + 10);
    check();
  });
  await new Promise((r) => { ws.onopen = r; });
  window.viewers = [];
  for (let n = 0; n < count; n++) {
    // One signaling connection per viewer: the gateway routes by peer id.
    const vws = n === 0 ? ws : new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
    const vinbox = n === 0 ? null : [];
    if (n > 0) {
      await new Promise((r) => { vws.onopen = r; });
      vws.onmessage = (ev) => vinbox.push(JSON.parse(ev.data));
    }
    const vsend = (m) => vws.send(JSON.stringify(m));
    const vnext = n === 0 ? next : (pred, ms = 10000) => new Promise((resolve, reject) => {
      const t0 = Date.now();
      const t = setInterval(() => {
        const i = vinbox.findIndex(pred);
        if (i >= 0) { clearInterval(t); resolve(vinbox.splice(i, 1)[0]); }
        else if (Date.now() - t0 > ms) { clearInterval(t); reject(new Error('timeout')); }
      }, 10);
    });
    vsend({ type: 'register', userId: 'viewer', userType: 'viewer' });
    await vnext((m) => m.type === 'registered');
    await vnext((m) => m.type === 'robot-online' && m.robotId === robotId);
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.onicecandidate = (e) => { if (e.candidate) vsend({ type: 'ice-candidate', to: robotId, candidate: e.candidate.toJSON() }); };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const t0 = performance.now();
    vsend({ type: 'offer', to: robotId, offer: { type: offer.type, sdp: offer.sdp } });
    const answer = await vnext((m) => m.type === 'answer');
    await pc.setRemoteDescription(answer.answer);
    const pump = setInterval(async () => {
      const q = n === 0 ? inbox : vinbox;
      for (let i = q.length - 1; i >= 0; i--) {
        if (q[i].type === 'ice-candidate') { const m = q.splice(i, 1)[0]; await pc.addIceCandidate(m.candidate).catch(() => {}); }
      }
    }, 10);
    const v = { pc, t0, pump, answerSdp: answer.answer.sdp };
    window.viewers.push(v);
  }
  // First decoded frame of viewer 0.
  const stats = async (pc) => {
    const r = await pc.getStats();
    let s = null;
    r.forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') s = x; });
    let codec = '';
    if (s?.codecId) codec = r.get(s.codecId)?.mimeType ?? '';
    return { frames: s?.framesDecoded ?? 0, width: s?.frameWidth ?? 0, height: s?.frameHeight ?? 0, codec, lost: s?.packetsLost ?? 0 };
  };
  const v0 = window.viewers[0];
  const deadline = performance.now() + 15000;
  while ((await stats(v0.pc)).frames === 0) {
    if (performance.now() > deadline) throw new Error('no frame decoded in 15 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const firstFrameMs = Math.round(performance.now() - v0.t0);
  await new Promise((r) => setTimeout(r, 1000));
  window.viewerStats = stats;
  return { firstFrameMs, answerSdp: v0.answerSdp };
}

async function measure(page, ms) {
  return page.evaluate(async (ms) => {
    const before = await Promise.all(window.viewers.map((v) => window.viewerStats(v.pc)));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const after = await Promise.all(window.viewers.map((v) => window.viewerStats(v.pc)));
    const secs = (performance.now() - t0) / 1000;
    return after.map((a, i) => ({ ...a, fps: (a.frames - before[i].frames) / secs }));
  }, ms);
}

test('Chromium receives the robot at 1280x720 and >= 25 fps; one encode for 4 viewers', async (t) => {
  if (skip) return t.skip(skip);
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('page:', m.text()); });
  await page.goto(`${gw.url}/favicon.svg`);
  const first = await page.evaluate(viewerMain, { token: gw.adminToken, robotId: ROBOT, count: 1 });
  assert.match(first.answerSdp, /a=rtpmap:\d+ H264\/90000/);
  assert.match(first.answerSdp, /packetization-mode=1/);
  assert.match(first.answerSdp, /profile-level-id=42e01f/);
  const cpu1 = await cpuPercent(robot.child.pid, 3000);
  const [s] = await measure(page, 3000);
  console.log(`# offer to first decoded frame: ${first.firstFrameMs} ms; ${s.fps.toFixed(1)} fps ${s.width}x${s.height} ${s.codec}, lost ${s.lost}; robot CPU with 1 viewer: ${cpu1.toFixed(0)}%`);
  assert.equal(s.width, 1280);
  assert.equal(s.height, 720);
  assert.equal(s.codec, 'video/H264');
  assert.ok(s.fps >= 25, `framesDecoded grows ${s.fps.toFixed(1)} fps`);

  // Three more viewers (each its own signaling connection and peer).
  const page4 = await (await browser.newContext()).newPage();
  await page4.goto(`${gw.url}/favicon.svg`);
  await page4.evaluate(viewerMain, { token: gw.adminToken, robotId: ROBOT, count: 3 });
  const cpu4 = await cpuPercent(robot.child.pid, 3000);
  const all = [...await measure(page, 3000), ...await measure(page4, 3000)];
  console.log(`# robot CPU with 4 viewers: ${cpu4.toFixed(0)}% (1 viewer: ${cpu1.toFixed(0)}%); fps ${all.map((x) => x.fps.toFixed(1)).join(' ')}`);
  for (const x of all) {
    assert.equal(x.width, 1280);
    assert.ok(x.fps >= 20, `each of 4 viewers decodes (${x.fps.toFixed(1)} fps)`);
  }
  // Four encodes would cost about 4x; one shared encode plus 3 payloaders stays far below.
  assert.ok(cpu4 < cpu1 * 2.2 + 10, `CPU 1 viewer ${cpu1.toFixed(0)}%, 4 viewers ${cpu4.toFixed(0)}%`);
});
