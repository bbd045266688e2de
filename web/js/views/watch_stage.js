// The watch pages' stage: the picture with its overlay and banner, the live
// measurements beside it, and for a camera the picture and player of each view: an
// <img> for the JPEG views (MJPEG, WebSocket, snapshot), a <video> for WebRTC. Only the
// one the view needs is shown; switching stops the old player first (WebRTC hangs up).
import { h } from '../ui.js';
import { MjpegPlayer, WebSocketPlayer, SnapshotPlayer } from '../players/camera_players.js';
import { WebRtcPlayer } from '../players/webrtc_player.js';

export const MODES = [
  { id: 'mjpeg', label: 'MJPEG', hint: 'Smooth, over plain HTTP', Player: MjpegPlayer },
  { id: 'ws', label: 'WebSocket', hint: 'Binary frames, lowest latency', Player: WebSocketPlayer },
  { id: 'webrtc', label: 'WebRTC', hint: 'H.264 or VP8 video, the least bandwidth', Player: WebRtcPlayer, video: true },
  { id: 'snapshot', label: 'Snapshot', hint: 'One still picture at a time', Player: SnapshotPlayer },
];

export function cameraPicture(cameraId) {
  const img = h('img#picture', { alt: 'Live picture from the camera', decoding: 'async' });
  const video = h('video#video', { autoplay: true, muted: true, playsinline: true, hidden: true, 'aria-label': 'Live video from the camera' });
  let player = null;
  let shown = img;
  const stop = () => {
    player?.stop();
    player = null;
  };
  return {
    img,
    video,
    elements: [img, video],
    /** The size of the picture now shown, [width, height]; zeros before the first frame. */
    size: () => (shown === video ? [video.videoWidth, video.videoHeight] : [img.naturalWidth, img.naturalHeight]),
    /** Stops the current player and starts the one for `mode` (an id from MODES). */
    start(mode, cb) {
      stop();
      const m = MODES.find((x) => x.id === mode) ?? MODES[0];
      img.removeAttribute('src');
      video.srcObject = null;
      video.removeAttribute('poster');
      img.hidden = Boolean(m.video);
      video.hidden = !m.video;
      shown = m.video ? video : img;
      player = new m.Player(cameraId, shown, cb);
      player.start();
      return player;
    },
    stop,
    /** Leaving the page: stop, and free the last picture's object URL. */
    release() {
      const last = player;
      stop();
      last?.sink?.release?.();
      video.srcObject = null;
    },
  };
}

/** The stage around `media` (an element, or several of which one is shown). */
export function stageParts(media) {
  const overlayTitle = h('p.overlay-title');
  const overlayText = h('p.overlay-text');
  const overlayActions = h('div.overlay-actions');
  const spinner = h('div.spinner', { 'aria-hidden': 'true' });
  const overlay = h('div.stage-overlay#stage-overlay', { role: 'status', 'aria-live': 'polite' }, spinner, overlayTitle, overlayText, overlayActions);
  const banner = h('div.stage-banner#stage-banner', { hidden: true, 'aria-hidden': 'true' });
  const stage = h('div.stage#stage', { dataset: { state: 'connecting' } }, media, banner, overlay);
  const setOverlay = (state, title, text = '', actions = []) => {
    stage.dataset.state = state;
    overlay.hidden = state === 'playing';
    overlay.setAttribute('role', state === 'ended' || state === 'error' || state === 'denied' ? 'alert' : 'status');
    spinner.hidden = !(state === 'connecting' || state === 'reconnecting' || state === 'waiting');
    overlayTitle.textContent = title;
    overlayText.textContent = text;
    overlayActions.replaceChildren(...actions);
  };
  const setBanner = (text) => {
    banner.hidden = !text;
    banner.textContent = text ?? '';
  };
  return { stage, setOverlay, setBanner };
}

export function statsPanel() {
  const fps = h('dd#stat-fps', '—');
  const latency = h('dd#stat-latency', '—');
  const frames = h('dd#stat-frames', '0');
  const size = h('dd#stat-size', '—');
  const latencyLabel = h('dt', 'Latency');
  const el = h('dl.stats.stats-live', { 'aria-label': 'Stream measurements' },
    h('div', h('dt', 'Frame rate'), fps),
    h('div', latencyLabel, latency),
    h('div', h('dt', 'Frames'), frames),
    h('div', h('dt', 'Picture'), size));
  let last = 0;
  const update = (s, force = false) => {
    const now = performance.now();
    frames.textContent = String(s.frames);
    if (!force && now - last < 250) return; // calm numbers, not a flicker
    last = now;
    fps.textContent = s.fps > 0 ? `${s.fps.toFixed(1)} fps` : '—';
    latencyLabel.textContent = s.latencyKind === 'rtt' ? 'Round trip' : 'Latency';
    if (s.latency === null || s.latency === undefined) {
      latency.textContent = '—';
      latency.title = 'This stream carries no capture time';
    } else if (Math.abs(s.latency) > 60000) {
      latency.textContent = 'clock differs';
      latency.title = 'The camera’s clock is not set to the same time as this computer';
    } else {
      latency.textContent = `${Math.max(0, Math.round(s.latency))} ms`;
      latency.title = '';
    }
    if (s.width) size.textContent = `${s.width} × ${s.height}`;
  };
  const reset = () => {
    fps.textContent = '—'; latency.textContent = '—'; frames.textContent = '0'; size.textContent = '—';
  };
  // The stream is over: keep the count, drop the live rates.
  const halt = () => { fps.textContent = '—'; latency.textContent = '—'; };
  return { el, update, reset, halt };
}
