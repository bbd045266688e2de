// Robots through the gateway ([robots] media = "relay"): the real gateway, the real
// camgate-robot (--source test, H.264 through x264enc) and headless Chromium viewers on
// /signaling. The robot must see one viewer, the relay, however many watch, and a
// booking's end must stop a viewer's video at the gateway, whatever the robot does.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test robot/relay_e2e.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startGateway, bin, spawnUntil, CHROMIUM_WEBRTC_ARGS, USER } from '../support/gateway.mjs';
import { viewerMain, measure } from '../support/robot_viewer.mjs';

let gw;
let browser;
let robot;
let robotId;
let skip = '';
const ROBOT = 'robot-relay';

before(async () => {
  if (!existsSync(bin('camgate-robot'))) { skip = 'camgate-robot is not built'; return; }
  gw = await startGateway({ loopbackWebrtc: true, config: '\n[robots]\nmedia = "relay"\nrelay_linger_s = 1\n' });
  const r = await gw.api('POST', '/api/robots', { token: gw.adminToken, body: { name: ROBOT } });
  assert.equal(r.status, 201, r.text);
  robotId = r.json.robot.id;
  robot = await spawnUntil(bin('camgate-robot'), [
    '--gateway', gw.url, '--robot', ROBOT, '--source', 'test',
    '--width', '640', '--height', '360', '--fps', '30',
    '--ice-local-address', '127.0.0.1', '--log-level', 'info',
  ], /registered as/, { env: { CAMGATE_ROBOT_CREDENTIAL: r.json.credential }, timeoutMs: 20000 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', ...CHROMIUM_WEBRTC_ARGS] });
});

after(async () => {
  await browser?.close();
  if (robot) {
    robot.child.kill('SIGTERM');
    await new Promise((r) => { if (robot.child.exitCode !== null) r(); else robot.child.once('exit', r); });
  }
  await gw?.stop();
});

async function viewerPage() {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.stack));
  await page.goto(`${gw.url}/favicon.svg`);
  return page;
}

const offersSeenByRobot = () => [...robot.output().matchAll(/robot: offer from (\S+)/g)].map((m) => m[1]);

test('three Chromium viewers get the robot through the relay; the robot sends one stream', async (t) => {
  if (skip) return t.skip(skip);
  const page = await viewerPage();
  const first = await page.evaluate(viewerMain, { token: gw.adminToken, robotId: ROBOT, count: 3 });
  const all = await measure(page, 2000);
  console.log(`# relay: offer to first decoded frame ${first.firstFrameMs} ms; fps ${all.map((x) => x.fps.toFixed(1)).join(' ')}`);
  for (const x of all) {
    assert.equal(x.width, 640);
    assert.equal(x.height, 360);
    assert.ok(x.fps >= 20, `each viewer decodes (${x.fps.toFixed(1)} fps)`);
  }
  assert.deepEqual(offersSeenByRobot(), ['camgate-relay'], 'the robot answered the relay only');
  await page.context().close();
});

