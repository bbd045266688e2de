// Socket.IO over TLS (wss): a plain-TCP WebSocket moves to the signaling thread at the
// upgrade, a TLS one stays on its connection's thread and its messages hop to the
// session; both kinds relay to each other, and polling upgrades over TLS too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { P2P_TEST_CONFIG, startGateway } from '../support/gateway.mjs';

// The gateway's certificate is self-signed: this process's fetch() must accept it.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const CONFIG = P2P_TEST_CONFIG;

let gw;
let certDir;
let robotToken;
const sockets = [];

function next(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    socket.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

function connect(url, token, opts = {}) {
  const s = io(url, { reconnection: false, forceNew: true, rejectUnauthorized: false, auth: { token }, ...opts });
  sockets.push(s);
  return s;
}

async function registered(socket, userId, userType) {
  await next(socket, 'connect');
  const r = next(socket, 'registered');
  socket.emit('register', { userId, userType });
  return (await r).peerId;
}

before(async () => {
  certDir = mkdtempSync(path.join(tmpdir(), 'camgate-tls-'));
  const cert = path.join(certDir, 'cert.pem');
  const key = path.join(certDir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  gw = await startGateway({ config: CONFIG, extraArgs: ['--tls-cert', cert, '--tls-key', key] });
  assert.match(gw.url, /^https:/);
  const r = await gw.api('POST', '/api/robots', { token: gw.adminToken, body: { name: 'robot-1' } });
  assert.equal(r.status, 201, r.text);
  robotToken = await gw.login({ username: 'robot-1', password: r.json.credential });
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await gw?.stop();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

test('over TLS, a robot and a viewer relay offer, answer and candidates both ways', async () => {
  const robot = connect(gw.url, robotToken, { transports: ['websocket'] });
  await registered(robot, 'robot-1', 'robot');
  // The viewer starts with long-polling and upgrades to a TLS WebSocket.
  const viewer = connect(gw.url, gw.adminToken);
  const peerId = await registered(viewer, 'admin', 'viewer');

  robot.on('offer', (m) => robot.emit('answer', { to: m.from, answer: { type: 'answer', sdp: `re:${m.offer.sdp}` } }));
  robot.on('ice-candidate', (m) => robot.emit('ice-candidate', { to: m.from, candidate: m.candidate }));
  const answer = next(viewer, 'answer');
  viewer.emit('offer', { to: 'robot-1', offer: { type: 'offer', sdp: 'v=0 tls' } });
  assert.deepEqual(await answer, { from: 'robot-1', answer: { type: 'answer', sdp: 're:v=0 tls' } });

  for (let i = 0; i < 100 && viewer.io.engine.transport.name !== 'websocket'; ++i) await new Promise((r) => setTimeout(r, 20));
  assert.equal(viewer.io.engine.transport.name, 'websocket');
  for (let i = 0; i < 20; ++i) {
    const back = next(viewer, 'ice-candidate');
    const candidate = { candidate: `candidate:${i} 1 udp 1 192.0.2.1 ${4000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 };
    const ack = await viewer.timeout(3000).emitWithAck('ice-candidate', { to: 'robot-1', candidate });
    assert.deepEqual(ack, { type: 'ok', request: 'ice-candidate' });
    assert.deepEqual(await back, { from: 'robot-1', candidate });
  }
  const err = await viewer.timeout(3000).emitWithAck('ice-candidate', { to: 'nobody', candidate: {} });
  assert.equal(err.error, "'nobody' is offline or unknown");
  assert.notEqual(peerId, undefined);
});
