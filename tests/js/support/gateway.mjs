// Starts the real binaries for Node tests: camgate-camsim and camgate on 127.0.0.1 with
// ephemeral ports, a fresh data directory with an admin and a user, and stops them.
//
//   const gw = await startGateway();            // gw.url, gw.port, gw.adminToken, gw.userToken
//   const cam = await startCamsim();            // cam.port (capture), cam.streamPort
//   ...
//   await gw.stop(); await cam.stop();
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.CAMGATE_SOURCE_DIR ?? path.resolve(here, '../../..');
export const binDir = process.env.CAMGATE_BIN_DIR ?? path.join(sourceDir, 'build', 'bin');
export const bin = (name) => path.join(binDir, name);

// Chromium's flags for WebRTC between itself and a peer on 127.0.0.1: loopback candidates
// allowed, and host addresses as they are (not hidden behind mDNS names).
export const CHROMIUM_WEBRTC_ARGS = ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'];

// Config for signaling tests: robots peer-to-peer (the fake robots answer the offers
// themselves) and limits no test run reaches.
export const P2P_TEST_CONFIG = `
[robots]
media = "p2p"
[limits]
login_per_minute_ip = 6000
login_per_minute_user = 6000
login_burst = 1000
api_per_second_user = 1000
api_burst = 1000
`;

export const ADMIN = { username: 'admin', password: 'admin-password-1' };
export const USER = { username: 'alice', password: 'alice-password-1' };

// Polls `fn` every 100 ms until it returns something truthy (returned), or throws.
export async function waitFor(what, fn, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Spawns a process and resolves with the first match of `pattern` in its stdout/stderr.
export function spawnUntil(cmd, args, pattern, { timeoutMs = 15000, env } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(cmd)} did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d) => {
      output += d.toString();
      const m = output.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(cmd)} exited with ${code}:\n${output}`));
    });
  });
}

function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

// Runs `camgate <args>` to completion (user add, robot add...); returns stdout. Throws on failure.
export function camgateCli(args, input) {
  const r = spawnSync(bin('camgate'), args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`camgate ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export async function startCamsim(extraArgs = [], { resolution = '640x480', fps = 30 } = {}) {
  const { child, match } = await spawnUntil(
    bin('camgate-camsim'),
    ['--listen', '127.0.0.1:0', '--resolution', resolution, '--fps', String(fps), ...extraArgs],
    /capture_port=(\d+) stream_port=(\d+)/,
  );
  return {
    child,
    port: Number(match[1]),
    streamPort: Number(match[2]),
    url: `http://127.0.0.1:${match[1]}`,
    stop: () => stopChild(child),
  };
}

// `config`: extra TOML appended to the test configuration (short camera timeouts).
// `loopbackWebrtc`: the gateway's WebRTC (WHEP) offers 127.0.0.1 as its ICE host address
// (libnice leaves loopback out otherwise), for a browser on this host; Chromium then
// needs CHROMIUM_WEBRTC_ARGS.
// CAMGATE_TEST_LOG_LEVEL=info shows the gateway's own log in a failure's message.
// `dataDir`: an earlier gateway's data folder, kept (a restart); else a fresh one.
// `webRoot`: the page's folder (a copy a test changes, as a deploy would); else web/.
export async function startGateway({ config = '', extraArgs = [], loopbackWebrtc = false, dataDir: reuse, webRoot = path.join(sourceDir, 'web') } = {}) {
  const dataDir = reuse ?? mkdtempSync(path.join(tmpdir(), 'camgate-js-'));
  for (const [u, role] of reuse ? [] : [[ADMIN, 'admin'], [USER, 'user']]) {
    camgateCli(['user', 'add', u.username, '--role', role, '--password-stdin', '--data', dataDir],
      `${u.password}\n`);
  }
  const configFile = path.join(dataDir, 'camgate.toml');
  writeFileSync(configFile, `[cameras]
stall_timeout_ms = 1500
stale_after_ms = 500
backoff_initial_ms = 50
backoff_max_ms = 400
connect_timeout_ms = 1000
probe_timeout_ms = 1000
snapshot_wait_ms = 1500
${loopbackWebrtc ? '\n[webrtc]\nlocal_addresses = ["127.0.0.1"]\n' : ''}${config}`);
  const { child, match, output } = await spawnUntil(
    bin('camgate'),
    ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--config', configFile,
      '--log-level', process.env.CAMGATE_TEST_LOG_LEVEL ?? 'warn', '--web-root', webRoot, ...extraArgs],
    /listening on (https?):\/\/[^:]+:(\d+)/,
  );
  const port = Number(match[2]);
  const url = `${match[1]}://127.0.0.1:${port}`;
  const gw = {
    child, port, url, dataDir, output,
    async login(user) {
      const r = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(user),
      });
      const body = await r.json();
      if (!r.ok) throw new Error(`login ${user.username}: ${r.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    // fetch() against the gateway with a bearer token; JSON bodies are objects.
    async api(method, p, { token, body } = {}) {
      const headers = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(`${url}${p}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: r.status, headers: r.headers, json, text };
    },
    async stop() {
      const code = await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
    // SIGKILL, the data folder kept: for a restart with { dataDir: gw.dataDir }.
    async kill() {
      return stopChild(child, 'SIGKILL');
    },
  };
  gw.adminToken = await gw.login(ADMIN);
  gw.userToken = await gw.login(USER);
  return gw;
}