test('a booking end stops the viewer\'s relayed video at the gateway', async (t) => {
  if (skip) return t.skip(skip);
  const now = Math.floor(Date.now() / 1000);
  const ends = now + 4;
  const b = await gw.api('POST', '/api/bookings', {
    token: gw.adminToken, body: { username: USER.username, resource: `robot:${robotId}`, starts_at: now - 5, ends_at: ends },
  });
  assert.equal(b.status, 201, b.text);
  const page = await viewerPage();
  await page.evaluate(viewerMain, { token: gw.userToken, robotId: ROBOT, count: 1 });
  // Poll framesDecoded: the last time it grew is when the media stopped.
  let last = 0;
  let lastGrowth = Date.now();
  while (Date.now() < (ends + 4) * 1000) {
    const [s] = await page.evaluate(() => Promise.all(window.viewers.map((v) => window.viewerStats(v.pc))));
    if (s.frames > last) { last = s.frames; lastGrowth = Date.now(); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const after = (lastGrowth - ends * 1000) / 1000;
  console.log(`# relay: the last frame reached the viewer ${after.toFixed(2)} s after the booking's end`);
  assert.ok(last > 30, `the viewer decoded before the end (${last} frames)`);
  assert.ok(after < 1, `video stopped ${after.toFixed(2)} s after the booking's end`);
  // The robot never heard of this viewer: the gateway cut it.
  assert.ok(!offersSeenByRobot().some((p) => p.startsWith(USER.username)));
  await page.context().close();
});

// Reads an MJPEG response for `ms` (or until it ends): the pictures' count and when the
// last one arrived.
async function readMjpeg(res, ms) {
  const reader = res.body.getReader();
  const started = Date.now();
  let pictures = 0;
  let lastAt = 0;
  let ended = false;
  const timer = setTimeout(() => reader.cancel().catch(() => {}), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) { ended = true; break; }
      // A picture starts with FF D8 (SOI); count them in the chunk.
      for (let i = 0; i + 1 < value.length; i++) {
        if (value[i] === 0xff && value[i + 1] === 0xd8) { pictures++; lastAt = Date.now(); }
      }
    }
  } catch { /* cancelled */ }
  clearTimeout(timer);
  return { pictures, lastAt, ended: ended && Date.now() - started < ms };
}

const jpegSize = (buf) => {
  // The SOF0..SOF2 marker holds height and width.
  for (let i = 2; i + 9 < buf.length; i++) {
    if (buf[i] === 0xff && buf[i + 1] >= 0xc0 && buf[i + 1] <= 0xc2)
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
  }
  return null;
};

test('a robot\'s pictures: snapshot, MJPEG and analysis from its one relayed stream', async (t) => {
  if (skip) return t.skip(skip);
  const auth = { Authorization: `Bearer ${gw.adminToken}` };
  await new Promise((r) => setTimeout(r, 1500)); // past relay_linger_s: the upstream is closed
  const offersBefore = offersSeenByRobot().length;
  const asked = Date.now();
  const snap = await fetch(`${gw.url}/api/robots/${robotId}/snapshot`, { headers: auth });
  const firstMs = Date.now() - asked;
  assert.equal(snap.status, 200, await snap.clone().text());
  assert.equal(snap.headers.get('content-type'), 'image/jpeg');
  const jpeg = Buffer.from(await snap.arrayBuffer());
  assert.deepEqual(jpegSize(jpeg), { width: 640, height: 360 });
  console.log(`# robot snapshot from a cold upstream in ${firstMs} ms (${jpeg.length} bytes)`);

  const stream = await fetch(`${gw.url}/api/robots/${robotId}/stream`, { headers: auth });
  assert.equal(stream.status, 200);
  const m = await readMjpeg(stream, 2000);
  console.log(`# robot MJPEG: ${m.pictures} pictures in 2 s`);
  assert.ok(m.pictures >= 40, `MJPEG of the robot at ~30 fps (${m.pictures} in 2 s)`);

  const a = await gw.api('POST', `/api/robots/${robotId}/analyze`, { token: gw.adminToken });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json.frame_size, [360, 640, 3]);
  assert.equal(a.json.robot_id, robotId);
  assert.equal(a.json.robot, ROBOT);
  // The snapshot opened the upstream; the stream and the analysis shared it.
  assert.deepEqual(offersSeenByRobot().slice(offersBefore), ['camgate-relay']);
});

test('a robot\'s pictures refuse strangers and unknown robots, and take a stream ticket', async (t) => {
  if (skip) return t.skip(skip);
  const none = await gw.api('GET', '/api/robots/99999/snapshot', { token: gw.adminToken });
  assert.equal(none.status, 404);
  assert.equal(none.json.success, false);
  // alice holds no booking of this robot now (the cut test's ended).
  const denied = await gw.api('GET', `/api/robots/${robotId}/stream`, { token: gw.userToken });
  assert.equal(denied.status, 403, denied.text);
  assert.equal(denied.json.success, false);
  const tk = await gw.api('POST', '/auth/stream-ticket', { token: gw.adminToken, body: { resource: `robot:${robotId}` } });
  assert.equal(tk.status, 200, tk.text);
  const snap = await fetch(`${gw.url}/api/robots/${robotId}/snapshot?ticket=${tk.json.ticket}`);
  assert.equal(snap.status, 200);
  // A robot's ticket opens that robot only.
  const other = await fetch(`${gw.url}/api/cameras/${robotId}/snapshot?ticket=${tk.json.ticket}`);
  assert.equal(other.status, 401);
});

