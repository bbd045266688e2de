// The plain WebSocket protocol at /signaling (camgate-robot, the web page), with the
// `ws` package socket.io-client already depends on; and a Socket.IO viewer talking to a
// plain-WebSocket robot through the same hub.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { createHmac } from 'node:crypto';
import { P2P_TEST_CONFIG, startGateway } from '../support/gateway.mjs';

// Fake robots that answer with made-up SDP: the viewers' offers must reach them (p2p).
const CONFIG = `${P2P_TEST_CONFIG}[access]
warn_before_s = 1
[webrtc]
stun_urls = ["stun:stun.example.org:3478"]
turn_urls = ["turn:turn.example.org:3478?transport=udp"]
turn_secret = "north"
turn_ttl_s = 600
[signaling]
messages_per_second = 20
message_burst = 40
connections_per_user = 4
ping_interval_ms = 1000
`;

let gw;
let robotId;
let robotToken;
const open = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A /signaling client: messages queue up until taken with next(type).
function client({ token, header = true, wsOptions = {} } = {}) {
  const wsUrl = gw.url.replace(/^http/, 'ws') + '/signaling' +
    (token && !header ? `?access_token=${encodeURIComponent(token)}` : '');
  const ws = new WebSocket(wsUrl, {
    ...(token && header ? { headers: { Authorization: `Bearer ${token}` } } : {}),
    ...wsOptions,
  });
  open.push(ws);
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return {
    ws,
    inbox,
    closed,
    ready: new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    }),
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    next(type, ms = 5000) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const w = { type, resolve };
        waiters.push(w);
        setTimeout(() => {
          const k = waiters.indexOf(w);
          if (k >= 0) { waiters.splice(k, 1); reject(new Error(`no '${type}' within ${ms} ms; inbox ${JSON.stringify(inbox)}`)); }
        }, ms);
      });
    },
  };
}

async function registered(c, userType, userId = 'x') {
  await c.ready;
  c.send({ type: 'register', userId, userType });
  return c.next('registered');
}

before(async () => {
  gw = await startGateway({ config: CONFIG });
  const r = await gw.api('POST', '/api/robots', { token: gw.adminToken, body: { name: 'robot-1' } });
  assert.equal(r.status, 201, r.text);
  robotId = r.json.robot.id;
  robotToken = await gw.login({ username: 'robot-1', password: r.json.credential });
});

// A failed test leaves its sockets open; closing them here keeps the failure from
// spilling into the next test (per-user connection caps, robot-online/offline).
afterEach(async () => {
  const live = open.splice(0).filter((ws) => ws.readyState !== WebSocket.CLOSED);
  await Promise.all(live.map((ws) => new Promise((resolve) => {
    ws.once('close', resolve);
    ws.on('error', () => {});  // terminating a handshake in progress emits one
    ws.terminate();
  })));
});

after(async () => {
  for (const ws of open) ws.terminate();
  await gw?.stop();
});

test('an upgrade without a token is refused with 401 before the WebSocket opens', async () => {
  const c = client();
  await assert.rejects(c.ready, (e) => e.status === 401);
  const bad = client({ token: 'garbage' });
  await assert.rejects(bad.ready, (e) => e.status === 401);
  const plain = await fetch(`${gw.url}/signaling`, { headers: { Authorization: `Bearer ${gw.userToken}` } });
  assert.equal(plain.status, 426);
});

