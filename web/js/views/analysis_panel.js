// The watch pages' live analysis (GET /api/{kind}s/{id}/events): whether it runs and
// why not, the latest values (exposure, sharpness, motion, frozen, black, external
// analyzers), a chart of the last minute, alerts as toasts, and for admins the profile
// editor (analysis_profile.js).
import * as api from '../api.js';
import { h, clear, toast, every, sentence } from '../ui.js';
import { openEventStream } from '../players/event_stream.js';
import { profileEditor } from './analysis_profile.js';

const WINDOW_MS = 60000;
const TOAST_GAP_MS = 5000;

const ALERT_WORDS = {
  motion: 'Motion started',
  frozen: 'The picture is frozen',
  black: 'The picture is black',
  underexposed: 'The picture is too dark',
  overexposed: 'The picture is too bright',
  blurred: 'The picture is blurred',
};
const ENDED_WORDS = {
  frozen: 'The picture moves again',
  black: 'The picture is no longer black',
  underexposed: 'The exposure is fine again',
  overexposed: 'The exposure is fine again',
  blurred: 'The picture is sharp again',
};

/**
 * `kind` "camera" | "robot", `id` its number, `name()` its name for the toasts.
 * `onExpiring(ends_at)` gets the stream's session-expiring warning (the only one an MJPEG
 * or snapshot viewer gets). Returns { el, stop }: stop() closes the event stream.
 */
export function analysisPanel(kind, id, name = () => `${kind} ${id}`, onExpiring = () => {}) {
  const base = `/api/${kind}s/${id}`;
  const status = h('p.analysis-status#analysis-status', { role: 'status' }, 'Loading the analysis…');
  const dd = (key) => h(`dd#an-${key}`, '—');
  const values = {
    exposure: dd('exposure'), sharpness: dd('sharpness'), motion: dd('motion'), frozen: dd('frozen'), black: dd('black'),
  };
  const alerts = h('p.analysis-alerts#an-alerts', { 'aria-live': 'polite' });
  const external = h('pre.analysis-external#an-external', { hidden: true, 'aria-label': 'External analyzer results' });
  const chart = historyChart();
  const list = h('dl.kv.analysis-values', { 'aria-label': 'Latest analysis' },
    h('div', h('dt', 'Exposure'), values.exposure),
    h('div', h('dt', 'Sharpness'), values.sharpness),
    h('div', h('dt', 'Motion'), values.motion),
    h('div', h('dt', 'Frozen'), values.frozen),
    h('div', h('dt', 'Black'), values.black));
  const el = h('section.panel.analysis-panel#live-analysis', { 'aria-labelledby': 'live-analysis-title', dataset: { events: '0' } },
    h('h2#live-analysis-title', 'Live analysis'), status, alerts, list, chart.el, external);

  let editor = null;
  let stream = null;
  let ended = false;
  const active = new Map(); // alert -> since
  const externals = {};
  const lastToast = new Map();

  const showRunning = (running, whyNot) => {
    el.dataset.running = running ? 'true' : 'false';
    status.className = `analysis-status ${running ? 'is-running' : 'is-idle'}`;
    status.textContent = running ? 'Running.' : `Not running: ${whyNot || 'unknown reason'}.`;
  };

  const showAnalysis = (ev) => {
    if (ev.analyzer) {
      externals[ev.analyzer] = ev.error ? { error: ev.error } : ev.results?.[ev.analyzer];
      external.hidden = false;
      external.textContent = Object.entries(externals).map(([n, v]) => `${n}: ${compact(v)}`).join('\n');
      return;
    }
    if (ev.error) {
      values.exposure.textContent = `No picture: ${ev.error}`;
      return;
    }
    const r = ev.results ?? {};
    el.dataset.frameSeq = String(ev.frame_seq ?? '');
    if (r.exposure) values.exposure.textContent = `${r.exposure.mean.toFixed(0)} of 255 · ${verdictWords(r.exposure.verdict)}`;
    if (r.sharpness) values.sharpness.textContent = `${r.sharpness.variance.toFixed(0)}${r.sharpness.blurred ? ' · blurred' : ''}`;
    if (r.motion) {
      values.motion.dataset.score = String(r.motion.score);
      values.motion.textContent = `${r.motion.score.toFixed(3)}${r.motion.motion ? ' · moving' : ''}`;
    }
    if (r.frozen) values.frozen.textContent = r.frozen.frozen ? `Yes, for ${(r.frozen.unchanged_ms / 1000).toFixed(1)} s` : 'No';
    if (r.black) values.black.textContent = r.black.black ? 'Yes' : 'No';
    chart.add(r.motion?.score, r.exposure?.mean ?? r.black?.mean);
  };

  const rateLimited = (key, message, kindOf) => {
    const now = Date.now();
    if (now - (lastToast.get(key) ?? -Infinity) < TOAST_GAP_MS) return;
    lastToast.set(key, now);
    const t = toast(message, kindOf, 6000);
    t.dataset.event = key;
  };

  const onAlert = (ev) => {
    if (ev.state === 'started') active.set(ev.alert, ev.at_us);
    else active.delete(ev.alert);
    alerts.textContent = active.size ? `Alerts: ${[...active.keys()].join(', ')}` : '';
    el.dataset.alerts = [...active.keys()].join(' ');
    const words = ev.state === 'started' ? ALERT_WORDS[ev.alert] ?? `Alert: ${ev.alert}` : ENDED_WORDS[ev.alert];
    if (words) rateLimited(`alert-${ev.alert}`, `${name()}: ${words}.`, ev.state === 'started' ? 'warning' : 'info');
  };

  const onCameraState = (ev) => {
    if (ev.back) rateLimited('camera-state', `${name()} is back (${ev.state}).`, 'success');
    else if (ev.state === 'offline') rateLimited('camera-state', `${name()} is offline.`, 'error');
    else if (ev.state === 'stale') rateLimited('camera-state', `${name()} stopped sending pictures.`, 'warning');
  };

  const onEvent = (ev) => {
    el.dataset.events = String(Number(el.dataset.events) + 1);
    switch (ev.type) {
      case 'hello':
        showRunning(ev.analysis?.running, ev.analysis?.why_not);
        if (ev.last) showAnalysis(ev.last);
        break;
      case 'analysis': showAnalysis(ev); break;
      case 'alert': onAlert(ev); break;
      case 'camera-state': onCameraState(ev); break;
      case 'session-expiring': onExpiring(ev.ends_at); break;
      case 'session-ended':
        ended = true;
        stopPolling();
        el.dataset.running = 'false';
        status.className = 'analysis-status is-idle';
        status.textContent = `Stopped: ${sentence(ev.reason ?? 'the session ended')}`;
        break;
      default: break;
    }
  };

  // The profile and "running / why not" are read again every 5 s: the hello event says it
  // once, and the profile may change (here or elsewhere).
  let denied = false;
  const stopPolling = every(5000, async () => {
    if (ended) return;
    let a;
    try {
      a = await api.get(`${base}/analysis`);
    } catch (e) {
      if (e.status === 403) {
        denied = true;
        status.className = 'analysis-status is-idle';
        status.textContent = 'The analysis is shown while you may watch (during your booking).';
        return;
      }
      if (e.status === 404 || e.status === 409) {
        stopPolling();
        clear(el, h('h2#live-analysis-title', 'Live analysis'), h('p.muted',
          /no such file/i.test(e.message) ? 'This gateway does not offer live analysis.' : sentence(e.message)));
      }
      return;
    }
    showRunning(a.running, a.why_not);
    if (api.isAdmin() && !editor) {
      editor = profileEditor(base, (r) => showRunning(r.running, r.why_not));
      el.append(editor.el);
    }
    editor?.update(a);
    if (!stream || denied) {
      denied = false;
      stream?.close();
      stream = openEventStream(kind, id, {
        onEvent,
        onOpen: () => { el.dataset.connected = 'true'; },
        onDown: () => { el.dataset.connected = 'false'; },
      });
    }
  });

  return {
    el,
    stop() {
      stopPolling();
      stream?.close();
      chart.stop();
    },
  };
}

