// Analysis end to end: the real gateway analyzes camsim's pictures with its built-in
// analyzers and with external ones (tests/js/support/fake_analyzer.mjs), on demand and
// continuously (profiles); events reach SSE, WebSocket, a webhook and MQTT; the booking
// policy holds for live events and for the stored history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startGateway, startCamsim, waitFor, USER } from '../support/gateway.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MOSQUITTO = '/usr/sbin/mosquitto';
const hasMqtt = existsSync(MOSQUITTO) && spawnSync('mosquitto_sub', ['--help']).status !== null;
const CAM_FPS = 10;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

// The fake analyzer: resolves once it printed its port.
function startFakeAnalyzer() {
  const child = spawn(process.execPath, [path.join(here, '../support/fake_analyzer.mjs'), '--slow-ms', '2000'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const { port } = JSON.parse(out.slice(0, nl));
        resolve({ child, port, url: `http://127.0.0.1:${port}`,
          stats: async () => (await fetch(`http://127.0.0.1:${port}/stats`)).json(),
          stop: () => stopChild(child) });
      }
    });
    child.on('exit', (c) => reject(new Error(`fake analyzer exited ${c}`)));
  });
}

// A Server-Sent Events reader over fetch(): every `data:` event parsed as JSON.
function openSse(url, token) {
  const ac = new AbortController();
  const events = [];
  const waiters = new Set();
  const sse = { events, status: null, closed: false, closedAt: null };
  const check = () => { for (const w of waiters) w(); };
  sse.ready = (async () => {
    const r = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: ac.signal });
    sse.status = r.status;
    sse.contentType = r.headers.get('content-type');
    if (r.status !== 200) {
      sse.body = await r.text();
      sse.closed = true;
      return;
    }
    (async () => {
      const dec = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of r.body) {
          buf += dec.decode(chunk, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
            if (data) {
              const ev = JSON.parse(data);
              ev._received = Date.now();
              events.push(ev);
            }
          }
          check();
        }
      } catch { /* aborted */ }
      sse.closed = true;
      sse.closedAt = Date.now();
      check();
    })();
  })();
  sse.waitEvent = (what, pred, timeoutMs = 10000) => new Promise((resolve, reject) => {
    const w = () => {
      const e = events.find(pred);
      if (e) { clear(); resolve(e); } else if (sse.closed) { clear(); reject(new Error(`stream closed before ${what}; got ${summary(events)}`)); }
    };
    const timer = setTimeout(() => { clear(); reject(new Error(`timed out waiting for ${what}; got ${summary(events)}`)); }, timeoutMs);
    const clear = () => { clearTimeout(timer); waiters.delete(w); };
    waiters.add(w);
    w();
  });
  sse.waitClosed = (timeoutMs) => waitFor('the event stream to close', () => sse.closed, timeoutMs);
  sse.close = () => ac.abort();
  return sse;
}

function summary(events) {
  const counts = {};
  for (const e of events) {
    const k = e.type === 'alert' ? `alert:${e.alert}:${e.state}` : e.type === 'camera-state' ? `state:${e.state}` : e.type;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return JSON.stringify(counts);
}

// A WebSocket client collecting text (JSON) and binary messages.
function openWs(url, token) {
  const ws = new WebSocket(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const out = { ws, text: [], binary: 0, order: [] };
  ws.on('message', (data, isBinary) => {
    if (isBinary) { out.binary += 1; out.order.push('b'); } else { out.text.push(JSON.parse(data.toString())); out.order.push('t'); }
  });
  out.open = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); ws.once('unexpected-response', (_req, res) => reject(new Error(`ws ${res.statusCode}`))); });
  out.close = () => { try { ws.terminate(); } catch { /* */ } };
  return out;
}

// JPEG pictures in an MJPEG stream over `ms`.
async function countMjpeg(url, token, ms) {
  const ac = new AbortController();
  const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: ac.signal });
  assert.equal(r.status, 200);
  let n = 0;
  let prev = Buffer.alloc(0);
  const end = Date.now() + ms;
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    for await (const chunk of r.body) {
      const b = Buffer.concat([prev.subarray(-2), Buffer.from(chunk)]);
      for (let i = 0; i + 2 < b.length; i += 1) if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) n += 1;
      prev = b;
      if (Date.now() > end) break;
    }
  } catch { /* aborted */ }
  clearTimeout(timer);
  ac.abort();
  return n;
}