test('robot and viewer exchange offer, answer and ICE; the server fills "from"', async () => {
  const robot = client({ token: robotToken });
  assert.deepEqual(await registered(robot, 'robot', 'robot-1'), { type: 'registered', peerId: 'robot-1', userType: 'robot' });
  const viewer = client({ token: gw.adminToken, header: false });
  const reg = await registered(viewer, 'viewer');
  assert.match(reg.peerId, /^admin#\d+$/);
  assert.deepEqual(await viewer.next('robot-online'), { type: 'robot-online', robotId: 'robot-1' });

  viewer.send({ type: 'offer', to: 'robot-1', from: 'robot-1', offer: { type: 'offer', sdp: 'o' } });
  assert.deepEqual(await robot.next('offer'), { type: 'offer', from: reg.peerId, offer: { type: 'offer', sdp: 'o' } });
  robot.send({ type: 'answer', to: reg.peerId, answer: { type: 'answer', sdp: 'a' } });
  assert.deepEqual(await viewer.next('answer'), { type: 'answer', from: 'robot-1', answer: { type: 'answer', sdp: 'a' } });
  const cand = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  robot.send({ type: 'ice-candidate', to: reg.peerId, candidate: cand });
  viewer.send({ type: 'ice-candidate', to: 'robot-1', candidate: cand });
  assert.deepEqual(await viewer.next('ice-candidate'), { type: 'ice-candidate', from: 'robot-1', candidate: cand });
  assert.deepEqual(await robot.next('ice-candidate'), { type: 'ice-candidate', from: reg.peerId, candidate: cand });

  // A robot may only answer viewers with an open session.
  robot.send({ type: 'answer', to: 'alice#999', answer: { type: 'answer', sdp: 'a' } });
  assert.equal((await robot.next('error')).request, 'answer');

  viewer.send({ type: 'leave', to: 'robot-1' });
  assert.deepEqual(await robot.next('peer-left'), { type: 'peer-left', from: reg.peerId, reason: 'closed by viewer' });
  robot.ws.close();
  assert.deepEqual(await viewer.next('robot-offline'), { type: 'robot-offline', robotId: 'robot-1' });
  viewer.ws.close();
});

test('errors: malformed JSON, unknown types, viewer to viewer, unregistered, not allowed', async () => {
  const a = client({ token: gw.adminToken });
  await a.ready;
  a.send({ type: 'offer', to: 'robot-1', offer: {} });
  assert.equal((await a.next('error')).error, 'register first');
  const reg = await registered(a, 'viewer');
  a.send('{"type": "offer", ');
  assert.match((await a.next('error')).error, /JSON object/);
  a.send('[1,2,3]');
  assert.match((await a.next('error')).error, /JSON object/);
  a.send({ type: 'teleport' });
  assert.equal((await a.next('error')).error, "unknown message type 'teleport'");
  const alice = client({ token: gw.userToken });
  const aliceReg = await registered(alice, 'viewer');
  alice.send({ type: 'offer', to: reg.peerId, offer: { type: 'offer', sdp: 'x' } });
  assert.equal((await alice.next('error')).error, 'viewers can only talk to robots');
  alice.send({ type: 'offer', to: 'robot-1', offer: { type: 'offer', sdp: 'x' } });
  assert.equal((await alice.next('error')).error, "'robot-1' is offline or unknown");
  const robot = client({ token: robotToken });
  await registered(robot, 'robot', 'robot-1');
  alice.send({ type: 'offer', to: 'robot-1', offer: { type: 'offer', sdp: 'x' } });
  assert.match((await alice.next('error')).error, /no booking/);
  // A robot registering as another robot, or as a viewer.
  const robot2 = client({ token: robotToken });
  await robot2.ready;
  robot2.send({ type: 'register', userId: 'robot-9', userType: 'robot' });
  assert.equal((await robot2.next('error')).request, 'register');
  robot2.send({ type: 'register', userType: 'viewer' });
  assert.equal((await robot2.next('error')).error, 'robots may only act as themselves');
  // Still alive and routing after all that.
  a.send({ type: 'offer', to: 'robot-1', offer: { type: 'offer', sdp: 'fine' } });
  assert.equal((await robot.next('offer')).offer.sdp, 'fine');
  assert.ok(aliceReg.peerId.startsWith('alice#'));
  for (const c of [a, alice, robot, robot2]) c.ws.close();
});

test('limits: message size, message rate, connections per user', async () => {
  const a = client({ token: gw.adminToken });
  await registered(a, 'viewer');
  // 150 messages at once against a burst of 40 at 20/s: the rest are refused, with one
  // notice. 150 rather than 41 so that a slow (loaded) server still sees the excess.
  for (let i = 0; i < 150; ++i) a.send({ type: 'leave', to: 'nobody' });
  let rate;
  do rate = await a.next('error'); while (!rate.error.includes('rate limit'));
  assert.match(rate.error, /rate limit exceeded: at most 20 messages per second/);
  await sleep(300);
  assert.equal(a.inbox.filter((m) => m.error?.includes('rate limit')).length, 0);  // one notice
  // Too big: the connection is closed with 1009.
  const big = client({ token: gw.adminToken });
  await big.ready;
  big.send({ type: 'offer', to: 'robot-1', offer: { sdp: 'x'.repeat(100 * 1024) } });
  assert.equal((await big.closed).code, 1009);
  // At most 4 connections for one user: the 5th is refused.
  await sleep(300);  // alice's connections of earlier tests are gone
  const mine = [];
  for (let i = 0; i < 4; ++i) {
    const c = client({ token: gw.userToken });
    await c.ready;
    mine.push(c);
  }
  const fifth = client({ token: gw.userToken });
  await fifth.ready;
  assert.match((await fifth.next('error')).error, /too many signaling connections/);
  assert.equal((await fifth.closed).code, 1008);
  for (const c of [a, ...mine]) c.ws.close();
});

test('a Socket.IO viewer reaches a plain-WebSocket robot; booking end closes with 4001', async () => {
  const now = Math.floor(Date.now() / 1000);
  const b = await gw.api('POST', '/api/bookings', {
    token: gw.adminToken,
    body: { username: 'alice', resource: `robot:${robotId}`, starts_at: now - 10, ends_at: now + 3 },
  });
  assert.equal(b.status, 201, b.text);
  const robot = client({ token: robotToken });
  await registered(robot, 'robot', 'robot-1');
  const alice = client({ token: gw.userToken });
  const reg = await registered(alice, 'viewer');
  await alice.next('robot-online');
  alice.send({ type: 'offer', to: 'robot-1', offer: { type: 'offer', sdp: 'plain' } });
  await robot.next('offer');
  const sio = io(gw.url, { auth: { token: gw.adminToken }, reconnection: false, forceNew: true });
  await new Promise((r) => sio.once('connect', r));
  sio.emit('register', { userId: 'admin', userType: 'viewer' });
  await new Promise((r) => sio.once('robot-online', r));
  const answered = new Promise((r) => sio.once('answer', r));
  sio.emit('offer', { to: 'robot-1', offer: { type: 'offer', sdp: 'from-socket.io' } });
  const o = await robot.next('offer');
  assert.equal(o.offer.sdp, 'from-socket.io');
  robot.send({ type: 'answer', to: o.from, answer: { type: 'answer', sdp: 'back' } });
  assert.deepEqual(await answered, { from: 'robot-1', answer: { type: 'answer', sdp: 'back' } });
  // In the open session a candidate takes the relay's fast path, written for the plain robot.
  const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  sio.emit('ice-candidate', { to: 'robot-1', candidate });
  assert.deepEqual(await robot.next('ice-candidate'), { type: 'ice-candidate', from: o.from, candidate });

  assert.equal(typeof (await alice.next('session-expiring', 5000)).ends_at, 'number');
  assert.deepEqual(await alice.next('session-ended', 6000), { type: 'session-ended', reason: 'booking ended' });
  const closed = await alice.closed;
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, 'booking ended');
  const left = await robot.next('peer-left');
  assert.deepEqual(left, { type: 'peer-left', from: reg.peerId, reason: 'booking ended' });
  sio.disconnect();
  robot.ws.close();
});

