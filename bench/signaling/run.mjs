#!/usr/bin/env node
// Signaling benchmark: camgate's Socket.IO server against a reference Node socket.io 4.8
// relay (reference_relay.mjs) at the same load, in one run.
//
//   node bench/signaling/run.mjs [--bin build/bin/camgate] [--steps 1000,5000,10000]
//        [--rate 1000] [--duration 10] [--warmup 1] [--viewers 20] [--hold 3]
//        [--only connections,latency] [--servers camgate,reference] [--out FILE] [--quick]
//        [--reopen] [--camgate-threads N] [--client node|cpp] [--load-bin PATH]
//
// 1. connections: N Socket.IO viewers (websocket transport, admin token in auth), each
//    connects and registers; the server's VmRSS before and after gives KB per connection.
//    Steps are cumulative on one fresh server process (1000, then 4000 more, ...).
//    Then all close; --reopen opens the largest step once more (allocator reuse vs a leak).
// 2. latency: one robot + `--viewers` viewers; the viewers send `ice-candidate` to the robot
//    at `--rate` messages/s in total (open loop, paced on process.hrtime), each candidate
//    carrying its send time; the robot sends every one back to its sender; round trip
//    p50/p99 and the server's CPU (utime + stime from /proc/PID/stat) over the window.
//
// --camgate-threads N sets camgate's [server] threads (default: its own, one per core).
// --client cpp: the robot and the viewers are camgate-signaling-load (bench/load/
// signaling_load.cpp, --load-bin, default: next to --bin) instead of socket.io-client in
// this process: same protocol and messages, a fraction of the CPU. Default: node.
// Writes bench/results/signaling-<UTC time>.json and prints a markdown table.
// Everything runs on this host: driver (this process), one server at a time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = path.resolve(here, '../..');
const require = createRequire(path.join(sourceDir, 'tests/js/package.json'));
const { io } = require('socket.io-client');

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = {
    bin: process.env.CAMGATE_BIN ?? path.join(sourceDir, 'build/bin/camgate'),
    steps: [1000, 5000, 10000],
    rate: 1000,
    duration: 10,
    warmup: 1,
    viewers: 20,
    hold: 3,
    concurrency: 100,
    only: ['connections', 'latency'],
    servers: ['camgate', 'reference'],
    out: null,
    quick: false,
    reopen: false,
    camgateThreads: null,
    client: 'node',
    loadBin: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--bin': o.bin = path.resolve(v()); break;
      case '--steps': o.steps = v().split(',').map(Number); break;
      case '--rate': o.rate = Number(v()); break;
      case '--duration': o.duration = Number(v()); break;
      case '--warmup': o.warmup = Number(v()); break;
      case '--viewers': o.viewers = Number(v()); break;
      case '--hold': o.hold = Number(v()); break;
      case '--concurrency': o.concurrency = Number(v()); break;
      case '--only': o.only = v().split(','); break;
      case '--servers': o.servers = v().split(','); break;
      case '--out': o.out = path.resolve(v()); break;
      case '--quick': o.quick = true; break;
      case '--reopen': o.reopen = true; break;
      case '--camgate-threads': o.camgateThreads = Number(v()); break;
      case '--client': o.client = v(); break;
      case '--load-bin': o.loadBin = path.resolve(v()); break;
      case '-h': case '--help':
        console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 24).join('\n'));
        process.exit(0);
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (o.quick) { o.steps = [200]; o.duration = 2; o.warmup = 0.5; o.hold = 1; }
  if (!['node', 'cpp'].includes(o.client)) throw new Error(`--client wants node or cpp, not ${o.client}`);
  o.loadBin ??= path.join(path.dirname(o.bin), 'camgate-signaling-load');
  return o;
}

// ---------------------------------------------------------------- raise ulimit -n
// 10,000 connections need 10,000 descriptors in this process and in the server: re-run
// ourselves through a shell that raises the soft limit to the hard one (children inherit it).
if (!process.env.SIGBENCH_ULIMIT) {
  const r = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh',
    process.execPath, '--max-old-space-size=4096', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, SIGBENCH_ULIMIT: '1' } });
  process.exit(r.status ?? 1);
}