let fake;
let hook;
const hooks = [];
let mosq;
let mqttPort;
let mqttDir;
const cams = {};
let gw;
const ids = {};

async function addCamera(name, cam) {
  const r = await gw.api('POST', '/api/cameras', { token: gw.adminToken, body: { name, ip_address: '127.0.0.1', port: cam.port } });
  assert.equal(r.status, 201, r.text);
  return r.json.camera.id;
}

const putProfile = (id, body, token = gw.adminToken) => gw.api('PUT', `/api/cameras/${id}/analysis`, { token, body });
const analysisOf = async (id) => (await gw.api('GET', `/api/cameras/${id}/analysis`, { token: gw.adminToken })).json;
// The service applies a profile on its next reconcile (at most a second).
const runningIs = (id, running) => waitFor(`camera ${id} analysis running=${running}`, async () => {
  const j = await analysisOf(id);
  return j.running === running ? j : null;
}, 4000);
async function setProfile(id, body) {
  const r = await putProfile(id, body);
  assert.equal(r.status, 200, r.text);
  if (body.when) await runningIs(id, body.when === 'always');
  return r;
}
async function resetProfile(id) {
  const r = await gw.api('DELETE', `/api/cameras/${id}/analysis`, { token: gw.adminToken });
  assert.equal(r.status, 200, r.text);
  await runningIs(id, false);
  return r;
}

