#!/usr/bin/env node
// npm mjpeg-proxy as users deploy it: one upstream MJPEG connection, relayed to every
// client of GET /stream. For bench/run's side-by-side runs.
//
//   node bench/peers/mjpeg_proxy.mjs --upstream http://127.0.0.1:8082/stream [--port 0]
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
const upstream = opt('--upstream');
if (!upstream) {
  console.error('usage: mjpeg_proxy.mjs --upstream URL [--port N]');
  process.exit(2);
}

const proxy = new MjpegProxy(upstream);
const server = http.createServer((req, res) => {
  if (req.url.split('?')[0] === '/stream') return proxy.proxyRequest(req, res);
  res.writeHead(404).end();
});
server.listen(Number(opt('--port', 0)), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
