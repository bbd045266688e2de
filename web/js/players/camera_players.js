// The three ways to watch a camera as JPEG pictures: MJPEG (fetch + multipart parser, so
// every part's X-Timestamp is known), WebSocket (binary JPEG per message) and snapshots.
// (The fourth, WebRTC video, is webrtc_player.js.)
// Each player: start(), stop(); reports through the callbacks
//   onFrame(), onState(state, message), onNotice(json), onEnded({reason, message, code})
import * as api from '../api.js';
import { MultipartParser, FrameStats, JpegSink, jpegStamp, parseTimestamp, isJpeg } from './media.js';

const noop = () => {};

function callbacks(cb) {
  return { onFrame: noop, onState: noop, onNotice: noop, onEnded: noop, ...cb };
}

/**
 * Why may we not watch? Asks the WebSocket endpoint without an Upgrade: the gateway
 * checks access first (401/403 with the reason in words), else answers 426.
 * Returns null when access is fine, else {status, message}.
 */
export async function accessProblem(cameraId) {
  try {
    await api.request('GET', `/api/cameras/${cameraId}/ws`, { quiet401: true });
    return null;
  } catch (e) {
    if (e.status === 426 || e.status === 400) return null;
    return { status: e.status, message: e.message };
  }
}

/** Words for how a session ended. */
export function endedMessage(reason) {
  switch (reason) {
    case 'booking ended': return 'Your booking has ended, so the gateway closed the stream.';
    case 'token expired': return 'Your login has expired. Log in again to keep watching.';
    case 'camera removed': return 'This camera was removed from the gateway.';
    case 'robot removed': return 'This robot was removed from the gateway.';
    case 'gateway stopping': return 'The gateway is restarting. Try again in a moment.';
    default: return reason ? `The stream was closed: ${reason}.` : 'The stream was closed.';
  }
}

function isSessionEnd(status, message) {
  return status === 401 || (status === 403 && /booking/i.test(message ?? ''));
}

/**
 * How a session ends when the gateway refused a stream (an ApiError): {reason, message},
 * or null when the refusal is not for good (try again).
 */
export function refusalEnding(e) {
  if (isSessionEnd(e.status, e.message)) {
    const reason = e.status === 401 ? 'token expired' : /booking ended/.test(e.message) ? 'booking ended' : e.message;
    return { reason, message: /booking ended/.test(e.message) || e.status === 401 ? endedMessage(reason) : e.message };
  }
  if (e.status === 403 || e.status === 404) return { reason: e.message, message: e.message };
  return null;
}

/**
 * How a session ends when a stream went away and accessProblem() found `problem`:
 * {reason, message}, or null when access is still fine (reconnect).
 */
export function sessionEnding(problem) {
  if (!problem || !(isSessionEnd(problem.status, problem.message) || problem.status === 403 || problem.status === 404)) return null;
  const reason = /booking ended/i.test(problem.message) ? 'booking ended'
    : problem.status === 401 ? 'token expired'
      : problem.status === 404 ? 'camera removed' : problem.message;
  return { reason, message: problem.status === 403 && !/booking ended/.test(problem.message) ? problem.message : endedMessage(reason) };
}

class BasePlayer {
  constructor(cameraId, img, cb) {
    this.cameraId = cameraId;
    this.img = img;
    this.cb = callbacks(cb);
    this.stats = new FrameStats();
    this.stopped = false;
  }
  frameShown(bytes, meta) {
    this.stats.frame({ ...meta, size: bytes.length });
    this.sink.show(bytes);
    if (this.stats.frames === 1) this.cb.onState('playing');
    this.cb.onFrame(this.stats);
  }
  // A stream went away: find out why, then either end for good or try again.
  async lost(fallback) {
    if (this.stopped) return;
    const ending = sessionEnding(await accessProblem(this.cameraId));
    if (this.stopped) return;
    if (ending) {
      this.end(ending);
      return;
    }
    this.retries = (this.retries ?? 0) + 1;
    if (this.retries > 5) {
      this.cb.onState('error', `${fallback} The gateway did not take the stream back after 5 tries.`);
      return;
    }
    this.cb.onState('reconnecting', `${fallback} Reconnecting (try ${this.retries} of 5)…`);
    this.retryTimer = setTimeout(() => this.connect(), 500 * this.retries);
  }
  end(info) {
    if (this.stopped) return;
    this.stop();
    this.cb.onEnded(info);
  }
  start() {
    this.sink = new JpegSink(this.img);
    this.cb.onState('connecting');
    this.connect();
  }
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.sink?.stop();
  }
}

