// bench/run analysis: analysis events from capture to a viewer. For each camera one SSE
// subscriber (GET /api/cameras/{id}/events) and one WebSocket viewer
// (/api/cameras/{id}/ws?format=binary: pictures as binary messages, events as text), both
// open for --seconds; for every "analysis" event: receipt time minus its captured_at_us,
// both unix µs on this host's clock. Prints one JSON line.
// node --experimental-websocket (Node 20; Node >= 22 has WebSocket built in).
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    base: { type: "string" }, token: { type: "string" }, ids: { type: "string" },
    seconds: { type: "string", default: "15" }, warmup: { type: "string", default: "1" },
  },
});
const ids = a.ids.split(",").map(Number);
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const lat = { sse: [], ws: [] };
const counts = { sse: { events: 0, analysis: 0, errors: 0 }, ws: { events: 0, analysis: 0, pictures: 0, errors: 0 } };
let measuring = false;

function onEvent(kind, text) {
  const t = nowUs();
  let ev;
  try { ev = JSON.parse(text); } catch { counts[kind].errors++; return; }
  if (!measuring) return;
  counts[kind].events++;
  if (ev.type !== "analysis" || !ev.captured_at_us || ev.analyzer) return;
  counts[kind].analysis++;
  lat[kind].push((t - ev.captured_at_us) / 1000);  // ms
}

const stops = [];
async function sse(id) {
  const ctl = new AbortController();
  stops.push(() => ctl.abort());
  try {
    const res = await fetch(`${a.base}/api/cameras/${id}/events?access_token=${encodeURIComponent(a.token)}`,
                            { signal: ctl.signal });
    if (res.status !== 200) { counts.sse.errors++; return; }
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body) {
      buf += dec.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart());
        if (data.length) onEvent("sse", data.join("\n"));
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") counts.sse.errors++;
  }
}

function ws(id) {
  const url = `${a.base.replace(/^http/, "ws")}/api/cameras/${id}/ws?format=binary&access_token=${encodeURIComponent(a.token)}`;
  const s = new WebSocket(url);
  s.binaryType = "arraybuffer";
  s.onmessage = (m) => {
    if (typeof m.data === "string") onEvent("ws", m.data);
    else if (measuring) counts.ws.pictures++;
  };
  s.onerror = () => counts.ws.errors++;
  stops.push(() => s.close());
}

function stats(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((x, y) => x - y);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (v) => Math.round(v * 10) / 10;
  return { count: s.length, p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), min: r(s[0]), max: r(s[s.length - 1]),
           mean: r(s.reduce((x, y) => x + y, 0) / s.length) };
}

for (const id of ids) { sse(id); ws(id); }
await new Promise((r) => setTimeout(r, Number(a.warmup) * 1000));
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, Number(a.seconds) * 1000));
measuring = false;
const wall = (performance.now() - t0) / 1000;
for (const s of stops) s();
console.log(JSON.stringify({ cameras: ids.length, measured_s: Math.round(wall * 100) / 100,
  sse_ms: stats(lat.sse), ws_ms: stats(lat.ws), counts,
  ws_picture_fps_per_camera: Math.round(counts.ws.pictures / wall / ids.length * 10) / 10 }));
process.exit(0);