const opts = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const ADMIN = { username: 'admin', password: 'bench-admin-password-1' };
const ROBOT = 'robot-1';

// ---------------------------------------------------------------- /proc
function procStatus(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) ?? [])[1] ?? NaN);
  return { rss_kb: kb('VmRSS'), hwm_kb: kb('VmHWM'), threads: kb('Threads') };
}
function procCpuTicks(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}
function openFds(pid) {
  try { return spawnSync('sh', ['-c', `ls /proc/${pid}/fd | wc -l`], { encoding: 'utf8' }).stdout.trim() * 1; }
  catch { return NaN; }
}
// Host CPU: busy and total jiffies over all cores.
function hostTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] || 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
// A window over which the server's, this driver's, the load generator's (clientPid, with
// --client cpp) and the whole host's CPU are measured. client_cpu_* is what the clients
// cost: this driver with --client node, camgate-signaling-load with --client cpp.
function cpuWindow(pid, clientPid = null) {
  const t0 = process.hrtime.bigint();
  const s0 = procCpuTicks(pid);
  const l0 = clientPid ? procCpuTicks(clientPid) : 0;
  const c0 = process.cpuUsage();
  const h0 = hostTicks();
  return () => {
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const server = (procCpuTicks(pid) - s0) / CLK_TCK;
    let load = 0;
    if (clientPid) { try { load = (procCpuTicks(clientPid) - l0) / CLK_TCK; } catch { load = NaN; } }
    const c = process.cpuUsage(c0);
    const driver = (c.user + c.system) / 1e6;
    const h1 = hostTicks();
    const ncpu = os.cpus().length;
    const hostBusy = ((h1.busy - h0.busy) / (h1.total - h0.total)) * ncpu * wall; // core-seconds
    const pct = (x) => round((x / wall) * 100, 1);
    const client = clientPid ? load : driver;
    return {
      wall_s: round(wall, 2),
      server_cpu_s: round(server, 2),
      server_cpu_percent: pct(server),
      driver_cpu_percent: pct(driver),
      client: clientPid ? 'cpp' : 'node',
      client_cpu_s: round(client, 3),
      client_cpu_percent: pct(client),
      host_busy_percent: pct(hostBusy),
      others_cpu_percent: pct(Math.max(0, hostBusy - server - driver - (clientPid ? load || 0 : 0))),
    };
  };
}
const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

// ---------------------------------------------------------------- servers
const children = new Set();
function spawnUntil(cmd, args, pattern, { timeoutMs = 20000, cwd } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  child.stdout.on('data', (d) => { if (output.length < 65536) output += d; });
  child.stderr.on('data', (d) => { if (output.length < 65536) output += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} did not start:\n${output}`)); }, timeoutMs);
    const check = () => {
      const m = output.match(pattern);
      if (m) { clearTimeout(timer); resolve({ child, match: m, output: () => output }); }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited with ${code}:\n${output}`)); });
  });
}
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}
function killAll() { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } }
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

// Its robots answer with made-up SDP: offers must reach them, so media goes p2p.
// The clients send their token in CONNECT, so each session is pending until then, and all
// come from 127.0.0.1: with the default pending_per_address (8) camgate answered 429 to
// all but 8 of the 20 relay viewers (issue 17's runs until this was set).
const CAMGATE_CONFIG = `[robots]
media = "p2p"
[limits]
login_per_minute_ip = 6000
login_per_minute_user = 6000
login_burst = 1000
api_per_second_user = 0
[signaling]
connections_per_user = 20000
max_connections = 30000
pending_per_address = 100000
messages_per_second = 10000
message_burst = 10000
`;

const camgateConfig = () => (opts.camgateThreads === null ? '' : `[server]\nthreads = ${opts.camgateThreads}\n`) + CAMGATE_CONFIG;

