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
import { viewerMain, measure } from '../support/robot_viewer.mjs';

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
  // P2P on purpose: relay_e2e covers the default (relay); this keeps the direct mode tested.
  gw = await startGateway({ config: '\n[robots]\nmedia = "p2p"\n' });
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