before(async () => {
  fake = await startFakeAnalyzer();
  hook = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  let mqttConfig = '';
  if (hasMqtt) {
    mqttPort = await freePort();
    mqttDir = mkdtempSync(path.join(tmpdir(), 'camgate-mqtt-'));
    const conf = path.join(mqttDir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    mosq = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    await waitFor('mosquitto', () => new Promise((resolve) => {
      const s = net.connect(mqttPort, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }));
    mqttConfig = `\n[integrations.mqtt]\nhost = "127.0.0.1"\nport = ${mqttPort}\nevents = ["analysis"]\n`;
  }
  [cams.moving, cams.second, cams.still, cams.stall] = await Promise.all([
    startCamsim([], { resolution: '640x480', fps: CAM_FPS }),
    startCamsim([], { resolution: '640x480', fps: CAM_FPS }),
    startCamsim(['--still'], { resolution: '640x480', fps: CAM_FPS }),
    startCamsim([], { resolution: '640x480', fps: CAM_FPS }),
  ]);
  gw = await startGateway({
    config: `
[analysis]
frozen_after_ms = 1500

[analysis.analyzers.fast]
url = "${fake.url}/fast"

[analysis.analyzers.slow]
url = "${fake.url}/slow"
timeout_ms = 5000

[analysis.analyzers.fail]
url = "${fake.url}/fail"

[analysis.analyzers.bad]
url = "${fake.url}/malformed"

[integrations.webhooks.t]
url = "http://127.0.0.1:${hook.address().port}/hook"
secret = "s3cret"
events = ["alert"]
${mqttConfig}`,
  });
  ids.moving = await addCamera('Moving', cams.moving);
  ids.second = await addCamera('Second', cams.second);
  ids.still = await addCamera('Still', cams.still);
  ids.stall = await addCamera('Stall', cams.stall);
  for (const id of Object.values(ids)) {
    await waitFor(`camera ${id}`, async () => (await gw.api('GET', `/api/cameras/${id}/snapshot`, { token: gw.adminToken })).status === 200);
  }
});

after(async () => {
  await gw?.stop();
  await Promise.all(Object.values(cams).map((c) => c?.stop()));
  await fake?.stop();
  await stopChild(mosq);
  if (mqttDir) rmSync(mqttDir, { recursive: true, force: true });
  await new Promise((r) => (hook ? hook.close(r) : r()));
});

test('on demand: an external analyzer answers beside the seed fields; failures are 502, unknown names 400', async () => {
  const id = ids.moving;
  const plain = await gw.api('POST', `/api/cameras/${id}/analyze`, { token: gw.adminToken });
  assert.equal(plain.status, 200, plain.text);
  assert.equal(plain.json.success, true);
  assert.deepEqual(plain.json.frame_size, [480, 640, 3]);
  assert.ok(!('analysis' in plain.json), 'no analysis key without ?analyzer=');

  const before = await fake.stats();
  const fast = await gw.api('POST', `/api/cameras/${id}/analyze?analyzer=fast`, { token: gw.adminToken });
  assert.equal(fast.status, 200, fast.text);
  assert.equal(fast.json.success, true);
  assert.equal(fast.json.message, 'Frame captured successfully');
  assert.deepEqual(fast.json.frame_size, [480, 640, 3]);
  const a = fast.json.analysis.fast;
  assert.ok(a, fast.text);
  assert.deepEqual(a.result.predictions, [{ label: 'tooth', confidence: 0.9 }]);
  assert.equal(a.result.received.method, 'POST');
  assert.match(a.result.received.content_type, /^multipart\/form-data/);
  assert.equal(a.result.received.field, 'image');
  assert.equal(a.result.received.part_content_type, 'image/jpeg');
  assert.ok(a.result.received.jpeg_bytes > 1000, `jpeg of ${a.result.received.jpeg_bytes} bytes`);
  assert.equal(typeof a.ms, 'number');
  assert.equal(typeof a.frame_seq, 'number');
  assert.equal((await fake.stats())['/fast'], before['/fast'] + 1);

  for (const name of ['fail', 'bad']) {
    const r = await gw.api('POST', `/api/cameras/${id}/analyze?analyzer=${name}`, { token: gw.adminToken });
    assert.equal(r.status, 502, `${name}: ${r.text}`);
    assert.equal(r.json.success, false);
    assert.match(r.json.error, new RegExp(name), `${name}: ${r.json.error}`);
  }
  const nope = await gw.api('POST', `/api/cameras/${id}/analyze?analyzer=nope`, { token: gw.adminToken });
  assert.equal(nope.status, 400, nope.text);
  assert.equal(nope.json.success, false);
  for (const known of ['exposure', 'motion', 'fast', 'slow']) assert.match(nope.json.error, new RegExp(known), nope.json.error);

  // A built-in analyzer on demand.
  const exp = await gw.api('POST', `/api/cameras/${id}/analyze?analyzer=exposure`, { token: gw.adminToken });
  assert.equal(exp.status, 200, exp.text);
  assert.ok(['ok', 'under', 'over'].includes(exp.json.analysis.exposure.verdict), exp.text);
});

test('profiles: admin only, validated, applied at once, DELETE goes back to the default', async () => {
  const id = ids.second;
  const user = await putProfile(id, { when: 'always' }, gw.userToken);
  assert.equal(user.status, 403, user.text);
  for (const body of [{ fps: 99 }, { fps: 0 }, { analyzers: ['nope'] }, { colour: 'red' }]) {
    const r = await putProfile(id, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.success, false);
  }
  const off = await gw.api('GET', `/api/cameras/${id}/analysis`, { token: gw.adminToken });
  assert.equal(off.status, 200);
  assert.equal(off.json.profile_source, 'default');
  assert.equal(off.json.running, false);
  assert.equal(typeof off.json.why_not, 'string');
  assert.ok(off.json.analyzers.some((x) => x.name === 'slow' && x.kind === 'external'));
  assert.ok(off.json.analyzers.some((x) => x.name === 'motion' && x.kind === 'built-in'));

  const on = await putProfile(id, { when: 'always', fps: 2, analyzers: ['exposure'] });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.profile_source, 'resource');
  assert.deepEqual(on.json.profile.analyzers, ['exposure']);
  const get = await runningIs(id, true);
  assert.equal(get.why_not, null);
  assert.equal(get.profile.when, 'always');
  // Partial: only fps changes.
  const partial = await putProfile(id, { fps: 3 });
  assert.equal(partial.status, 200, partial.text);
  assert.equal(partial.json.profile.fps, 3);
  assert.equal(partial.json.profile.when, 'always');
  assert.deepEqual(partial.json.profile.analyzers, ['exposure']);

  const del = await gw.api('DELETE', `/api/cameras/${id}/analysis`, { token: gw.adminToken });
  assert.equal(del.status, 200, del.text);
  assert.equal(del.json.profile_source, 'default');
  assert.equal((await runningIs(id, false)).why_not, 'the profile is off');
  assert.equal((await gw.api('DELETE', `/api/cameras/${id}/analysis`, { token: gw.userToken })).status, 403);
});

test('a slow external analyzer holds no viewer back: full-rate MJPEG, other cameras keep their pace, one request in flight', async () => {
  const slowCam = ids.moving;
  const other = ids.second;
  await setProfile(slowCam, { when: 'always', fps: 2, analyzers: ['slow', 'exposure'] });
  await setProfile(other, { when: 'always', fps: 2, analyzers: ['exposure'] });
  const sse = openSse(`${gw.url}/api/cameras/${other}/events`, gw.adminToken);
  const sseSlow = openSse(`${gw.url}/api/cameras/${slowCam}/events`, gw.adminToken);
  try {
    await sse.ready;
    await sseSlow.ready;
    await sleep(2500); // the slow analyzer is busy by now
    const s0 = await fake.stats();
    const t0 = Date.now();
    const [frames] = await Promise.all([
      countMjpeg(`${gw.url}/api/cameras/${slowCam}/stream`, gw.adminToken, 3000),
      sleep(4000),
    ]);
    const s1 = await fake.stats();
    const t1 = Date.now();
    assert.ok(frames >= 0.8 * CAM_FPS * 3, `MJPEG viewer got ${frames} pictures in 3 s at ${CAM_FPS} fps`);
    const slowRequests = s1['/slow'] - s0['/slow'];
    assert.ok(slowRequests >= 1 && slowRequests <= 3, `${slowRequests} requests to /slow in ${t1 - t0} ms`);
    const otherEvents = sse.events.filter((e) => e.type === 'analysis' && e._received >= t0 && e._received <= t1);
    const rate = otherEvents.length / ((t1 - t0) / 1000);
    assert.ok(rate >= 1.4 && rate <= 3, `camera ${other}: ${otherEvents.length} analysis events in ${t1 - t0} ms`);
    assert.ok(otherEvents.every((e) => e.camera_id === other && e.results?.exposure));
    // The slow camera: built-in results keep coming, the external one comes as its own event.
    const slowOnes = sseSlow.events.filter((e) => e.type === 'analysis' && e.analyzer === 'slow');
    assert.ok(slowOnes.length >= 1, `slow events: ${summary(sseSlow.events)}`);
    assert.deepEqual(slowOnes[0].results.slow.predictions, [{ label: 'tooth', confidence: 0.9 }]);
    const builtins = sseSlow.events.filter((e) => e.type === 'analysis' && !e.analyzer && e._received >= t0 && e._received <= t1);
    assert.ok(builtins.length / ((t1 - t0) / 1000) >= 1.4, `slow camera built-in events: ${builtins.length} in ${t1 - t0} ms`);
  } finally {
    sse.close();
    sseSlow.close();
    await resetProfile(slowCam);
    await resetProfile(other);
  }
});

test('motion: the moving pattern raises a motion alert, the still one with its digits ignored does not', async () => {
  const moving = ids.moving;
  const still = ids.still;
  const sse = openSse(`${gw.url}/api/cameras/${moving}/events`, gw.adminToken);
  const sseStill = openSse(`${gw.url}/api/cameras/${still}/events`, gw.adminToken);
  try {
    await sse.ready;
    await sseStill.ready;
    assert.equal(sse.status, 200);
    assert.match(sse.contentType, /^text\/event-stream/);
    const hello = await sse.waitEvent('hello', (e) => e.type === 'hello');
    assert.equal(hello.camera_id, moving);
    assert.equal(hello.analysis.running, false);
    await setProfile(moving, { when: 'always', fps: 4, analyzers: ['motion'] });
    const st = await setProfile(still, { when: 'always', fps: 4, analyzers: ['motion'], motion: { ignore: [[0, 0, 0.6, 0.45]] } });
    assert.equal(st.status, 200, st.text);
    assert.deepEqual(st.json.profile.motion.ignore, [[0, 0, 0.6, 0.45]]);
    const ev = await sse.waitEvent('motion', (e) => e.type === 'analysis' && e.results?.motion?.motion === true);
    assert.equal(ev.camera_id, moving);
    assert.deepEqual([ev.width, ev.height], [640, 480]);
    assert.ok(ev.results.motion.score > 0);
    const alert = await sse.waitEvent('a motion alert', (e) => e.type === 'alert' && e.alert === 'motion' && e.state === 'started');
    assert.equal(alert.camera_id, moving);
    await sseStill.waitEvent('10 passes on the still camera',
      () => sseStill.events.filter((e) => e.type === 'analysis' && e.results?.motion).length >= 10, 8000);
    const passes = sseStill.events.filter((e) => e.type === 'analysis' && e.results?.motion);
    const moved = passes.filter((e) => e.results.motion.motion || e.results.motion.score > 0);
    assert.equal(moved.length, 0, `motion on the still camera: ${JSON.stringify(moved.map((e) => e.results.motion))}`);
    assert.ok(!sseStill.events.some((e) => e.type === 'alert' && e.alert === 'motion'));
  } finally {
    sse.close();
    sseStill.close();
    await resetProfile(still);
  }
});

test('events over WebSocket between binary frames; the seed ws-stream only with ?events=1', async () => {
  const id = ids.moving; // motion at 4 fps still on from the previous test
  await setProfile(id, { when: 'always', fps: 4, analyzers: ['motion'] });
  const wsUrl = gw.url.replace(/^http/, 'ws');
  const a = openWs(`${wsUrl}/api/cameras/${id}/ws?format=binary`, gw.adminToken);
  const seed = openWs(`${wsUrl}/streaming/ws-stream?camera_id=${id}&format=binary`, gw.adminToken);
  const seedEv = openWs(`${wsUrl}/streaming/ws-stream?camera_id=${id}&format=binary&events=1`, gw.adminToken);
  try {
    await Promise.all([a.open, seed.open, seedEv.open]);
    await sleep(2500);
    assert.ok(a.binary >= 10, `${a.binary} binary frames`);
    const analysis = a.text.filter((m) => m.type === 'analysis');
    assert.ok(analysis.length >= 3, `api ws: ${JSON.stringify(a.text.map((m) => m.type))}`);
    assert.equal(analysis[0].camera_id, id);
    const first = a.order.indexOf('t');
    assert.ok(first >= 0 && a.order.slice(first).includes('b'), 'text between binary frames');
    assert.ok(seed.binary >= 10, `${seed.binary} binary frames on the seed path`);
    assert.equal(seed.text.filter((m) => m.type === 'analysis').length, 0, `seed ws-stream: ${JSON.stringify(seed.text)}`);
    assert.ok(seedEv.binary >= 10);
    assert.ok(seedEv.text.filter((m) => m.type === 'analysis').length >= 3, `seed ?events=1: ${seedEv.text.length} texts`);
  } finally {
    a.close();
    seed.close();
    seedEv.close();
  }
});

test('frozen: a stalled camera raises a frozen alert and goes stale', async () => {
  const id = ids.stall;
  const sse = openSse(`${gw.url}/api/cameras/${id}/events`, gw.adminToken);
  try {
    await sse.ready;
    await setProfile(id, { when: 'always', fps: 4, analyzers: ['frozen'] });
    const ok = await sse.waitEvent('a frozen pass', (e) => e.type === 'analysis' && e.results?.frozen);
    assert.equal(ok.results.frozen.frozen, false);
    const r = await fetch(`${cams.stall.url}/control?var=fault&val=stall`);
    assert.equal(r.status, 200, await r.text());
    const t0 = Date.now();
    const alert = await sse.waitEvent('a frozen alert', (e) => e.type === 'alert' && e.alert === 'frozen' && e.state === 'started', 1500 + 4000);
    assert.ok(alert._received - t0 <= 1500 + 2000, `frozen alert ${alert._received - t0} ms after the stall`);
    assert.equal(alert.camera_id, id);
    const stale = await sse.waitEvent('camera-state stale', (e) => e.type === 'camera-state' && e.state === 'stale', 5000);
    assert.equal(typeof stale.previous, 'string');
    // The stored history has both.
    const h = await waitFor('the stored frozen alert', async () => {
      const r = await gw.api('GET', `/api/cameras/${id}/analysis/results?type=alert`, { token: gw.adminToken });
      assert.equal(r.status, 200, r.text);
      return r.json.events.some((e) => e.alert === 'frozen' && e.state === 'started') ? r : null;
    }, 4000);
    assert.ok(h.json.events.every((e) => e.type === 'alert'));
  } finally {
    sse.close();
    await fetch(`${cams.stall.url}/control?var=fault&val=none`).catch(() => {});
    await resetProfile(id);
  }
});

test('bookings: no booking, no events; a booking gets them until it ends; history stays inside it', async () => {
  const id = ids.moving; // analyzed at 4 fps (motion) since the motion test
  await setProfile(id, { when: 'always', fps: 4, analyzers: ['motion'] });
  const refused = openSse(`${gw.url}/api/cameras/${id}/events`, gw.userToken);
  await refused.ready;
  assert.equal(refused.status, 403, refused.body);
  assert.equal(JSON.parse(refused.body).success, false);
  assert.equal(refused.events.length, 0);
  const hist0 = await gw.api('GET', `/api/cameras/${id}/analysis/results`, { token: gw.userToken });
  assert.equal(hist0.status, 200, hist0.text);
  assert.equal(hist0.json.count, 0, 'no booking, no history');

  await sleep(1000 - (Date.now() % 1000) + 20); // a booking starts on a whole second
  const now = Math.floor(Date.now() / 1000);
  const me = await gw.api('GET', '/auth/me', { token: gw.userToken });
  const booking = await gw.api('POST', '/api/bookings', { token: gw.adminToken,
    body: { user_id: me.json.user.id, resource: `camera:${id}`, starts_at: now, ends_at: now + 4 } });
  assert.equal(booking.status, 201, booking.text);
  const sse = openSse(`${gw.url}/api/cameras/${id}/events`, gw.userToken);
  try {
    await sse.ready;
    assert.equal(sse.status, 200, sse.body);
    await sse.waitEvent('an analysis event', (e) => e.type === 'analysis');
    const ended = await sse.waitEvent('session-ended', (e) => e.type === 'session-ended', 8000);
    await sse.waitClosed(3000);
    const endMs = (now + 4) * 1000;
    assert.ok(ended._received >= endMs - 500 && ended._received <= endMs + 2500, `session-ended ${ended._received - endMs} ms after the booking's end`);
    assert.ok(sse.events.indexOf(ended) === sse.events.length - 1, 'session-ended is the last event');
    const late = sse.events.filter((e) => e.type === 'analysis' && e.at_us > (now + 4) * 1e6);
    assert.equal(late.length, 0, 'no analysis after the booking');
  } finally {
    sse.close();
  }
  // The stream is gone now; a new one is refused.
  const after = openSse(`${gw.url}/api/cameras/${id}/events`, gw.userToken);
  await after.ready;
  assert.equal(after.status, 403);

  const mine = await gw.api('GET', `/api/cameras/${id}/analysis/results?limit=1000`, { token: gw.userToken });
  assert.equal(mine.status, 200, mine.text);
  assert.ok(mine.json.count > 0, 'events of the booking');
  assert.equal(mine.json.count, mine.json.events.length);
  for (const e of mine.json.events) {
    assert.ok(e.at_us >= now * 1e6 && e.at_us < (now + 4) * 1e6, `event at ${e.at_us / 1e6 - now} s into the booking`);
  }
  const all = await gw.api('GET', `/api/cameras/${id}/analysis/results?limit=1000`, { token: gw.adminToken });
  assert.equal(all.status, 200);
  assert.ok(all.json.count > mine.json.count, `admin ${all.json.count}, user ${mine.json.count}`);
  assert.ok(all.json.events.some((e) => e.at_us < now * 1e6), 'admin sees events before the booking');
  for (let i = 1; i < all.json.events.length; i += 1) assert.ok(all.json.events[i - 1].at_us <= all.json.events[i].at_us, 'oldest first');
  const typed = await gw.api('GET', `/api/cameras/${id}/analysis/results?type=alert`, { token: gw.adminToken });
  assert.ok(typed.json.events.every((e) => e.type === 'alert'));
  const limited = await gw.api('GET', `/api/cameras/${id}/analysis/results?limit=2`, { token: gw.adminToken });
  assert.equal(limited.json.count, 2);
  for (const q of ['limit=0', 'limit=1001', 'type=bogus', 'from=yesterday']) {
    const r = await gw.api('GET', `/api/cameras/${id}/analysis/results?${q}`, { token: gw.adminToken });
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.json.success, false);
  }
});

