// Frame bookkeeping shared by the players: the camsim/camgate timestamp inside a JPEG,
// an MJPEG multipart parser for fetch() streams, and fps/latency statistics.

const te = new TextDecoder('latin1');

/** True when the bytes start with the JPEG SOI marker and a marker byte (FF D8 FF). */
export function isJpeg(b) {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * The capture time camsim (and cameras like it) write into a JPEG comment segment right
 * after SOI: "camgate-ts=<unix µs>;seq=<n>". Returns {tsUs, seq} or null.
 */
export function jpegStamp(b) {
  if (!isJpeg(b)) return null;
  let i = 2;
  for (let n = 0; n < 8 && i + 4 < b.length; n++) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    const len = (b[i + 2] << 8) | b[i + 3];
    if (marker === 0xfe) {
      const text = te.decode(b.subarray(i + 4, Math.min(i + 2 + len, b.length)));
      const m = /camgate-ts=(\d+)(?:;seq=(\d+))?/.exec(text);
      return m ? { tsUs: Number(m[1]), seq: m[2] ? Number(m[2]) : null } : null;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data: no comment
    i += 2 + len;
  }
  return null;
}

/** X-Timestamp "seconds.micros" -> µs. */
export function parseTimestamp(text) {
  if (!text) return null;
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 1e6 + Number((m[2] ?? '0').padEnd(6, '0'));
}

function indexOf(hay, needle, from) {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLF2 = new Uint8Array([13, 10, 13, 10]);

/**
 * multipart/x-mixed-replace parser. push() chunks; onPart({headers, body}) per part.
 * Uses Content-Length when a part has one, else the next boundary.
 */
export class MultipartParser {
  constructor(boundary, onPart, { maxBuffer = 16 * 1024 * 1024 } = {}) {
    this.delim = new TextEncoder().encode(`--${boundary}`);
    this.onPart = onPart;
    this.buf = new Uint8Array(0);
    this.maxBuffer = maxBuffer;
  }

  push(chunk) {
    if (this.buf.length === 0) this.buf = chunk;
    else {
      const merged = new Uint8Array(this.buf.length + chunk.length);
      merged.set(this.buf);
      merged.set(chunk, this.buf.length);
      this.buf = merged;
    }
    let consumed = 0;
    for (;;) {
      const start = indexOf(this.buf, this.delim, consumed);
      if (start < 0) break;
      const headEnd = indexOf(this.buf, CRLF2, start + this.delim.length);
      if (headEnd < 0) break;
      const headers = {};
      for (const line of te.decode(this.buf.subarray(start + this.delim.length, headEnd)).split('\r\n')) {
        const c = line.indexOf(':');
        if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
      }
      const bodyStart = headEnd + 4;
      let bodyEnd;
      const len = Number(headers['content-length']);
      if (Number.isFinite(len) && len > 0) {
        if (this.buf.length < bodyStart + len) break;
        bodyEnd = bodyStart + len;
      } else {
        const next = indexOf(this.buf, this.delim, bodyStart);
        if (next < 0) break;
        bodyEnd = next;
        while (bodyEnd > bodyStart && (this.buf[bodyEnd - 1] === 10 || this.buf[bodyEnd - 1] === 13)) bodyEnd--;
      }
      // slice() copies: the part outlives this buffer.
      this.onPart({ headers, body: this.buf.slice(bodyStart, bodyEnd) });
      consumed = bodyEnd;
    }
    if (consumed > 0) this.buf = this.buf.subarray(consumed);
    if (this.buf.length > this.maxBuffer) throw new Error('the stream sent a part larger than 16 MB');
  }
}

/** Frames per second over the last two seconds, latency as the median of the last 30. */
export class FrameStats {
  constructor() {
    this.reset();
  }
  reset() {
    this.frames = 0;
    this.times = [];
    this.latencies = [];
    this.lastSeq = null;
    this.width = 0;
    this.height = 0;
    this.bytes = 0;
  }
  frame({ tsUs = null, seq = null, size = 0 } = {}) {
    const now = performance.now();
    this.frames++;
    this.bytes = size;
    this.times.push(now);
    while (this.times.length && now - this.times[0] > 2000) this.times.shift();
    if (seq !== null) this.lastSeq = seq;
    if (tsUs) {
      const ms = Date.now() - tsUs / 1000;
      this.latencies.push(ms);
      if (this.latencies.length > 30) this.latencies.shift();
    }
  }
  get fps() {
    const now = performance.now();
    const t = this.times.filter((x) => now - x <= 2000);
    if (t.length < 2) return 0;
    return (t.length - 1) / ((t[t.length - 1] - t[0]) / 1000);
  }
  /** Median latency in ms, or null when the frames carry no capture time. */
  get latency() {
    if (!this.latencies.length) return null;
    const s = [...this.latencies].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  }
}

/**
 * Shows JPEG bytes in an <img> without flicker: the newest frame wins, at most one
 * decode in flight, object URLs are revoked once replaced.
 */
export class JpegSink {
  constructor(img) {
    this.img = img;
    this.url = null;
    this.pending = null;
    this.busy = false;
  }
  show(bytes) {
    this.pending = bytes;
    if (!this.busy) this.next();
  }
  async next() {
    const bytes = this.pending;
    this.pending = null;
    if (!bytes) { this.busy = false; return; }
    this.busy = true;
    const url = URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' }));
    const probe = new Image();
    probe.src = url;
    try {
      await probe.decode();
      if (this.stopped) {
        URL.revokeObjectURL(url);
        this.busy = false;
        return;
      }
      const old = this.url;
      this.url = url;
      this.img.src = url;
      if (old) setTimeout(() => URL.revokeObjectURL(old), 1000);
    } catch {
      URL.revokeObjectURL(url); // a broken frame: skip it
    }
    if (this.stopped) { this.busy = false; return; }
    this.next();
  }
  stop() {
    this.stopped = true;
    this.pending = null;
  }
  release() {
    this.stop();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }
}