async function postJson(url, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function startCamgate() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'camgate-sigbench-'));
  const add = spawnSync(opts.bin, ['user', 'add', ADMIN.username, '--role', 'admin', '--password-stdin', '--data', dataDir],
    { input: `${ADMIN.password}\n`, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`camgate user add: ${add.stderr}`);
  const configFile = path.join(dataDir, 'camgate.toml');
  writeFileSync(configFile, camgateConfig());
  const { child, match } = await spawnUntil(opts.bin,
    ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--config', configFile, '--log-level', 'warn',
      '--web-root', path.join(sourceDir, 'web')],
    /listening on (https?):\/\/[^:]+:(\d+)/);
  const url = `http://127.0.0.1:${match[2]}`;
  const login = async (u) => (await postJson(`${url}/auth/login`, u)).access_token;
  const adminToken = await login(ADMIN);
  const enrolled = await postJson(`${url}/api/robots`, { name: ROBOT }, adminToken);
  const robotToken = await login({ username: ROBOT, password: enrolled.credential });
  return {
    name: 'camgate', url, pid: child.pid, adminToken, robotToken,
    stop: async () => { await stopChild(child); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

async function startReference() {
  const { child, match } = await spawnUntil(process.execPath, [path.join(here, 'reference_relay.mjs')],
    /listening on http:\/\/[^:]+:(\d+)/);
  return {
    name: 'reference', url: `http://127.0.0.1:${match[1]}`, pid: child.pid,
    adminToken: 'unused', robotToken: 'unused', stop: () => stopChild(child),
  };
}
const starters = { camgate: startCamgate, reference: startReference };

// ---------------------------------------------------------------- clients
function once(socket, event, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.off(event, on); reject(new Error(`timeout waiting for ${event}`)); }, ms);
    const on = (payload) => { clearTimeout(timer); resolve(payload); };
    socket.once(event, on);
  });
}

// Connects one Socket.IO client and registers it; resolves with { socket, peerId }.
function connectClient(url, token, userType = 'viewer', userId = 'bench', timeoutMs = 30000) {
  const socket = io(url, {
    transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.disconnect(); reject(new Error('timeout')); }, timeoutMs);
    socket.once('connect_error', (e) => { clearTimeout(timer); socket.disconnect(); reject(new Error(`connect_error: ${e.message}`)); });
    socket.once('connect', () => socket.emit('register', { userId, userType }));
    socket.once('registered', (r) => { clearTimeout(timer); resolve({ socket, peerId: r.peerId }); });
  });
}

