// A robot's camera over WebRTC, signalled through the gateway's plain WebSocket at
// /signaling (docs/signaling-protocol.md): register as a viewer, wait for the robot to
// be online, send it an offer (receive-only video), trade ICE candidates.
import * as api from '../api.js';
import { endedMessage } from './camera_players.js';

const noop = () => {};

export class RobotPlayer {
  /** robot: {id, name}; video: <video>. */
  constructor(robot, video, cb) {
    this.robot = robot;
    this.video = video;
    this.cb = { onFrame: noop, onState: noop, onNotice: noop, onEnded: noop, ...cb };
    this.stopped = false;
    this.frames = 0;
    this.times = [];
    this.rtt = null;
    this.pendingCandidates = [];
  }

  get stats() {
    const now = performance.now();
    const t = this.times.filter((x) => now - x <= 2000);
    const fps = t.length > 1 ? (t.length - 1) / ((t[t.length - 1] - t[0]) / 1000) : 0;
    return {
      frames: this.frames,
      fps,
      latency: this.rtt,
      latencyKind: 'rtt',
      width: this.video.videoWidth,
      height: this.video.videoHeight,
      lastSeq: null,
    };
  }

  async start() {
    this.cb.onState('connecting', 'Connecting to the signaling service…');
    try {
      const ice = await api.get('/api/webrtc/ice-servers').catch(() => ({ iceServers: [] }));
      this.iceServers = ice.iceServers ?? [];
      const url = await api.wsUrl('/signaling', {}, `robot:${this.robot.id}`);
      if (this.stopped) return;
      this.openSignaling(url);
    } catch (e) {
      this.cb.onState('error', `The robot view could not start: ${e.message}`);
    }
  }

  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  openSignaling(url) {
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    let endedReason = null;
    ws.onopen = () => {
      opened = true;
      this.send({ type: 'register', userId: api.user()?.name ?? 'viewer', userType: 'viewer' });
    };
    // One message at a time, in order: an ICE candidate must not overtake its answer.
    let chain = Promise.resolve();
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      chain = chain.then(() => this.handle(msg, (r) => { endedReason = r; })).catch((e) => {
        if (!this.stopped) this.cb.onState('error', `WebRTC failed: ${e.message}`);
      });
    };
    ws.onclose = (ev) => {
      if (this.stopped || this.ws !== ws) return;
      if (ev.code === 4001 || ev.code === 4002 || ev.code === 4004 || ev.code === 4005 || ev.code === 4006 || endedReason) {
        const reason = ev.reason || endedReason || (ev.code === 4001 ? 'booking ended' : ev.code === 4002 ? 'token expired' : ev.code === 4005 ? 'user removed' : ev.code === 4006 ? 'token revoked' : 'robot removed');
        this.end({ reason, code: ev.code, message: endedMessage(reason) });
        return;
      }
      this.closePeer();
      this.cb.onState('error', opened
        ? 'The connection to the signaling service was lost. Open the robot again to reconnect.'
        : 'The signaling service could not be reached. The gateway may not offer robots yet, or you may have no booking for this robot.');
    };
  }

  async handle(msg, setEnded) {
    switch (msg.type) {
      case 'registered':
        this.peerId = msg.peerId;
        this.cb.onState('connecting', `Waiting for ${this.robot.name} to come online…`);
        break;
      case 'robot-online':
        if (msg.robotId === this.robot.name && !this.pc) await this.call();
        break;
      case 'robot-offline':
        if (msg.robotId === this.robot.name) {
          this.closePeer();
          this.cb.onState('waiting', `${this.robot.name} is offline. The picture comes back when it reconnects.`);
        }
        break;
      case 'answer':
        if (this.pc && msg.from === this.robot.name) {
          await this.pc.setRemoteDescription(msg.answer);
          for (const c of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
        }
        break;
      case 'ice-candidate':
        if (this.pc && msg.from === this.robot.name && msg.candidate) {
          if (this.pc.remoteDescription) await this.pc.addIceCandidate(msg.candidate).catch(() => {});
          else this.pendingCandidates.push(msg.candidate);
        }
        break;
      case 'session-expiring':
        this.cb.onNotice(msg);
        break;
      case 'session-ended':
        setEnded(msg.reason);
        this.cb.onNotice(msg);
        break;
      case 'error':
        this.cb.onState('error', `The gateway refused: ${msg.error}`);
        break;
      default:
        break;
    }
  }

  async call() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] ?? new MediaStream([ev.track]);
      this.video.srcObject = stream;
      this.video.play().catch(() => {});
      this.watchFrames();
    };
    pc.onicecandidate = (ev) => {
      if (ev.candidate) this.send({ type: 'ice-candidate', to: this.robot.name, candidate: ev.candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === 'failed') this.cb.onState('error', 'The video connection to the robot failed (no network path between them).');
      if (pc.connectionState === 'disconnected') this.cb.onState('reconnecting', 'The video connection is interrupted…');
    };
    this.shown = false;
    this.cb.onState('connecting', `Calling ${this.robot.name}…`);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.send({ type: 'offer', to: this.robot.name, offer: { type: offer.type, sdp: offer.sdp } });
    this.statsTimer = setInterval(() => this.pollStats(), 1000);
  }

  watchFrames() {
    // One callback loop per video element, however many calls (a robot that comes back).
    if (this.watching || !('requestVideoFrameCallback' in HTMLVideoElement.prototype)) return;
    this.watching = true;
    const onFrame = () => {
      if (this.stopped) return;
      this.frames++;
      const now = performance.now();
      this.times.push(now);
      while (this.times.length && now - this.times[0] > 2000) this.times.shift();
      // Each call's first picture, not only the first ever: 'playing' again after a return.
      if (!this.shown && this.pc) {
        this.shown = true;
        this.cb.onState('playing');
      }
      this.cb.onFrame(this.stats);
      this.video.requestVideoFrameCallback(onFrame);
    };
    this.video.requestVideoFrameCallback(onFrame);
  }

  async pollStats() {
    if (!this.pc) return;
    const report = await this.pc.getStats().catch(() => null);
    report?.forEach((s) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated && s.currentRoundTripTime !== undefined) {
        this.rtt = s.currentRoundTripTime * 1000;
      }
    });
  }

  closePeer() {
    clearInterval(this.statsTimer);
    if (this.pc) {
      this.pc.ontrack = null;
      this.pc.close();
    }
    this.pc = null;
    this.pendingCandidates = [];
  }

  end(info) {
    if (this.stopped) return;
    this.stop();
    this.cb.onEnded(info);
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pc) this.send({ type: 'leave', to: this.robot.name });
    this.closePeer();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000, 'closed by viewer');
    this.video.srcObject = null;
  }
}