export class MjpegPlayer extends BasePlayer {
  async connect() {
    if (this.stopped) return;
    this.abort = new AbortController();
    let res;
    try {
      res = await api.fetchMedia(`/api/cameras/${this.cameraId}/stream`, { signal: this.abort.signal });
    } catch (e) {
      if (this.stopped || e.name === 'AbortError') return;
      const ending = refusalEnding(e);
      if (ending) return this.end(ending);
      return this.lost(`${e.message}.`);
    }
    const type = res.headers.get('content-type') ?? '';
    const m = /boundary="?([^";]+)"?/i.exec(type);
    if (!m) {
      this.cb.onState('error', `The gateway sent "${type}" instead of an MJPEG stream.`);
      return;
    }
    const parser = new MultipartParser(m[1], ({ headers, body }) => {
      if (this.stopped || !isJpeg(body)) return;
      const stamp = jpegStamp(body);
      this.frameShown(body, {
        tsUs: parseTimestamp(headers['x-timestamp']) ?? stamp?.tsUs ?? null,
        seq: headers['x-frame-seq'] !== undefined ? Number(headers['x-frame-seq']) : stamp?.seq ?? null,
      });
      this.retries = 0;
    });
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (e) {
      if (this.stopped || e.name === 'AbortError') return;
    }
    if (!this.stopped) this.lost('The stream stopped.');
  }
  stop() {
    super.stop();
    this.abort?.abort();
  }
}

export class WebSocketPlayer extends BasePlayer {
  async connect() {
    if (this.stopped) return;
    let url;
    try {
      url = await api.wsUrl(`/api/cameras/${this.cameraId}/ws`, { format: 'binary' }, `camera:${this.cameraId}`);
    } catch (e) {
      return this.lost(e.message);
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    let opened = false;
    let endedReason = null;
    ws.onopen = () => { opened = true; };
    ws.onmessage = (ev) => {
      if (this.stopped) return;
      if (typeof ev.data === 'string') {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (msg.type === 'session-ended') endedReason = msg.reason;
        this.cb.onNotice(msg);
        return;
      }
      const bytes = new Uint8Array(ev.data);
      if (!isJpeg(bytes)) return;
      const stamp = jpegStamp(bytes);
      this.frameShown(bytes, { tsUs: stamp?.tsUs ?? null, seq: stamp?.seq ?? null });
      this.retries = 0;
    };
    ws.onclose = (ev) => {
      if (this.stopped || this.ws !== ws) return;
      if (ev.code === 4001 || ev.code === 4002 || ev.code === 4004 || ev.code === 4005 || ev.code === 4006) {
        const reason = ev.reason || endedReason || (ev.code === 4001 ? 'booking ended' : ev.code === 4002 ? 'token expired' : ev.code === 4005 ? 'user removed' : ev.code === 4006 ? 'token revoked' : 'camera removed');
        return this.end({ reason, code: ev.code, message: endedMessage(reason) });
      }
      if (endedReason) return this.end({ reason: endedReason, code: ev.code, message: endedMessage(endedReason) });
      this.lost(opened ? 'The connection was lost.' : 'The WebSocket could not be opened.');
    };
  }
  stop() {
    super.stop();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000, 'closed by viewer');
  }
}

/** One picture on demand (and, if asked, every few seconds). */
export class SnapshotPlayer extends BasePlayer {
  connect() {
    this.take();
  }
  setAuto(seconds) {
    clearInterval(this.auto);
    if (seconds > 0) this.auto = setInterval(() => this.take(), seconds * 1000);
  }
  async take() {
    if (this.stopped || this.busy) return;
    this.busy = true;
    try {
      const res = await api.fetchMedia(`/api/cameras/${this.cameraId}/snapshot`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (this.stopped) return;
      if (!isJpeg(bytes)) throw new Error('The gateway sent something that is not a JPEG picture.');
      const stamp = jpegStamp(bytes);
      this.frameShown(bytes, {
        tsUs: parseTimestamp(res.headers.get('x-timestamp')) ?? stamp?.tsUs ?? null,
        seq: res.headers.get('x-frame-seq') !== null ? Number(res.headers.get('x-frame-seq')) : stamp?.seq ?? null,
      });
    } catch (e) {
      if (this.stopped) return;
      if (isSessionEnd(e.status, e.message)) {
        const reason = e.status === 401 ? 'token expired' : 'booking ended';
        this.end({ reason, message: /booking ended/.test(e.message) || e.status === 401 ? endedMessage(reason) : e.message });
      } else if (e.status === 403) {
        this.end({ reason: e.message, message: e.message });
      } else {
        this.cb.onState('error', `No snapshot: ${e.message}`);
      }
    } finally {
      this.busy = false;
    }
  }
  stop() {
    super.stop();
    clearInterval(this.auto);
  }
}

/** Downloads the newest frame as a .jpg file. Throws ApiError with words on failure. */
export async function downloadSnapshot(cameraId, cameraName) {
  const res = await api.fetchMedia(`/api/cameras/${cameraId}/snapshot`);
  const blob = await res.blob();
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..+/, '');
  const safe = (cameraName || `camera-${cameraId}`).replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '');
  const a = document.createElement('a');
  const url = URL.createObjectURL(blob);
  a.href = url;
  a.download = `${safe || 'camera'}-${stamp}.jpg`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return a.download;
}