// ---------------------------------------------------------------- 1. connections held
async function benchConnections(server) {
  await sleep(1000);
  const base = procStatus(server.pid);
  const sockets = [];
  const errors = {};
  const steps = [];
  let opened = 0;
  for (const target of opts.steps) {
    const win = cpuWindow(server.pid);
    const t0 = Date.now();
    const before = sockets.length;
    // Keep `concurrency` handshakes in flight until `target` have been attempted.
    await new Promise((resolve) => {
      let inFlight = 0;
      const pump = () => {
        while (inFlight < opts.concurrency && opened < target) {
          opened++;
          inFlight++;
          connectClient(server.url, server.adminToken)
            .then((c) => sockets.push(c.socket))
            .catch((e) => { const k = e.message.slice(0, 80); errors[k] = (errors[k] ?? 0) + 1; })
            .finally(() => { inFlight--; if (opened >= target && inFlight === 0) resolve(); else pump(); });
        }
      };
      pump();
    });
    const connectSeconds = (Date.now() - t0) / 1000;
    const cpu = win();
    await sleep(opts.hold * 1000); // let the server settle (and a few timers run)
    const st = procStatus(server.pid);
    const connected = sockets.filter((s) => s.connected).length;
    const step = {
      attempted: target,
      connected,
      connect_seconds: round(connectSeconds, 2),
      connects_per_s: round((sockets.length - before) / connectSeconds, 0),
      server_cpu_ms_per_connect: round((cpu.server_cpu_s * 1000) / Math.max(1, target - (steps.at(-1)?.attempted ?? 0)), 3),
      client_cpu_ms_per_connect: round((cpu.client_cpu_s * 1000) / Math.max(1, target - (steps.at(-1)?.attempted ?? 0)), 3),
      connect_window: cpu,
      rss_base_kb: base.rss_kb,
      rss_kb: st.rss_kb,
      rss_delta_kb: st.rss_kb - base.rss_kb,
      rss_kb_per_connection: round((st.rss_kb - base.rss_kb) / Math.max(1, connected), 2),
      server_threads: st.threads,
      server_fds: openFds(server.pid),
      driver_heap_mb: round(process.memoryUsage().rss / 1048576, 0),
      errors: { ...errors },
    };
    steps.push(step);
    log(`  ${server.name}: ${connected}/${target} connected in ${step.connect_seconds} s, ` +
      `RSS ${base.rss_kb} -> ${st.rss_kb} kB (${step.rss_kb_per_connection} kB/conn), ` +
      `server ${step.server_cpu_ms_per_connect} ms CPU/connect, others ${cpu.others_cpu_percent} %` +
      (Object.keys(errors).length ? `, errors ${JSON.stringify(errors)}` : ''));
    if (connected < 0.9 * target) { log(`  ${server.name}: fewer than 90 % connected, not going further`); break; }
  }
  const closeAll = async () => {
    for (const s of sockets) s.disconnect();
    sockets.length = 0;
    await sleep(2000);
    return { rss_kb: procStatus(server.pid).rss_kb, server_fds: openFds(server.pid) };
  };
  const afterClose = await closeAll();
  log(`  ${server.name}: all closed: RSS ${afterClose.rss_kb} kB, ${afterClose.server_fds} fds`);
  const res = { rss_base_kb: base.rss_kb, rss_after_close_kb: afterClose.rss_kb, fds_after_close: afterClose.server_fds, steps };
  if (opts.reopen) {
    // Open the largest step again: if RSS stays put, the memory kept after closing is the
    // allocator's (reused), not connections that were never freed.
    const n = steps.at(-1).attempted;
    let ok = 0;
    for (let i = 0; i < n; i += opts.concurrency) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(opts.concurrency, n - i) },
        () => connectClient(server.url, server.adminToken)));
      for (const b of batch) if (b.status === 'fulfilled') { sockets.push(b.value.socket); ok++; }
    }
    await sleep(opts.hold * 1000);
    const again = procStatus(server.pid).rss_kb;
    const closedAgain = await closeAll();
    res.reopen = { connected: ok, rss_kb: again, rss_after_close_kb: closedAgain.rss_kb, fds_after_close: closedAgain.server_fds };
    log(`  ${server.name}: reopened ${ok}: RSS ${again} kB; closed again: RSS ${closedAgain.rss_kb} kB, ${closedAgain.server_fds} fds`);
  }
  return res;
}

