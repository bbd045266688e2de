// Socket.IO signaling with the real npm socket.io-client against the real gateway:
// the seed robot's flow, transports (polling + upgrade, WebSocket only, polling only),
// authentication, access (bookings), robots replacing themselves, heartbeats, and raw
// malformed Engine.IO / Socket.IO traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { P2P_TEST_CONFIG, startGateway } from '../support/gateway.mjs';

// Fake robots that answer with made-up SDP: the viewers' offers must reach them (p2p).
const CONFIG = `${P2P_TEST_CONFIG}[access]
warn_before_s = 2
[signaling]
ping_interval_ms = 1000
ping_timeout_ms = 1000
`;

let gw;
let robotId;
let robotToken;

// Resolves with the first `event` the socket receives (its payload), or rejects.
function next(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args[0]);
    });
  });
}

// Collects every event a socket receives, for asserting what did (not) arrive.
function record(socket) {
  const got = [];
  socket.onAny((event, payload) => got.push({ event, payload }));
  return got;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sockets = [];
function connect(opts = {}, url = gw.url) {
  const s = io(url, { reconnection: false, forceNew: true, ...opts });
  sockets.push(s);
  return s;
}

async function enrolRobot(name) {
  const r = await gw.api('POST', '/api/robots', { token: gw.adminToken, body: { name } });
  assert.equal(r.status, 201, r.text);
  const token = await gw.login({ username: name, password: r.json.credential });
  return { id: r.json.robot.id, token };
}

async function book(username, resourceId, startsIn, endsIn) {
  const now = Math.floor(Date.now() / 1000);
  const r = await gw.api('POST', '/api/bookings', {
    token: gw.adminToken,
    body: { username, resource: `robot:${resourceId}`, starts_at: now + startsIn, ends_at: now + endsIn },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// The seed's RobotWebRTCClient, with wrtc replaced by canned SDP: io(signaling_url),
// register on connect, answer offers, send ICE candidates to the offering viewer.
function seedRobot(signalingUrl, robotName) {
  const socket = connect({}, signalingUrl);
  const seen = { offers: [], candidates: [] };
  socket.on('connect', () => {
    socket.emit('register', { userId: robotName, userType: 'robot' });
  });
  socket.on('offer', (data) => {
    const { from, offer } = data;
    seen.offers.push(data);
    socket.emit('ice-candidate', {
      to: from,
      candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });
    socket.emit('answer', { to: from, answer: { type: 'answer', sdp: `answer-to:${offer.sdp}` } });
  });
  socket.on('ice-candidate', (data) => seen.candidates.push(data));
  return { socket, seen };
}

async function viewer(token, opts = {}) {
  const s = connect({ auth: { token }, ...opts });
  await next(s, 'connect');
  const registered = next(s, 'registered');
  s.emit('register', { userId: 'whoever', userType: 'viewer' });
  const r = await registered;
  return { socket: s, peerId: r.peerId };
}

before(async () => {
  gw = await startGateway({ config: CONFIG });
  ({ id: robotId, token: robotToken } = await enrolRobot('robot-1'));
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await gw?.stop();
});

test('the seed robot client: register, offer in, answer and ICE out, ICE in (polling, then upgrade)', async () => {
  const url = `${gw.url}/?token=${encodeURIComponent(robotToken)}`;
  const v = connect({ auth: { token: gw.adminToken } });
  await next(v, 'connect');
  v.emit('register', { userId: 'admin', userType: 'viewer' });
  const { peerId } = await next(v, 'registered');
  assert.match(peerId, /^admin#\d+$/);

  const online = next(v, 'robot-online');
  const robot = seedRobot(url, 'robot-1');
  const registered = await next(robot.socket, 'registered');
  assert.deepEqual(registered, { peerId: 'robot-1', userType: 'robot' });
  assert.deepEqual(await online, { robotId: 'robot-1' });

  const answer = next(v, 'answer');
  const candidate = next(v, 'ice-candidate');
  v.emit('offer', { to: 'robot-1', from: 'robot-1', offer: { type: 'offer', sdp: 'v=0 viewer' } });
  assert.deepEqual(await answer, { from: 'robot-1', answer: { type: 'answer', sdp: 'answer-to:v=0 viewer' } });
  const c = await candidate;
  assert.equal(c.from, 'robot-1');
  assert.equal(c.candidate.sdpMid, '0');
  // The server filled "from" with the viewer's peer id, ignoring the one sent.
  assert.equal(robot.seen.offers.length, 1);
  assert.equal(robot.seen.offers[0].from, peerId);

  v.emit('ice-candidate', { to: 'robot-1', candidate: { candidate: 'candidate:2 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
  for (let i = 0; i < 50 && robot.seen.candidates.length === 0; ++i) await sleep(20);
  assert.equal(robot.seen.candidates.length, 1);
  assert.equal(robot.seen.candidates[0].from, peerId);

  // Default options: long-polling first, then the upgrade to WebSocket.
  for (let i = 0; i < 100 && robot.socket.io.engine.transport.name !== 'websocket'; ++i) await sleep(20);
  assert.equal(robot.socket.io.engine.transport.name, 'websocket');

  const list = await gw.api('GET', '/api/robots', { token: gw.adminToken });
  const entry = list.json.robots.find((r) => r.name === 'robot-1');
  assert.equal(entry.online, true);
  assert.equal(entry.viewers, 1);

  // The robot drops: the viewer hears it, the list shows it.
  const offline = next(v, 'robot-offline');
  robot.socket.disconnect();
  assert.deepEqual(await offline, { robotId: 'robot-1' });
  const after = await gw.api('GET', '/api/robots', { token: gw.adminToken });
  assert.equal(after.json.robots.find((r) => r.name === 'robot-1').online, false);
  v.disconnect();
});

for (const transports of [['websocket'], ['polling']]) {
  test(`${transports[0]}-only clients exchange offer and answer, with acknowledgements`, async () => {
    const r = connect({ auth: { token: robotToken }, transports });
    await next(r, 'connect');
    assert.equal(r.io.engine.transport.name, transports[0]);
    const ack = await r.timeout(3000).emitWithAck('register', { userId: 'robot-1', userType: 'robot' });
    assert.deepEqual(ack, { type: 'registered', peerId: 'robot-1', userType: 'robot' });

    const { socket: v, peerId } = await viewer(gw.adminToken, { transports });
    const offer = next(r, 'offer');
    const okAck = await v.timeout(3000).emitWithAck('offer', { to: 'robot-1', offer: { type: 'offer', sdp: 'x' } });
    assert.deepEqual(okAck, { type: 'ok', request: 'offer' });
    assert.deepEqual(await offer, { from: peerId, offer: { type: 'offer', sdp: 'x' } });
    const answer = next(v, 'answer');
    r.emit('answer', { to: peerId, answer: { type: 'answer', sdp: 'y' } });
    assert.deepEqual(await answer, { from: 'robot-1', answer: { type: 'answer', sdp: 'y' } });
    // Heartbeats (1 s interval here) keep both alive well past several pings.
    await sleep(3500);
    assert.equal(r.connected, true);
    assert.equal(v.connected, true);
    const errAck = await v.timeout(3000).emitWithAck('offer', { to: 'nobody', offer: {} });
    assert.equal(errAck.type, 'error');
    assert.equal(errAck.error, "'nobody' is offline or unknown");
    r.disconnect();
    v.disconnect();
  });
}

test('a missing or bad token is refused at CONNECT', async () => {
  const none = connect();
  const e1 = await next(none, 'connect_error');
  assert.match(e1.message, /authentication required/);
  assert.equal(none.connected, false);

  const bad = connect({ auth: { token: 'not-a-jwt' } });
  const e2 = await next(bad, 'connect_error');
  assert.match(e2.message, /invalid token/);

  const badQuery = connect({}, `${gw.url}/?token=abc.def.ghi`);
  const e3 = await next(badQuery, 'connect_error');
  assert.match(e3.message, /invalid token/);

  // The Authorization header of the handshake works too.
  const header = connect({ extraHeaders: { Authorization: `Bearer ${gw.userToken}` }, transports: ['polling'] });
  await next(header, 'connect');
  header.disconnect();
});

test('a viewer without a booking is refused; with one, the offer goes through', async () => {
  const r = connect({ auth: { token: robotToken } });
  await next(r, 'connect');
  r.emit('register', { userId: 'robot-1', userType: 'robot' });
  await next(r, 'registered');
  const robotGot = record(r);

  const alice = connect({ auth: { token: gw.userToken } });
  await next(alice, 'connect');
  const aliceGot = record(alice);
  alice.emit('register', { userId: 'alice', userType: 'viewer' });
  await next(alice, 'registered');
  const error = next(alice, 'error');
  alice.emit('offer', { to: 'robot-1', offer: { type: 'offer', sdp: 'sneaky' } });
  const e = await error;
  assert.equal(e.request, 'offer');
  assert.match(e.error, /no booking/);
  await sleep(200);
  assert.equal(aliceGot.filter((x) => x.event === 'robot-online').length, 0);
  assert.equal(robotGot.filter((x) => x.event === 'offer').length, 0);

  // Alice can't register as the robot either.
  const err2 = next(alice, 'error');
  alice.emit('register', { userId: 'robot-1', userType: 'robot' });
  assert.equal((await err2).request, 'register');

  await book('alice', robotId, -60, 3600);
  const online = next(alice, 'robot-online');
  alice.emit('register', { userId: 'alice', userType: 'viewer' });
  assert.deepEqual(await online, { robotId: 'robot-1' });
  const offer = next(r, 'offer');
  alice.emit('offer', { to: 'robot-1', offer: { type: 'offer', sdp: 'booked' } });
  const o = await offer;
  assert.match(o.from, /^alice#\d+$/);
  // Viewer to viewer is refused.
  const { socket: admin, peerId: adminPeer } = await viewer(gw.adminToken);
  const err3 = next(alice, 'error');
  alice.emit('offer', { to: adminPeer, offer: { type: 'offer', sdp: 'v2v' } });
  assert.equal((await err3).error, 'viewers can only talk to robots');
  r.disconnect();
  alice.disconnect();
  admin.disconnect();
});

test('a robot registering again replaces its older connection', async () => {
  const { socket: v } = await viewer(gw.adminToken);
  const first = connect({ auth: { token: robotToken } });
  await next(first, 'connect');
  const firstOnline = next(v, 'robot-online');
  first.emit('register', { userId: 'robot-1', userType: 'robot' });
  await next(first, 'registered');
  await firstOnline;
  const vGot = record(v);
  const dropped = next(first, 'disconnect');
  const second = connect({ auth: { token: robotToken }, transports: ['websocket'] });
  await next(second, 'connect');
  second.emit('register', { userId: 'robot-1', userType: 'robot' });
  await next(second, 'registered');
  assert.equal(await dropped, 'io server disconnect');
  await sleep(200);
  assert.deepEqual(vGot.map((x) => x.event), ['robot-offline', 'robot-online']);
  const offer = next(second, 'offer');
  v.emit('offer', { to: 'robot-1', offer: { type: 'offer', sdp: 'again' } });
  assert.equal((await offer).offer.sdp, 'again');
  second.disconnect();
  v.disconnect();
});

test('booking end: the viewer is warned, then its session ends and the robot hears why', async () => {
  const { id: id2, token: t2 } = await enrolRobot('robot-2');
  await book('alice', id2, -10, 4);
  const r = connect({ auth: { token: t2 } });
  await next(r, 'connect');
  r.emit('register', { userId: 'robot-2', userType: 'robot' });
  await next(r, 'registered');
  const { socket: alice, peerId } = await viewer(gw.userToken);
  const offer = next(r, 'offer');
  alice.emit('offer', { to: 'robot-2', offer: { type: 'offer', sdp: 'short' } });
  await offer;
  const expiring = next(alice, 'session-expiring', 6000);
  const ended = next(alice, 'session-ended', 8000);
  const peerLeft = next(r, 'peer-left', 8000);
  const disconnected = next(alice, 'disconnect', 8000);
  const w = await expiring;
  assert.equal(typeof w.ends_at, 'number');
  assert.deepEqual(await ended, { reason: 'booking ended' });
  assert.deepEqual(await peerLeft, { from: peerId, reason: 'booking ended' });
  assert.equal(await disconnected, 'io server disconnect');
  r.disconnect();
});

// Raw Engine.IO over fetch: what socket.io-client never sends.
async function rawHandshake() {
  const r = await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`);
  assert.equal(r.status, 200);
  const body = await r.text();
  assert.equal(body[0], '0');
  const open = JSON.parse(body.slice(1));
  assert.deepEqual(open.upgrades, ['websocket']);
  assert.equal(open.pingInterval, 1000);
  return open.sid;
}
const pollUrl = (sid) => `${gw.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
const post = (sid, body) => fetch(pollUrl(sid), { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
// Polls until something other than pings arrives (answering the pings); the records.
async function poll(sid) {
  for (;;) {
    const r = await fetch(pollUrl(sid));
    assert.equal(r.status, 200);
    const records = (await r.text()).split('\x1e');
    const rest = records.filter((x) => x !== '2' && x !== '6');
    if (records.length !== rest.length) await post(sid, '3');
    if (rest.length) return rest;
  }
}

test('a robot that stops answering pings is dropped, and its viewers hear it', async () => {
  const { socket: v } = await viewer(gw.adminToken);
  const sid = await rawHandshake();
  assert.equal((await post(sid, `40${JSON.stringify({ token: robotToken })}`)).status, 200);
  assert.match((await poll(sid))[0], /^40\{"sid":"[^"]+"\}/);
  const online = next(v, 'robot-online');
  await post(sid, '42["register",{"userId":"robot-1","userType":"robot"}]');
  await online;
  // Never poll or pong again: after ping interval + timeout the server drops it.
  const t0 = Date.now();
  await next(v, 'robot-offline', 6000);
  assert.ok(Date.now() - t0 >= 900, 'dropped too early');
  assert.equal((await fetch(pollUrl(sid))).status, 400);
  v.disconnect();
});

test('malformed Engine.IO and Socket.IO traffic is an error to that client, never a crash', async () => {
  // Wrong protocol version and transport.
  assert.equal((await fetch(`${gw.url}/socket.io/?EIO=3&transport=polling`)).status, 400);
  assert.equal((await fetch(`${gw.url}/socket.io/?EIO=4&transport=carrier-pigeon`)).status, 400);
  assert.equal((await fetch(`${gw.url}/socket.io/?EIO=4&transport=polling&sid=nope`)).status, 400);

  // Bad Socket.IO packets inside a good session: CONNECT_ERROR / error events.
  const sid = await rawHandshake();
  await post(sid, '4{"not":"socket.io"');
  assert.match((await poll(sid))[0], /^44\{"message":"malformed Socket\.IO packet/);
  await post(sid, '40/admin,');
  assert.match((await poll(sid))[0], /^44\/admin,\{"message":"Invalid namespace"\}/);
  await post(sid, `40${JSON.stringify({ token: gw.userToken })}`);
  assert.match((await poll(sid))[0], /^40/);
  await post(sid, '42["offer","not an object"]\x1e42[1,2]\x1e451-["x",{"_placeholder":true,"num":0}]\x1e42["register"]');
  await sleep(100);
  const answers = await poll(sid);
  assert.equal(answers.length, 4, answers.join(' | '));
  assert.match(answers[0], /^42\["error",\{"error":"a message is a JSON object/);
  assert.match(answers[1], /^42\["error",\{"error":"malformed Socket\.IO packet: EVENT data/);
  assert.match(answers[2], /binary packets are not supported/);
  assert.match(answers[3], /^42\["registered",\{"peerId":"alice#\d+","userType":"viewer"\}\]/);

  // A payload that is not Engine.IO at all ends the session.
  assert.equal((await post(sid, '\x1e\x1e')).status, 400);
  assert.equal((await fetch(pollUrl(sid))).status, 400);

  // Oversized message: refused, gateway fine.
  const sid2 = await rawHandshake();
  const huge = `42["offer",{"to":"robot-1","offer":{"sdp":"${'x'.repeat(200 * 1024)}"}}]`;
  const r = await post(sid2, huge);
  assert.equal(r.status, 413);
  const health = await gw.api('GET', '/health');
  assert.equal(health.status, 200);
});