test('a booking end cuts a robot MJPEG stream within a second', async (t) => {
  if (skip) return t.skip(skip);
  const now = Math.floor(Date.now() / 1000);
  const ends = now + 3;
  const b = await gw.api('POST', '/api/bookings', {
    token: gw.adminToken, body: { username: USER.username, resource: `robot:${robotId}`, starts_at: now - 5, ends_at: ends },
  });
  assert.equal(b.status, 201, b.text);
  const res = await fetch(`${gw.url}/api/robots/${robotId}/stream`, { headers: { Authorization: `Bearer ${gw.userToken}` } });
  assert.equal(res.status, 200);
  const m = await readMjpeg(res, 8000);
  const after = (m.lastAt - ends * 1000) / 1000;
  console.log(`# robot MJPEG: last picture ${after.toFixed(2)} s after the booking's end`);
  assert.ok(m.ended, 'the gateway ended the stream');
  assert.ok(m.pictures > 20, `pictures before the end (${m.pictures})`);
  assert.ok(after < 1, `stream cut ${after.toFixed(2)} s after the booking's end`);
});

// Runs in the page: a WHEP viewer of the robot (candidates in the offer, no trickle).
async function whepViewer({ token, robotId }) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => {
    if (pc.iceGatheringState === 'complete') r();
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); };
    setTimeout(r, 2000);
  });
  const t0 = performance.now();
  const res = await fetch(`/api/robots/${robotId}/whep`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/sdp' },
    body: pc.localDescription.sdp,
  });
  if (res.status !== 201) return { status: res.status, text: await res.text() };
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  const frames = async () => {
    let n = 0;
    (await pc.getStats()).forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') n = x.framesDecoded ?? 0; });
    return n;
  };
  while (await frames() === 0) {
    if (performance.now() - t0 > 15000) return { status: 0, text: 'no frame decoded in 15 s' };
    await new Promise((r) => setTimeout(r, 20));
  }
  const firstFrameMs = Math.round(performance.now() - t0);
  const before = await frames();
  await new Promise((r) => setTimeout(r, 1500));
  const fps = (await frames() - before) / 1.5;
  return { status: 201, location: res.headers.get('Location'), firstFrameMs, fps };
}

test('WHEP plays a robot through its relay; bad offers and unknown sessions get JSON errors', async (t) => {
  if (skip) return t.skip(skip);
  const offersBefore = offersSeenByRobot().length;
  const page = await viewerPage();
  const w = await page.evaluate(whepViewer, { token: gw.adminToken, robotId });
  assert.equal(w.status, 201, w.text);
  assert.match(w.location, new RegExp(`^/api/robots/${robotId}/whep/[A-Za-z0-9_-]+$`));
  console.log(`# robot over WHEP: POST to first decoded frame ${w.firstFrameMs} ms, ${w.fps.toFixed(1)} fps`);
  assert.ok(w.fps >= 20, `WHEP viewer decodes (${w.fps.toFixed(1)} fps)`);
  assert.ok(offersSeenByRobot().length - offersBefore <= 1, 'at most one new upstream for the WHEP viewer');

  const bad = await fetch(`${gw.url}/api/robots/${robotId}/whep`, {
    method: 'POST', headers: { Authorization: `Bearer ${gw.adminToken}`, 'Content-Type': 'application/sdp' }, body: 'v=0\r\nnot sdp',
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).success, false);
  const unknown = await gw.api('DELETE', `/api/robots/${robotId}/whep/nosuchsession`, { token: gw.adminToken });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.success, false);
  const denied = await page.evaluate(whepViewer, { token: gw.userToken, robotId });
  assert.equal(denied.status, 403, 'alice holds no booking now');
  const bye = await gw.api('DELETE', w.location, { token: gw.adminToken });
  assert.equal(bye.status, 200, bye.text);
  await page.context().close();
});