test('GET /api/webrtc/ice-servers needs a token and returns the configured servers', async () => {
  const anon = await gw.api('GET', '/api/webrtc/ice-servers');
  assert.equal(anon.status, 401);
  const r = await gw.api('GET', '/api/webrtc/ice-servers', { token: gw.userToken });
  assert.equal(r.status, 200);
  assert.equal(r.json.success, true);
  assert.equal(r.json.ttl, 600);
  const [stun, turn] = r.json.iceServers;
  assert.deepEqual(stun, { urls: ['stun:stun.example.org:3478'] });
  assert.deepEqual(turn.urls, ['turn:turn.example.org:3478?transport=udp']);
  const [expiry, user] = turn.username.split(':');
  assert.equal(user, 'alice');
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Number(expiry) >= now + 590 && Number(expiry) <= now + 610, turn.username);
  // coturn's use-auth-secret: base64(HMAC-SHA1(secret, username)).
  assert.equal(turn.credential, createHmac('sha1', 'north').update(turn.username).digest('base64'));
});

test('a robot that stops answering WebSocket pings is dropped; viewers hear robot-offline', async () => {
  const viewer = client({ token: gw.adminToken });
  await registered(viewer, 'viewer');
  const robot = client({ token: robotToken, wsOptions: { autoPong: false } });
  await registered(robot, 'robot', 'robot-1');
  await viewer.next('robot-online');
  const t0 = Date.now();
  // Pinged after 1 s of silence, closed after 2 s without an answer.
  assert.deepEqual(await viewer.next('robot-offline', 6000), { type: 'robot-offline', robotId: 'robot-1' });
  assert.ok(Date.now() - t0 >= 1500, `dropped after ${Date.now() - t0} ms`);
  // A live client answering pings stays: the viewer is still connected.
  await sleep(2500);
  assert.equal(viewer.ws.readyState, WebSocket.OPEN);
  viewer.ws.close();
});