// ---------------------------------------------------------------- 2. relay latency
async function benchLatency(server) {
  const robot = await connectClient(server.url, server.robotToken, 'robot', ROBOT);
  let echoed = 0;
  robot.socket.on('offer', (m) => robot.socket.emit('answer', { to: m.from, answer: { type: 'answer', sdp: 'v=0 bench' } }));
  robot.socket.on('ice-candidate', (m) => { echoed++; robot.socket.emit('ice-candidate', { to: m.from, candidate: m.candidate }); });

  const viewers = [];
  for (let i = 0; i < opts.viewers; i++) {
    const v = await connectClient(server.url, server.adminToken, 'viewer', `viewer-${i}`);
    const answered = once(v.socket, 'answer', 10000);
    v.socket.emit('offer', { to: ROBOT, offer: { type: 'offer', sdp: 'v=0 bench' } });
    await answered; // the session is open: the robot may now send to this viewer
    viewers.push(v);
  }

  const total = Math.round(opts.rate * (opts.warmup + opts.duration));
  const warmupCount = Math.round(opts.rate * opts.warmup);
  const rtt = new Float64Array(total);
  let received = 0; let measured = 0; let late = 0; let errorEvents = 0;
  const errorKinds = {};
  for (const v of viewers) {
    v.socket.on('ice-candidate', (m) => {
      const now = process.hrtime.bigint();
      const g = /seq=(\d+) ts=(\d+)/.exec(m.candidate?.candidate ?? '');
      if (!g) return;
      received++;
      const seq = Number(g[1]);
      if (seq >= warmupCount) rtt[measured++] = Number(now - BigInt(g[2])) / 1e6;
    });
    v.socket.on('error', (e) => { errorEvents++; const k = String(e?.error).slice(0, 60); errorKinds[k] = (errorKinds[k] ?? 0) + 1; });
  }
  robot.socket.on('error', (e) => { errorEvents++; const k = `robot: ${String(e?.error).slice(0, 60)}`; errorKinds[k] = (errorKinds[k] ?? 0) + 1; });

  // Open loop: message k is due at start + k / rate; a 1 ms timer sends whatever is due,
  // round-robin over the viewers.
  let sent = 0; let win = null; let maxBehind = 0;
  const start = process.hrtime.bigint();
  const warmupEnd = start + BigInt(Math.round(opts.warmup * 1e9));
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = process.hrtime.bigint();
      if (!win && now >= warmupEnd) win = cpuWindow(server.pid);
      const due = Math.min(total, Math.floor((Number(now - start) / 1e9) * opts.rate));
      maxBehind = Math.max(maxBehind, due - sent);
      while (sent < due) {
        const v = viewers[sent % viewers.length];
        const ts = process.hrtime.bigint();
        v.socket.emit('ice-candidate', {
          to: ROBOT,
          candidate: {
            candidate: `candidate:842163049 1 udp 1677729535 192.0.2.${sent % 250} ${40000 + (sent % 20000)} typ srflx raddr 0.0.0.0 rport 0 generation 0 seq=${sent} ts=${ts}`,
            sdpMid: '0', sdpMLineIndex: 0,
          },
        });
        sent++;
      }
      if (sent >= total) { clearInterval(timer); resolve(); }
    }, 1);
  });
  const cpu = win();
  const deadline = Date.now() + 3000;
  while (received < sent && Date.now() < deadline) await sleep(20);
  late = sent - received;

  for (const v of viewers) v.socket.disconnect();
  robot.socket.disconnect();
  const s = Array.from(rtt.subarray(0, measured)).sort((a, b) => a - b);
  const pct = (p) => (s.length ? round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))], 3) : NaN);
  const res = {
    viewers: opts.viewers, rate_per_s: opts.rate, duration_s: opts.duration, warmup_s: opts.warmup,
    sent, received, lost: late, robot_echoed: echoed, error_events: errorEvents, error_kinds: errorKinds,
    measured_samples: measured,
    send_rate_achieved_per_s: round((sent - warmupCount) / cpu.wall_s, 1),
    driver_max_behind_msgs: maxBehind,
    rtt_ms: {
      p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: round(s.at(-1), 3),
      mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), 3),
    },
    window: cpu,
    server_cpu_percent: cpu.server_cpu_percent,
    server_cpu_us_per_relayed_msg: round((cpu.server_cpu_s * 1e6) / (2 * (sent - warmupCount)), 1),
    client_cpu_percent: cpu.client_cpu_percent,
    server_rss_kb: procStatus(server.pid).rss_kb,
  };
  log(`  ${server.name}: rtt p50 ${res.rtt_ms.p50} ms p99 ${res.rtt_ms.p99} ms, server CPU ${cpu.server_cpu_percent} %, ` +
    `sent ${sent} received ${received}, errors ${errorEvents}, others ${cpu.others_cpu_percent} %`);
  return res;
}