test('a robot records through its relay: one upstream, an H.264 MP4 that ffprobe reads', async (t) => {
  if (skip) return t.skip(skip);
  if (spawnSync('ffprobe', ['-version']).status !== 0) return t.skip('ffprobe (Debian ffmpeg) is missing');
  const start = await gw.api('POST', `/api/robots/${robotId}/recordings`, { token: gw.adminToken });
  assert.equal(start.status, 201, start.text);
  const state = await gw.api('GET', `/api/robots/${robotId}/recording`, { token: gw.adminToken });
  assert.equal(state.json.recording, true);
  await new Promise((r) => setTimeout(r, 4000));
  const stop = await gw.api('DELETE', `/api/robots/${robotId}/recordings/current`, { token: gw.adminToken });
  assert.equal(stop.status, 200, stop.text);
  const rec = stop.json.recording;
  assert.equal(rec.state, 'complete');
  assert.equal(rec.resource, `robot:${robotId}`);
  assert.ok(rec.frames > 30, `${rec.frames} pictures in 4 s`);
  const r = await fetch(`${gw.url}/api/recordings/${rec.id}/download`, { headers: { Authorization: `Bearer ${gw.adminToken}` } });
  assert.equal(r.status, 200);
  const file = path.join(tmpdir(), `camgate-robot-rec-${process.pid}.mp4`);
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const p = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
    'stream=nb_read_frames,codec_name,width,height', '-of', 'json', file], { encoding: 'utf8' });
  rmSync(file, { force: true });
  assert.equal(p.status, 0, p.stderr);
  const s = JSON.parse(p.stdout).streams[0];
  assert.equal(s.codec_name, 'h264');
  assert.deepEqual([s.width, s.height], [640, 360]);
  assert.ok(Math.abs(Number(s.nb_read_frames) - rec.frames) <= Math.max(1, rec.frames * 0.02), `ffprobe ${s.nb_read_frames}, row ${rec.frames}`);
  assert.deepEqual(offersSeenByRobot().filter((x) => x !== 'camgate-relay'), [], 'the robot still answered the relay only');
});

test('relay_keep_warm opens the upstream when the robot registers; a viewer then starts fast', async (t) => {
  if (skip) return t.skip(skip);
  const warm = await startGateway({ loopbackWebrtc: true, config: '\n[robots]\nmedia = "relay"\nrelay_keep_warm = true\n' });
  let warmRobot;
  try {
    const r = await warm.api('POST', '/api/robots', { token: warm.adminToken, body: { name: ROBOT } });
    assert.equal(r.status, 201, r.text);
    warmRobot = await spawnUntil(bin('camgate-robot'), [
      '--gateway', warm.url, '--robot', ROBOT, '--source', 'test',
      '--width', '640', '--height', '360', '--fps', '30',
      '--ice-local-address', '127.0.0.1', '--log-level', 'info',
    ], /robot: offer from camgate-relay/, { env: { CAMGATE_ROBOT_CREDENTIAL: r.json.credential }, timeoutMs: 20000 });
    // No viewer yet: the relay offered on its own. Let the upstream connect.
    await new Promise((res) => setTimeout(res, 1500));
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${warm.url}/favicon.svg`);
    const w = await page.evaluate(whepViewer, { token: warm.adminToken, robotId: r.json.robot.id });
    assert.equal(w.status, 201, w.text);
    console.log(`# warm relay: WHEP POST to first decoded frame ${w.firstFrameMs} ms`);
    assert.ok(w.fps >= 20, `decodes (${w.fps.toFixed(1)} fps)`);
    const offers = [...warmRobot.output().matchAll(/robot: offer from (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(offers, ['camgate-relay'], 'the viewer used the warm upstream');
    await page.context().close();
  } finally {
    if (warmRobot) {
      warmRobot.child.kill('SIGTERM');
      await new Promise((res) => { if (warmRobot.child.exitCode !== null) res(); else warmRobot.child.once('exit', res); });
    }
    await warm.stop();
  }
});
