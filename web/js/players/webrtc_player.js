// A camera as WebRTC video through the gateway's WHEP endpoint (RFC 9725):
//   POST   /api/cameras/{id}/whep  a receive-only offer (application/sdp) -> 201, the
//          answer with the gateway's ICE candidates, Location: the session
//   PATCH  Location  our candidates, batched (application/trickle-ice-sdpfrag, RFC 8840)
//   DELETE Location  hang up (mode switch, leaving the view, the page unloading)
// Same callbacks as the JPEG players (camera_players.js): onFrame(stats), onState(state,
// message), onEnded({reason, message}); onNotice never fires, for WHEP has no channel for
// notices. When a booking ends the gateway just drops the peer: the picture stops, and
// the connection goes down seconds later. So a stalled picture or a connection that is
// not up makes the player ask the gateway why (accessProblem, as the JPEG players do
// when their stream ends): a session that is over ends; else it reconnects.
import * as api from '../api.js';
import { FrameStats } from './media.js';
import { accessProblem, refusalEnding, sessionEnding } from './camera_players.js';

const noop = () => {};
const STALL_MS = 1000; // no frame for this long (or 5 frame intervals, if longer): ask why
const FIRST_FRAME_MS = 4000; // from the answer to the first frame
const RECHECK_MS = 1500; // asking again while the picture stays stopped
const DISCONNECTED_MS = 3000; // then give the connection up and start a new session
const MAX_RETRIES = 5;

/** The a=ice-ufrag and a=ice-pwd of an SDP (session or first media level). */
function iceCredentials(sdp) {
  return {
    ufrag: /^a=ice-ufrag:(.+)$/m.exec(sdp)?.[1]?.trim(),
    pwd: /^a=ice-pwd:(.+)$/m.exec(sdp)?.[1]?.trim(),
  };
}

/**
 * An RFC 8840 fragment: the ICE credentials, then per media section its mid and
 * candidates; `complete` adds a=end-of-candidates to each.
 */
export function sdpFragment({ ufrag, pwd }, candidates, mids, complete) {
  const lines = [];
  if (ufrag) lines.push(`a=ice-ufrag:${ufrag}`);
  if (pwd) lines.push(`a=ice-pwd:${pwd}`);
  for (const mid of mids) {
    const mine = candidates.filter((c) => (c.sdpMid ?? mids[0]) === mid);
    if (!mine.length && !complete) continue;
    lines.push('m=video 9 UDP/TLS/RTP/SAVPF 0', `a=mid:${mid}`);
    for (const c of mine) lines.push(`a=${c.candidate}`);
    if (complete) lines.push('a=end-of-candidates');
  }
  return `${lines.join('\r\n')}\r\n`;
}

export class WebRtcPlayer {
  /** video: the <video> to play into (muted, autoplay, playsinline). */
  constructor(cameraId, video, cb) {
    this.cameraId = cameraId;
    this.video = video;
    this.cb = { onFrame: noop, onState: noop, onNotice: noop, onEnded: noop, ...cb };
    this.frameStats = new FrameStats();
    this.latencies = []; // ms from capture to display, when the browser knows the capture time
    this.rtt = null;
    this.stopped = false;
    this.retries = 0;
    this.pc = null;
    this.location = null; // the WHEP session's URL
    this.outbox = []; // our candidates not yet sent
  }

  get stats() {
    const s = this.frameStats;
    let latency = this.rtt;
    let latencyKind = 'rtt';
    if (this.latencies.length) {
      const sorted = [...this.latencies].sort((a, b) => a - b);
      latency = sorted[Math.floor(sorted.length / 2)];
      latencyKind = 'latency';
    }
    return {
      frames: s.frames,
      fps: s.fps,
      latency,
      latencyKind,
      width: this.video.videoWidth,
      height: this.video.videoHeight,
      lastSeq: null,
    };
  }

  start() {
    this.cb.onState('connecting');
    this.onPageHide = () => this.hangUp();
    window.addEventListener('pagehide', this.onPageHide);
    this.watchFrames();
    this.watchTimer = setInterval(() => this.watchdog(), 250);
    this.connect();
  }

