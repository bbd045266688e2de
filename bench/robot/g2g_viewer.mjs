#!/usr/bin/env node
// One Chromium viewer of a robot on /signaling (as the web page is) that reads each shown
// frame's capture-time stamp (src/media/frame_stamp.hpp, camgate-robot --source test)
// and prints, as one JSON line, glass-to-glass latency (stamp to the frame's display,
// same host clock) and click to first frame. For bench/run's "robot" scenario.
//
//   node bench/robot/g2g_viewer.mjs --url http://127.0.0.1:PORT --token JWT --robot NAME \
//        [--duration 10] [--warmup 2]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../tests/js/package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const url = opt('--url');
const token = opt('--token');
const robot = opt('--robot');
const duration = Number(opt('--duration', '10'));
const warmup = Number(opt('--warmup', '2'));
if (!url || !token || !robot) {
  console.error('usage: g2g_viewer.mjs --url URL --token JWT --robot NAME [--duration S] [--warmup S]');
  process.exit(2);
}

// Runs in the page. Mirrors stamp_layout_for / read_stamp_luma (frame_stamp.cpp).
async function watch({ token, robot, duration, warmup }) {
  const tClick = performance.now();
  const ws = new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
  const inbox = [];
  let wake = () => {};
  ws.onmessage = (ev) => { inbox.push(JSON.parse(ev.data)); wake(); };
  const next = async (type, ms = 10000) => {
    const end = performance.now() + ms;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (i >= 0) {
        const m = inbox.splice(i, 1)[0];
        if (m.type === 'error') throw new Error(`signaling error: ${JSON.stringify(m)}`);
        return m;
      }
      if (performance.now() > end) throw new Error(`no ${type} within ${ms} ms`);
      await new Promise((r) => { wake = r; setTimeout(r, 50); });
    }
  };
  await new Promise((r, j) => { ws.onopen = r; ws.onerror = () => j(new Error('/signaling did not open')); });
  const send = (m) => ws.send(JSON.stringify(m));
  send({ type: 'register', userId: 'viewer', userType: 'viewer' });
  await next('registered');
  await next('robot-online');
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.onicecandidate = (e) => { if (e.candidate) send({ type: 'ice-candidate', to: robot, candidate: e.candidate.toJSON() }); };
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  document.body.appendChild(video);
  pc.ontrack = (e) => { video.srcObject = e.streams[0] ?? new MediaStream([e.track]); };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const tOffer = performance.now();
  send({ type: 'offer', to: robot, offer: { type: offer.type, sdp: offer.sdp } });
  const answer = await next('answer');
  await pc.setRemoteDescription(answer.answer);
  const pump = setInterval(() => {
    for (let i = inbox.length - 1; i >= 0; i--)
      if (inbox[i].type === 'ice-candidate') pc.addIceCandidate(inbox.splice(i, 1)[0].candidate).catch(() => {});
  }, 10);

  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const crc8 = (ms) => {
    let crc = 0;
    for (let byte = 5; byte >= 0; byte--) {
      crc ^= Math.floor(ms / 2 ** (byte * 8)) % 256;
      for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  };
  const readStamp = (w, h) => {
    const s = Math.max(1, Math.floor(h / 180));
    const cell = Math.max(8, Math.floor(h / 45));
    const align16 = (v) => Math.ceil(v / 16) * 16;
    const x0 = align16(2 * s), y0 = align16(4 * s + 9 * s);
    const cw = 16 * cell, ch = 4 * cell;
    if (x0 + cw > w || y0 + ch > h) return null;
    canvas.width = cw; canvas.height = ch;
    ctx.drawImage(video, x0, y0, cw, ch, 0, 0, cw, ch);
    const px = ctx.getImageData(0, 0, cw, ch).data;
    const q = Math.floor(cell / 4);
    const bits = [];
    for (let i = 0; i < 64; i++) {
      const cx = (i % 16) * cell, cy = Math.floor(i / 16) * cell;
      let sum = 0, n = 0;
      for (let y = cy + q; y < cy + cell - q; y++)
        for (let x = cx + q; x < cx + cell - q; x++, n++) {
          const o = (y * cw + x) * 4;
          sum += 0.299 * px[o] + 0.587 * px[o + 1] + 0.114 * px[o + 2];
        }
      bits.push(sum > 128 * n ? 1 : 0);
    }
    if (bits.slice(0, 4).join('') !== '1010' || bits.slice(60).join('') !== '0101') return null;
    let ms = 0, crc = 0;
    for (let i = 4; i < 52; i++) ms = ms * 2 + bits[i];
    for (let i = 52; i < 60; i++) crc = crc * 2 + bits[i];
    return crc8(ms) === crc ? ms : null;
  };

  const lat = [];
  let tFirst = null, frames = 0, misses = 0, measuring = false, done = false;
  let firstLatency = null;
  const onFrame = (now, meta) => {
    if (done) return;
    if (tFirst === null) tFirst = performance.now();
    const stamp = readStamp(meta.width, meta.height);
    // When the compositor shows the frame, on the same clock as the robot's stamp.
    const shown = performance.timeOrigin + meta.expectedDisplayTime;
    if (stamp === null) misses += measuring ? 1 : 0;
    else if (firstLatency === null) firstLatency = shown - stamp;
    if (measuring) {
      frames++;
      if (stamp !== null) lat.push(shown - stamp);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  const end = performance.now() + 15000;
  while (tFirst === null) {
    if (performance.now() > end) throw new Error('no frame shown within 15 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const statsOf = async () => {
    const r = await pc.getStats();
    let s = null;
    r.forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') s = x; });
    return { decoded: s?.framesDecoded ?? 0, dropped: s?.framesDropped ?? 0, lost: s?.packetsLost ?? 0,
             codec: s?.codecId ? r.get(s.codecId)?.mimeType ?? '' : '', width: s?.frameWidth ?? 0, height: s?.frameHeight ?? 0 };
  };
  const s0 = await statsOf();
  const t0 = performance.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, duration * 1000));
  measuring = false;
  done = true;
  const secs = (performance.now() - t0) / 1000;
  const s1 = await statsOf();
  clearInterval(pump);
  pc.close();
  ws.close();
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor(p / 100 * lat.length))] * 10) / 10 : null);
  return {
    click_to_first_frame_ms: Math.round(tFirst - tClick),
    offer_to_first_frame_ms: Math.round(tFirst - tOffer),
    first_frame_latency_ms: firstLatency === null ? null : Math.round(firstLatency),
    g2g_ms: { p50: pct(50), p95: pct(95), p99: pct(99), min: lat.length ? Math.round(lat[0]) : null,
              max: lat.length ? Math.round(lat[lat.length - 1]) : null, n: lat.length },
    frames_shown: frames, stamp_misses: misses,
    shown_fps: Math.round(frames / secs * 10) / 10,
    decoded_fps: Math.round((s1.decoded - s0.decoded) / secs * 10) / 10,
    frames_dropped: s1.dropped - s0.dropped, packets_lost: s1.lost - s0.lost,
    codec: s1.codec, width: s1.width, height: s1.height, measured_s: Math.round(secs * 100) / 100,
  };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required'],
});
let code = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  // An HTML document (JSON renders into a <body>); favicon.svg would be an SVG one.
  await page.goto(`${url}/health`);
  const r = await page.evaluate(watch, { token, robot, duration, warmup });
  console.log(JSON.stringify(r));
} catch (e) {
  console.error(`g2g_viewer: ${e.message}`);
  console.log(JSON.stringify({ error: e.message }));
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
