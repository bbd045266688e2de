#!/usr/bin/env node
// npm mjpeg-proxy as users deploy it: one upstream MJPEG connection, relayed to every
// client of GET /stream. For bench/run's side-by-side runs. Several --upstream: one
// MjpegProxy each in this process (bench/run multicam), served at /stream/1, /stream/2...
// (/stream is the first).
//
//   node bench/peers/mjpeg_proxy.mjs --upstream http://127.0.0.1:8082/stream [--upstream URL...] [--port 0]
//
// Prints "listening on http://127.0.0.1:PORT" once ready.
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../tests/js/package.json'));
const { MjpegProxy } = require('mjpeg-proxy');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const upstreams = args.flatMap((a, i) => (a === '--upstream' && args[i + 1] ? [args[i + 1]] : []));
if (!upstreams.length) {
  console.error('usage: mjpeg_proxy.mjs --upstream URL [--upstream URL...] [--port N]');
  process.exit(2);
}

const proxies = upstreams.map((u) => new MjpegProxy(u));
const server = http.createServer((req, res) => {
  const m = /^\/stream(?:\/(\d+))?$/.exec(req.url.split('?')[0]);
  const proxy = m && proxies[m[1] === undefined ? 0 : Number(m[1]) - 1];
  if (proxy) return proxy.proxyRequest(req, res);
  res.writeHead(404).end();
});
server.listen(Number(opt('--port', 0)), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