  async connect() {
    if (this.stopped) return;
    if (!this.iceServers) {
      const ice = await api.get('/api/webrtc/ice-servers', { quiet401: true }).catch(() => null);
      this.iceServers = ice?.iceServers ?? [];
      if (this.stopped) return;
    }
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    this.answeredAt = null;
    this.lastFrameAt = null;
    this.disconnectedAt = null;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (ev) => {
      if (this.pc !== pc) return;
      this.video.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
      this.video.play().catch(() => {});
      ev.track.addEventListener('ended', () => { if (this.pc === pc) this.check(); });
      ev.track.addEventListener('mute', () => { if (this.pc === pc) this.check(); });
    };
    pc.onicecandidate = (ev) => this.queueCandidate(pc, ev.candidate);
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      const st = pc.connectionState;
      if (st === 'connected') this.disconnectedAt = null;
      else if (st === 'disconnected' || st === 'failed' || st === 'closed') {
        this.disconnectedAt ??= performance.now();
        this.check();
      }
    };

    let answer;
    let location;
    try {
      await pc.setLocalDescription(await pc.createOffer());
      const res = await api.request('POST', `/api/cameras/${this.cameraId}/whep`, {
        body: pc.localDescription.sdp, type: 'application/sdp', raw: true,
      });
      location = res.headers.get('location');
      answer = await res.text();
    } catch (e) {
      if (this.pc !== pc) return;
      this.closePeer();
      if (this.stopped) return;
      const ending = e.status ? refusalEnding(e) : null;
      if (ending) return this.end(ending);
      // Trying again will not help: a bad offer, no WebRTC on this gateway, too many streams.
      if ([400, 413, 415, 429, 501, 503].includes(e.status)) {
        return this.cb.onState('error', `${e.message}${/\.$/.test(e.message) ? '' : '.'} Another view (MJPEG, WebSocket) may still work.`);
      }
      return this.reconnect(`${e.message}${/\.$/.test(e.message) ? '' : '.'}`);
    }
    if (this.pc !== pc) {
      // Stopped while the gateway answered: hang up the session it made.
      if (location) api.request('DELETE', location, { keepalive: true, quiet401: true }).catch(noop);
      return;
    }
    this.location = location;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (e) {
      if (this.pc !== pc) return;
      this.closePeer();
      return this.cb.onState('error', `The gateway's WebRTC answer did not work in this browser: ${e.message}`);
    }
    this.answeredAt = performance.now();
    this.flushSoon(pc);
    this.statsTimer = setInterval(() => this.pollStats(pc), 1000);
  }

  // ---- our ICE candidates, trickled in batches once the session has a URL ----

  queueCandidate(pc, candidate) {
    if (this.pc !== pc) return;
    if (candidate && !candidate.candidate) return; // an empty one: the end of a generation
    this.outbox.push(candidate ?? null); // null: the end of candidates
    if (this.location) this.flushSoon(pc);
  }

  flushSoon(pc) {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flush(pc), 50);
  }

  async flush(pc) {
    if (this.pc !== pc || !this.location || !this.outbox.length) return;
    const batch = this.outbox.splice(0);
    const complete = batch.includes(null);
    const candidates = batch.filter(Boolean);
    const mids = pc.getTransceivers().map((t) => t.mid).filter((m) => m !== null);
    if (!mids.length) return;
    const body = sdpFragment(iceCredentials(pc.localDescription.sdp), candidates, mids, complete);
    // Optional for the gateway (its answer's candidates suffice where it can be reached),
    // so a refusal here is no reason to stop the picture.
    await api.request('PATCH', this.location, { body, type: 'application/trickle-ice-sdpfrag', quiet401: true }).catch(noop);
  }

  // ---- frames, stalls and stats ----

  watchFrames() {
    const v = this.video;
    if (typeof v.requestVideoFrameCallback === 'function') {
      const onFrame = (now, meta) => {
        if (this.stopped) return;
        this.frameShown(meta);
        this.frameHandle = v.requestVideoFrameCallback(onFrame);
      };
      this.frameHandle = v.requestVideoFrameCallback(onFrame);
      return;
    }
    // Without requestVideoFrameCallback: count decoded frames a few times a second.
    let seen = v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    this.qualityTimer = setInterval(() => {
      const total = v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
      if (total < seen) seen = 0; // a new stream counts from 0
      for (; seen < total; seen++) this.frameShown(null);
    }, 100);
  }

  frameShown(meta) {
    if (!this.pc || !this.video.srcObject) return;
    this.lastFrameAt = performance.now();
    this.frameStats.frame({});
    // captureTime: when the sender stamps it (abs-capture-time), in this page's clock.
    if (meta?.captureTime !== undefined) {
      this.latencies.push((meta.expectedDisplayTime ?? this.lastFrameAt) - meta.captureTime);
      if (this.latencies.length > 30) this.latencies.shift();
    }
    this.retries = 0;
    if (!this.playing) {
      this.playing = true;
      this.cb.onState('playing');
    }
    this.cb.onFrame(this.stats);
  }

  // Runs 4 times a second: a picture that stopped, or never came, makes us ask why.
  watchdog() {
    if (this.stopped || !this.pc || !this.answeredAt || document.hidden) return;
    const now = performance.now();
    if (this.disconnectedAt !== null) {
      if (now - (this.lastCheck ?? 0) > RECHECK_MS) this.check();
      return;
    }
    const fps = this.frameStats.fps;
    const limit = this.lastFrameAt === null ? FIRST_FRAME_MS : Math.max(STALL_MS, fps > 0 ? 5000 / fps : 0);
    const since = this.lastFrameAt ?? this.answeredAt;
    if (now - since > limit && now - (this.lastCheck ?? 0) > RECHECK_MS) this.check();
  }

  async pollStats(pc) {
    if (this.pc !== pc) return;
    const report = await pc.getStats().catch(() => null);
    report?.forEach((s) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated && s.currentRoundTripTime !== undefined) {
        this.rtt = s.currentRoundTripTime * 1000;
      }
    });
  }

  // ---- why did it stop? ----

  /** Asks the gateway whether we may still watch; ends the session, or reconnects. */
  async check() {
    if (this.stopped || this.checking) return;
    this.checking = true;
    this.lastCheck = performance.now();
    const problem = await accessProblem(this.cameraId);
    this.checking = false;
    if (this.stopped) return;
    const ending = sessionEnding(problem);
    if (ending) return this.end(ending);
    const st = this.pc?.connectionState;
    if (st === 'failed' || st === 'closed' || (st === 'disconnected' && performance.now() - this.disconnectedAt > DISCONNECTED_MS)) {
      this.reconnect('The video connection was lost.');
    } else if (st === 'disconnected') {
      this.playing = false;
      this.cb.onState('reconnecting', 'The video connection is interrupted…');
    }
    // Else the connection is up and access is fine: the camera itself is slow or stalled
    // (the page says so from the camera's state); the picture resumes when it sends again.
  }

  reconnect(why) {
    this.closePeer();
    this.playing = false;
    this.retries++;
    if (this.retries > MAX_RETRIES) {
      this.cb.onState('error', `${why} The gateway did not take the stream back after ${MAX_RETRIES} tries.`);
      return;
    }
    this.cb.onState('reconnecting', `${why} Reconnecting (try ${this.retries} of ${MAX_RETRIES})…`);
    this.retryTimer = setTimeout(() => this.connect(), 500 * this.retries);
  }

  hangUp() {
    const location = this.location;
    this.location = null;
    // keepalive: the DELETE still goes out when the page is being unloaded.
    if (location) api.request('DELETE', location, { keepalive: true, quiet401: true }).catch(noop);
  }

  closePeer() {
    clearInterval(this.statsTimer);
    clearTimeout(this.flushTimer);
    const pc = this.pc;
    this.pc = null;
    this.outbox = [];
    this.answeredAt = null;
    this.disconnectedAt = null;
    if (pc) {
      pc.ontrack = null;
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    this.hangUp();
  }

  end(info) {
    if (this.stopped) return;
    this.stop();
    this.cb.onEnded(info);
  }

  // The last frame stays as the <video>'s poster, greyed under an "ended" overlay like
  // the JPEG views' last picture (the video itself goes black once the peer closes).
  keepLastFrame() {
    const v = this.video;
    if (!v.videoWidth) return;
    try {
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      c.getContext('2d').drawImage(v, 0, 0);
      v.poster = c.toDataURL('image/jpeg', 0.85);
    } catch {
      // no picture to keep: the overlay says it all
    }
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.keepLastFrame();
    clearTimeout(this.retryTimer);
    clearInterval(this.watchTimer);
    clearInterval(this.qualityTimer);
    if (this.frameHandle !== undefined) this.video.cancelVideoFrameCallback?.(this.frameHandle);
    window.removeEventListener('pagehide', this.onPageHide);
    this.closePeer();
    this.video.srcObject = null;
  }
}
