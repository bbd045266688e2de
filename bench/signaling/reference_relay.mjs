// Reference signaling relay for bench/signaling/run.mjs: a plain Node socket.io 4.8 server
// doing what the seed's relay did (register, offer / answer / ice-candidate relayed to `to`),
// with `from` filled by the server. No authentication, no access rules, no rate limits.
//
//   node bench/signaling/reference_relay.mjs [--port 0]
//   prints "listening on http://127.0.0.1:PORT"
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// socket.io lives in tests/js/node_modules (not a dependency of bench/).
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../tests/js/package.json'));
const { Server } = require('socket.io');

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const http = createServer();
const io = new Server(http, { serveClient: false });
const peers = new Map(); // peer id -> socket
const robots = new Set(); // online robot ids
let nextViewer = 1;

io.on('connection', (socket) => {
  let id = null;
  socket.on('register', (msg = {}) => {
    if (id === null) {
      if (msg.userType === 'robot') {
        id = String(msg.userId);
        peers.get(id)?.disconnect(true); // a robot registering again replaces its old connection
        robots.add(id);
        for (const [pid, s] of peers) if (s.data.viewer) s.emit('robot-online', { robotId: id });
      } else {
        id = `${msg.userId ?? 'viewer'}#${nextViewer++}`;
        socket.data.viewer = true;
      }
      peers.set(id, socket);
      socket.data.id = id;
    }
    socket.emit('registered', { peerId: id, userType: socket.data.viewer ? 'viewer' : 'robot' });
    if (socket.data.viewer) for (const r of robots) socket.emit('robot-online', { robotId: r });
  });
  for (const [type, field] of [['offer', 'offer'], ['answer', 'answer'], ['ice-candidate', 'candidate']]) {
    socket.on(type, (msg = {}) => {
      const target = id === null ? undefined : peers.get(msg.to);
      if (!target) {
        socket.emit('error', { error: id === null ? 'not registered' : `unknown peer '${msg.to}'`, request: type });
        return;
      }
      target.emit(type, { from: id, [field]: msg[field] ?? null });
    });
  }
  socket.on('disconnect', () => {
    if (id === null || peers.get(id) !== socket) return;
    peers.delete(id);
    if (!socket.data.viewer) {
      robots.delete(id);
      for (const s of peers.values()) if (s.data.viewer) s.emit('robot-offline', { robotId: id });
    }
  });
});

http.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${http.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { io.close(); process.exit(0); });