function verdictWords(v) {
  return v === 'under' ? 'too dark' : v === 'over' ? 'too bright' : v ?? '';
}

function compact(v) {
  const s = JSON.stringify(v);
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : String(s);
}

/** Motion score (0..1) and mean brightness (0..255) over the last minute, on a <canvas>. */
function historyChart() {
  const canvas = h('canvas.analysis-chart#an-chart', { width: 560, height: 160, role: 'img', 'aria-label': 'No history yet' });
  const el = h('figure.analysis-figure', canvas,
    h('figcaption.chart-legend',
      h('span.legend-motion', '— motion score'), ' ', h('span.legend-luma', '- - brightness'), h('span.muted', ' · last 60 s')));
  const points = [];
  const draw = () => {
    const now = Date.now();
    while (points.length && points[0].t < now - WINDOW_MS) points.shift();
    const ctx = canvas.getContext('2d');
    const { width: w, height: ht } = canvas;
    ctx.clearRect(0, 0, w, ht);
    ctx.strokeStyle = '#e3e8ec';
    ctx.lineWidth = 1;
    for (const f of [0.25, 0.5, 0.75]) { ctx.beginPath(); ctx.moveTo(0, ht * f); ctx.lineTo(w, ht * f); ctx.stroke(); }
    const line = (key, scale, color, dash) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 3;
      ctx.setLineDash(dash);
      ctx.beginPath();
      let started = false;
      for (const p of points) {
        if (p[key] === undefined) continue;
        const x = ((p.t - (now - WINDOW_MS)) / WINDOW_MS) * w;
        const y = ht - 4 - Math.min(1, Math.max(0, p[key] / scale)) * (ht - 8);
        if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line('luma', 255, '#7a4f00', [8, 6]);
    line('motion', 1, '#0f5f6b', []);
    const range = (key, digits) => {
      const v = points.map((p) => p[key]).filter((x) => x !== undefined);
      return v.length ? `${Math.min(...v).toFixed(digits)} to ${Math.max(...v).toFixed(digits)}` : 'none';
    };
    canvas.setAttribute('aria-label', points.length
      ? `Last minute: motion score ${range('motion', 2)}, brightness ${range('luma', 0)} of 255`
      : 'No history yet');
    canvas.dataset.points = String(points.length);
  };
  const timer = setInterval(draw, 1000);
  return {
    el,
    // Placed by arrival: the gateway's clock need not match this computer's.
    add(motion, luma) {
      points.push({ t: Date.now(), motion, luma });
      draw();
    },
    stop: () => clearInterval(timer),
  };
}