test('token expiry: the viewer gets session-ended "token expired", the robot is closed with 4002', async () => {
  const short = await startGateway({ config: `${CONFIG}\n[auth]\ntoken_ttl_s = 6\n` });
  try {
    const r = await short.api('POST', '/api/robots', { token: short.adminToken, body: { name: 'robot-t' } });
    assert.equal(r.status, 201, r.text);
    const token = await short.login({ username: 'robot-t', password: r.json.credential });
    const wsUrl = short.url.replace(/^http/, 'ws') + '/signaling';
    const robot = new WebSocket(wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    open.push(robot);
    const robotMsgs = [];
    robot.on('message', (d) => robotMsgs.push(JSON.parse(d.toString())));
    const robotClosed = new Promise((res) => robot.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    await new Promise((res) => robot.once('open', res));
    robot.send(JSON.stringify({ type: 'register', userId: 'robot-t', userType: 'robot' }));
    const sio = io(short.url, { auth: { token: short.adminToken }, reconnection: false, forceNew: true });
    await new Promise((res) => sio.once('connect', res));
    const online = new Promise((res) => sio.once('robot-online', res));
    sio.emit('register', { userType: 'viewer' });
    await online;
    const ended = new Promise((res) => sio.once('session-ended', res));
    const gone = new Promise((res) => sio.once('disconnect', res));
    sio.emit('offer', { to: 'robot-t', offer: { type: 'offer', sdp: 'ttl' } });
    assert.deepEqual(await ended, { reason: 'token expired' });
    assert.equal(await gone, 'io server disconnect');
    assert.deepEqual(await robotClosed, { code: 4002, reason: 'token expired' });
    const left = robotMsgs.find((m) => m.type === 'peer-left');
    assert.equal(left?.reason, 'token expired');
  } finally {
    await short.stop();
  }
});

// Issue 12: a logout (any tab) revokes the user's tokens; their signaling connection and
// WebRTC session end at once (4006 "token revoked"), the robot hears why. Deleting a
// user ends theirs with 4005 "user removed".
test('logout and user deletion end the signaling connections of the revoked tokens', async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const name of ['carol', 'dave']) {
    const u = await gw.api('POST', '/api/users', { token: gw.adminToken, body: { username: name, password: `password-${name}`, role: 'user' } });
    assert.equal(u.status, 201, u.text);
    const b = await gw.api('POST', '/api/bookings', { token: gw.adminToken, body: { username: name, resource: `robot:${robotId}`, starts_at: now - 5, ends_at: now + 3600 } });
    assert.equal(b.status, 201, b.text);
  }
  const robot = client({ token: robotToken });
  await registered(robot, 'robot', 'robot-1');
  const carolToken = await gw.login({ username: 'carol', password: 'password-carol' });
  const carol = client({ token: carolToken });
  const reg = await registered(carol, 'viewer');
  await carol.next('robot-online');
  carol.send({ type: 'offer', to: 'robot-1', offer: { type: 'offer', sdp: 'o' } });
  await robot.next('offer');

  const otherTab = await gw.login({ username: 'carol', password: 'password-carol' });
  const started = Date.now();
  const out = await gw.api('POST', '/auth/logout', { token: otherTab });
  assert.equal(out.status, 200);
  assert.deepEqual(await carol.closed, { code: 4006, reason: 'token revoked' });
  assert.ok(Date.now() - started < 1000, `closed after ${Date.now() - started} ms`);
  const left = await robot.next('peer-left');
  assert.equal(left.peerId ?? left.from ?? reg.peerId, reg.peerId);
  assert.equal(left.reason, 'token revoked');

  const dave = client({ token: await gw.login({ username: 'dave', password: 'password-dave' }) });
  await registered(dave, 'viewer');
  const daveId = (await gw.api('GET', '/auth/me', { token: await gw.login({ username: 'dave', password: 'password-dave' }) })).json.user.id;
  assert.equal((await gw.api('DELETE', `/api/users/${daveId}`, { token: gw.adminToken })).status, 200);
  assert.deepEqual(await dave.closed, { code: 4005, reason: 'user removed' });
  robot.ws.close();
});