test('EventSource has no headers: the events stream opens with a stream ticket', async () => {
  const id = ids.second;
  const t = await gw.api('POST', '/auth/stream-ticket', { token: gw.adminToken, body: { resource: `camera:${id}` } });
  assert.equal(t.status, 200, t.text);
  const sse = openSse(`${gw.url}/api/cameras/${id}/events?ticket=${encodeURIComponent(t.json.ticket)}`);
  try {
    await sse.ready;
    assert.equal(sse.status, 200, sse.body);
    const hello = await sse.waitEvent('hello', (e) => e.type === 'hello');
    assert.equal(hello.camera_id, id);
  } finally {
    sse.close();
  }
  // A ticket for another camera does not open this one.
  const other = await gw.api('POST', '/auth/stream-ticket', { token: gw.adminToken, body: { resource: `camera:${ids.moving}` } });
  const wrong = openSse(`${gw.url}/api/cameras/${id}/events?ticket=${encodeURIComponent(other.json.ticket)}`);
  await wrong.ready;
  assert.equal(wrong.status, 401, wrong.body);
});

test('a webhook receives signed alerts', async () => {
  // Motion alerts (the moving camera) and the frozen one have happened by now.
  await waitFor('an alert webhook', () => hooks.length > 0, 5000);
  for (const h of hooks) {
    assert.equal(h.path, '/hook');
    const sig = createHmac('sha256', 's3cret').update(h.body).digest('hex');
    assert.equal(h.headers['x-camgate-signature'], `sha256=${sig}`);
    const ev = JSON.parse(h.body.toString());
    assert.equal(ev.type, 'alert', 'only the subscribed type');
  }
  const alerts = hooks.map((h) => JSON.parse(h.body.toString()));
  assert.ok(alerts.some((e) => e.alert === 'motion' && e.state === 'started' && e.camera_id === ids.moving), JSON.stringify(alerts.map((e) => [e.alert, e.state, e.camera_id])));
  assert.ok(alerts.some((e) => e.alert === 'frozen' && e.camera_id === ids.stall));
});

test('MQTT carries analysis events', { skip: !hasMqtt && 'mosquitto is missing' }, async () => {
  const id = ids.moving;
  await setProfile(id, { when: 'always', fps: 4, analyzers: ['motion'] });
  const r = spawnSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-t', 'camgate/#', '-v', '-C', '3', '-W', '8'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mosquitto_sub: ${r.stderr}${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3, r.stdout);
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const topic = line.slice(0, sp);
    const ev = JSON.parse(line.slice(sp + 1));
    assert.match(topic, /^camgate\/cameras\/\d+\/analysis$/);
    assert.equal(ev.type, 'analysis');
    assert.equal(topic, `camgate/cameras/${ev.camera_id}/analysis`);
  }
  await gw.api('DELETE', `/api/cameras/${id}/analysis`, { token: gw.adminToken });
});
