// A fake analyzer service (the dental-AI backend) for end-to-end tests; node's http
// module only. node fake_analyzer.mjs [--slow-ms N]
// Listens on 127.0.0.1 with an ephemeral port and prints {"port":N} as its first stdout
// line. Routes (any method but GET /stats):
//   /fast       200 {"predictions":[...],"received":{...}}: echoes what it got (content
//               type, auth headers, the multipart field name, the JPEG's length and sha256)
//   /slow       the same after --slow-ms (2000)
//   /fail       500 "boom"
//   /malformed  200 "{not json"
//   /huge       200 a 2 MB JSON array
//   GET /stats  {"/fast":N,...}: requests per route so far (not counting /stats)
// Stops on SIGTERM/SIGINT, or when the process that started it is gone.
import { createHash } from 'node:crypto';
import http from 'node:http';

const args = process.argv.slice(2);
const slowIndex = args.indexOf('--slow-ms');
const slowMs = slowIndex >= 0 ? Number(args[slowIndex + 1]) : 2000;

const routes = ['/fast', '/slow', '/fail', '/malformed', '/huge'];
const stats = Object.fromEntries(routes.map((r) => [r, 0]));
stats.other = 0;

// The first part of a multipart/form-data body: its field name, filename, type and bytes.
// Minimal on purpose: enough to check what camgate sends, not a general parser.
function parseMultipart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) return null;
  const dash = Buffer.from(`--${m[1] ?? m[2]}`);
  const start = body.indexOf(dash);
  if (start < 0) return null;
  const headersStart = start + dash.length + 2; // CRLF after the boundary
  const headersEnd = body.indexOf('\r\n\r\n', headersStart);
  if (headersEnd < 0) return null;
  const headers = body.subarray(headersStart, headersEnd).toString('latin1');
  const dataStart = headersEnd + 4;
  const dataEnd = body.indexOf(Buffer.concat([Buffer.from('\r\n'), dash]), dataStart);
  if (dataEnd < 0) return null;
  return {
    field: /\bname="([^"]*)"/i.exec(headers)?.[1] ?? null,
    filename: /\bfilename="([^"]*)"/i.exec(headers)?.[1] ?? null,
    partType: /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? null,
    data: body.subarray(dataStart, dataEnd),
  };
}

function describe(req, body) {
  const contentType = req.headers['content-type'] ?? '';
  const received = {
    method: req.method,
    target: req.url,
    content_type: contentType,
    authorization: req.headers.authorization ?? null,
    x_api_key: req.headers['x-api-key'] ?? null,
    user_agent: req.headers['user-agent'] ?? null,
    body_bytes: body.length,
    field: null,
    filename: null,
    part_content_type: null,
    jpeg_bytes: 0,
    jpeg_sha256: null,
  };
  let jpeg = null;
  if (/^multipart\/form-data/i.test(contentType)) {
    const part = parseMultipart(body, contentType);
    if (part) {
      received.field = part.field;
      received.filename = part.filename;
      received.part_content_type = part.partType;
      jpeg = part.data;
    }
  } else if (/^image\/jpeg/i.test(contentType)) {
    jpeg = body;
  }
  if (jpeg) {
    received.jpeg_bytes = jpeg.length;
    received.jpeg_sha256 = createHash('sha256').update(jpeg).digest('hex');
  }
  return received;
}

function send(res, status, type, text) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET' && path === '/stats') {
      send(res, 200, 'application/json', JSON.stringify(stats));
      return;
    }
    stats[routes.includes(path) ? path : 'other'] += 1;
    const body = Buffer.concat(chunks);
    const answer = () =>
      JSON.stringify({
        predictions: [{ label: 'tooth', confidence: 0.9 }],
        received: describe(req, body),
      });
    switch (path) {
      case '/fast':
        send(res, 200, 'application/json', answer());
        break;
      case '/slow': {
        const timer = setTimeout(() => {
          if (!res.destroyed) send(res, 200, 'application/json', answer());
        }, slowMs);
        res.on('close', () => clearTimeout(timer));
        break;
      }
      case '/fail':
        send(res, 500, 'text/plain', 'boom');
        break;
      case '/malformed':
        send(res, 200, 'application/json', '{not json');
        break;
      case '/huge':
        send(res, 200, 'application/json', `[${'1234567890,'.repeat(200_000)}0]`);
        break;
      default:
        send(res, 404, 'application/json', '{"error":"no such route"}');
    }
  });
});
// A client that gave up (camgate's timeout) resets the socket; that is not our error.
server.on('clientError', (_err, socket) => socket.destroy());

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 500).unref();