// ---------------------------------------------------------------- --client cpp
// camgate-signaling-load as a child: its stderr lines (READY / MEASURING / DONE) pace the
// driver, its stdout is one JSON object at the end. Hold mode: a line on its stdin starts
// the next step, stdin closed makes it close every connection and exit.
function startLoad(args) {
  const child = spawn(opts.loadBin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = ''; let partial = ''; let tail = '';
  const queue = []; // stderr lines not consumed yet
  let waiter = null;
  let exited = false;
  child.stdin.on('error', () => { /* it exited first */ });
  child.stdout.on('data', (d) => { stdout += d; });
  const feed = () => {
    while (waiter && queue.length) {
      const line = queue.shift();
      const m = line.match(waiter.re);
      if (m) { const w = waiter; waiter = null; clearTimeout(w.timer); w.resolve(m); }
    }
    if (waiter && exited) {
      const w = waiter; waiter = null; clearTimeout(w.timer);
      w.reject(new Error(`camgate-signaling-load exited before ${w.re}:\n${tail}`));
    }
  };
  child.stderr.on('data', (d) => {
    tail = (tail + d).slice(-4000);
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) { queue.push(partial.slice(0, i)); partial = partial.slice(i + 1); }
    feed();
  });
  const done = new Promise((resolve, reject) => {
    child.on('error', (e) => { exited = true; children.delete(child); feed(); reject(e); });
    child.on('close', (code, signal) => {
      exited = true;
      children.delete(child);
      feed();
      try { resolve(JSON.parse(stdout)); } catch {
        reject(new Error(`camgate-signaling-load exited with ${code ?? signal}, no JSON:\n${tail}`));
      }
    });
  });
  done.catch(() => {});
  return {
    child,
    // Resolves with the match of the next stderr line matching re (earlier lines are skipped).
    waitLine: (re, ms) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => { waiter = null; reject(new Error(`timeout waiting for ${re}:\n${tail}`)); }, ms);
      waiter = { re, resolve, reject, timer };
      feed();
    }),
    result: () => done,
    stop: () => stopChild(child),
  };
}

async function benchConnectionsCpp(server) {
  await sleep(1000);
  const base = procStatus(server.pid);
  const holdArgs = (steps) => ['--mode', 'hold', '--url', server.url, '--token', server.adminToken,
    '--connections', steps.join(','), '--concurrency', String(opts.concurrency), '--connect-timeout', '30'];
  const load = startLoad(holdArgs(opts.steps));
  const steps = [];
  let win = cpuWindow(server.pid, load.child.pid);
  let clientSummary = null;
  try {
    for (const [i, target] of opts.steps.entries()) {
      const m = await load.waitLine(/^READY (\d+) (\{.*\})\s*$/, 900000);
      const cpu = win();
      const r = JSON.parse(m[2]);
      await sleep(opts.hold * 1000); // let the server settle (and a few timers run)
      const st = procStatus(server.pid);
      const connected = r.connected;
      const prev = steps.at(-1);
      const n = Math.max(1, target - (prev?.attempted ?? 0));
      const step = {
        attempted: target,
        connected,
        connect_seconds: round(r.connect_seconds, 2),
        connects_per_s: round((connected - (prev?.connected ?? 0)) / r.connect_seconds, 0),
        server_cpu_ms_per_connect: round((cpu.server_cpu_s * 1000) / n, 3),
        client_cpu_ms_per_connect: round((cpu.client_cpu_s * 1000) / n, 3),
        connect_window: cpu,
        rss_base_kb: base.rss_kb,
        rss_kb: st.rss_kb,
        rss_delta_kb: st.rss_kb - base.rss_kb,
        rss_kb_per_connection: round((st.rss_kb - base.rss_kb) / Math.max(1, connected), 2),
        server_threads: st.threads,
        server_fds: openFds(server.pid),
        client_connect_ms: r.connect_ms,
        client_rss_kb: r.client_rss_kb,
        errors: r.errors,
      };
      steps.push(step);
      log(`  ${server.name}: ${connected}/${target} connected in ${step.connect_seconds} s, ` +
        `RSS ${base.rss_kb} -> ${st.rss_kb} kB (${step.rss_kb_per_connection} kB/conn), ` +
        `server ${step.server_cpu_ms_per_connect} ms CPU/connect, client ${step.client_cpu_ms_per_connect} ms, ` +
        `others ${cpu.others_cpu_percent} %` + (Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''));
      if (connected < 0.9 * target) { log(`  ${server.name}: fewer than 90 % connected, not going further`); break; }
      if (i + 1 < opts.steps.length) { win = cpuWindow(server.pid, load.child.pid); load.child.stdin.write('\n'); }
    }
    load.child.stdin.end(); // closes every connection, prints its JSON
    clientSummary = await load.result();
  } finally {
    await load.stop();
  }
  const closed = async () => {
    await sleep(2000);
    return { rss_kb: procStatus(server.pid).rss_kb, server_fds: openFds(server.pid) };
  };
  const afterClose = await closed();
  log(`  ${server.name}: all closed: RSS ${afterClose.rss_kb} kB, ${afterClose.server_fds} fds`);
  const res = {
    client: 'cpp', rss_base_kb: base.rss_kb, rss_after_close_kb: afterClose.rss_kb, fds_after_close: afterClose.server_fds,
    steps, client_summary: clientSummary,
  };
  if (opts.reopen && steps.length) {
    const n = steps.at(-1).attempted;
    const again = startLoad(holdArgs([n]));
    let ok = 0; let rss = NaN;
    try {
      ok = Number((await again.waitLine(/^READY (\d+) /, 900000))[1]);
      await sleep(opts.hold * 1000);
      rss = procStatus(server.pid).rss_kb;
      again.child.stdin.end();
      await again.result();
    } finally {
      await again.stop();
    }
    const closedAgain = await closed();
    res.reopen = { connected: ok, rss_kb: rss, rss_after_close_kb: closedAgain.rss_kb, fds_after_close: closedAgain.server_fds };
    log(`  ${server.name}: reopened ${ok}: RSS ${rss} kB; closed again: RSS ${closedAgain.rss_kb} kB, ${closedAgain.server_fds} fds`);
  }
  return res;
}

