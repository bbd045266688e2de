// Robots through the gateway ([robots] media = "relay"): the real gateway, the real
// camgate-robot (--source test, H.264 through x264enc) and headless Chromium viewers on
// /signaling. The robot must see one viewer, the relay, however many watch, and a
// booking's end must stop a viewer's video at the gateway, whatever the robot does.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test robot/relay_e2e.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