async function benchLatencyCpp(server) {
  const load = startLoad(['--mode', 'relay', '--url', server.url, '--token', server.adminToken,
    '--robot-token', server.robotToken, '--robot-id', ROBOT, '--user-id', 'viewer',
    '--viewers', String(opts.viewers), '--rate', String(opts.rate),
    '--duration', String(opts.duration), '--warmup', String(opts.warmup), '--connect-timeout', '30']);
  let cpu; let r;
  try {
    await load.waitLine(/^READY /, 60000);
    await load.waitLine(/^MEASURING/, (opts.warmup + 10) * 1000);
    const win = cpuWindow(server.pid, load.child.pid);
    await load.waitLine(/^DONE/, (opts.duration + 30) * 1000);
    cpu = win();
    r = await load.result();
  } finally {
    await load.stop();
  }
  const warmupCount = Math.round(opts.rate * opts.warmup);
  const ms = (x) => (Number.isFinite(x) ? round(x / 1000, 3) : x);
  const res = {
    client: 'cpp',
    viewers: r.viewers, rate_per_s: opts.rate, duration_s: opts.duration, warmup_s: opts.warmup,
    sent: r.sent, received: r.received, lost: r.lost, robot_echoed: r.robot_echoed,
    error_events: r.error_events, error_kinds: r.error_kinds,
    measured_samples: r.measured_samples,
    send_rate_achieved_per_s: r.send_rate_achieved_per_s,
    driver_max_behind_msgs: r.max_behind_msgs,
    rtt_ms: {
      p50: ms(r.rtt_us.p50), p90: ms(r.rtt_us.p90), p99: ms(r.rtt_us.p99), p999: ms(r.rtt_us.p999),
      max: ms(r.rtt_us.max), mean: ms(r.rtt_us.mean),
    },
    window: cpu,
    server_cpu_percent: cpu.server_cpu_percent,
    server_cpu_us_per_relayed_msg: round((cpu.server_cpu_s * 1e6) / (2 * Math.max(1, r.sent - warmupCount)), 1),
    client_cpu_percent: cpu.client_cpu_percent,
    client_self: r.client,
    server_rss_kb: procStatus(server.pid).rss_kb,
  };
  if (r.error) res.client_error = r.error;
  log(`  ${server.name}: rtt p50 ${res.rtt_ms.p50} ms p99 ${res.rtt_ms.p99} ms, server CPU ${cpu.server_cpu_percent} %, ` +
    `client CPU ${cpu.client_cpu_percent} %, sent ${r.sent} received ${r.received}, errors ${r.error_events}, ` +
    `others ${cpu.others_cpu_percent} %`);
  return res;
}

// ---------------------------------------------------------------- main
function log(msg) { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`); }

async function main() {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = opts.out ?? path.join(sourceDir, 'bench/results', `signaling-${stamp}.json`);
  const fdLimit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  log(`camgate: ${opts.bin}; clients: ${opts.client === 'cpp' ? opts.loadBin : 'socket.io-client in this process'}; ulimit -n ${fdLimit}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results = {};
  for (const name of opts.servers) results[name] = {};

  // One server process at a time, a fresh one per scenario; latency first (the short one).
  for (const scenario of ['latency', 'connections'].filter((s) => opts.only.includes(s))) {
    for (const name of opts.servers) {
      log(`${scenario}: ${name}`);
      const server = await starters[name]();
      try {
        const cpp = opts.client === 'cpp';
        results[name][scenario] = scenario === 'latency'
          ? await (cpp ? benchLatencyCpp(server) : benchLatency(server))
          : await (cpp ? benchConnectionsCpp(server) : benchConnections(server));
        results[name][scenario].server_vm_hwm_kb = procStatus(server.pid).hwm_kb;
      } catch (e) {
        log(`  ${name} ${scenario} failed: ${e.stack}`);
        results[name][scenario] = { error: String(e.message) };
      } finally {
        await server.stop();
      }
      await sleep(1000);
    }
  }

  const report = {
    benchmark: 'signaling',
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    command: `node bench/signaling/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    host: {
      hostname: os.hostname(), cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, mem_mb: Math.round(os.totalmem() / 1048576),
      kernel: os.release(), node: process.version, ulimit_n: Number(fdLimit), loadavg_at_end: os.loadavg(),
    },
    options: opts,
    camgate_config: camgateConfig(),
    results,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(table(results));
  console.log(`\nJSON: ${path.relative(process.cwd(), out)}`);
}

function table(r) {
  const c = r.camgate ?? {}; const f = r.reference ?? {};
  const rows = [];
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${round(a / b, 2)}×` : '-');
  const fmt = (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : String(x));
  const row = (label, a, b) => rows.push(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)} |`);
  for (const n of opts.steps) {
    const cs = c.connections?.steps?.find((s) => s.attempted === n);
    const fs = f.connections?.steps?.find((s) => s.attempted === n);
    if (!cs && !fs) continue;
    row(`${n} viewers: connected`, cs?.connected, fs?.connected);
    row(`${n} viewers: RSS increase, MB`, cs && round(cs.rss_delta_kb / 1024, 1), fs && round(fs.rss_delta_kb / 1024, 1));
    row(`${n} viewers: RSS per connection, KB`, cs?.rss_kb_per_connection, fs?.rss_kb_per_connection);
    row(`${n} viewers: server CPU per connect, ms`, cs?.server_cpu_ms_per_connect, fs?.server_cpu_ms_per_connect);
    row(`${n} viewers: client (${opts.client}) CPU per connect, ms`, cs?.client_cpu_ms_per_connect, fs?.client_cpu_ms_per_connect);
  }
  const cl = c.latency; const fl = f.latency;
  if (cl || fl) {
    const label = `relay ${opts.rate}/s`;
    row(`${label}: round trip p50, ms`, cl?.rtt_ms?.p50, fl?.rtt_ms?.p50);
    row(`${label}: round trip p99, ms`, cl?.rtt_ms?.p99, fl?.rtt_ms?.p99);
    row(`${label}: round trip max, ms`, cl?.rtt_ms?.max, fl?.rtt_ms?.max);
    row(`${label}: server CPU, % of a core`, cl?.server_cpu_percent, fl?.server_cpu_percent);
    row(`${label}: server CPU per relayed message, µs`, cl?.server_cpu_us_per_relayed_msg, fl?.server_cpu_us_per_relayed_msg);
    row(`${label}: client (${opts.client}) CPU, % of a core`, cl?.client_cpu_percent, fl?.client_cpu_percent);
    row(`${label}: lost / errors`, cl && `${cl.lost} / ${cl.error_events}`, fl && `${fl.lost} / ${fl.error_events}`);
    row(`${label}: other load on the host, % (camgate run / reference run)`, cl?.window?.others_cpu_percent, fl?.window?.others_cpu_percent);
  }
  return ['| | camgate | reference relay | camgate ÷ reference |', '|---|---:|---:|---:|', ...rows].join('\n');
}

main().then(() => process.exit(0), (e) => { log(e.stack); process.exit(1); });
