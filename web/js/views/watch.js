// Watching one camera (MJPEG, WebSocket, WebRTC, snapshot) or one robot (WebRTC,
// watch_robot.js): the picture, measured fps and latency, full screen, snapshot download,
// analysis (on demand, and live: analysis_panel.js), camera settings for admins, the booking countdown (watch_session.js) and the REC badge.
import * as api from '../api.js';
import { h, clear, notice, toast, every, cameraState, badge, focusHeading, bytes, sentence } from '../ui.js';
import { downloadSnapshot } from '../players/camera_players.js';
import { MODES, cameraPicture, stageParts, statsPanel } from './watch_stage.js';
import { sessionBar, toggleFullscreen } from './watch_session.js';
import { watchRobot } from './watch_robot.js';
import { recordingIndicator } from './recording_control.js';
import { recordingsHref } from './recordings.js';
import { analysisPanel } from './analysis_panel.js';
import { cameraSettings } from './camera_settings.js';

export function watchView(root, args) {
  const [kind, id, modeArg] = args;
  if (kind === 'robot') return watchRobot(root, id);
  if (kind !== 'camera' || !/^\d+$/.test(id ?? '')) {
    root.append(h('section.view', h('h1', 'Nothing to watch'), notice('error', 'This address names no camera. ', h('a', { href: '#/cameras' }, 'Choose a camera'), '.')));
    return null;
  }
  return watchCamera(root, Number(id), MODES.some((m) => m.id === modeArg) ? modeArg : 'mjpeg');
}

function watchCamera(root, cameraId, initialMode) {
  let mode = initialMode;
  let player = null;
  let camera = null;
  let sessionOver = false;
  // Settles with the first answer about the camera, so that a warning arriving before it
  // still names the camera (not "Camera 3") in its system notification.
  let cameraAnswered;
  const cameraKnown = new Promise((resolve) => { cameraAnswered = resolve; });
  const cameraName = async () => {
    await Promise.race([cameraKnown, new Promise((resolve) => setTimeout(resolve, 3000))]);
    return camera?.name ?? `Camera ${cameraId}`;
  };

  const picture = cameraPicture(cameraId);
  const { img } = picture;
  const { stage, setOverlay, setBanner } = stageParts(picture.elements);
  const stats = statsPanel();
  // At the booking's end, a player that can ask why (WebRTC) does so at once.
  const session = sessionBar(`camera:${cameraId}`, setBanner, () => player?.check?.(), cameraName);
  const title = h('h1', `Camera ${cameraId}`);
  const state = h('span#camera-state');
  // "● REC" while the gateway records this camera (hidden when it may not say: 403).
  const rec = recordingIndicator(`camera:${cameraId}`);
  const camMeta = h('p.muted#camera-meta');
  // Live analysis from the event stream, alerts as toasts; an admin edits the profile.
  const live = analysisPanel('camera', cameraId, () => camera?.name ?? `Camera ${cameraId}`, (endsAt) => session.warn(endsAt));
  const settings = api.isAdmin() ? cameraSettings(cameraId) : null;
  const analysis = h('div#analysis', { 'aria-live': 'polite' },
    h('p.muted', 'Run the analysis to measure the current picture.'));

  const modeInputs = MODES.map((m) => {
    const input = h('input', { type: 'radio', name: 'mode', value: m.id, id: `mode-${m.id}`, checked: m.id === mode });
    input.addEventListener('change', () => { if (input.checked) switchMode(m.id); });
    return h('label.segment', { for: `mode-${m.id}`, title: m.hint }, input, h('span', m.label));
  });
  const modeGroup = h('fieldset.segmented#mode', h('legend', 'View'), ...modeInputs);

  const snapshotControls = h('div.snapshot-controls', { hidden: true },
    h('button.btn#refresh-snapshot', { type: 'button', onclick: () => player?.take?.() }, 'New snapshot'),
    (() => {
      const auto = h('input#auto-snapshot', { type: 'checkbox' });
      auto.addEventListener('change', () => player?.setAuto?.(auto.checked ? 2 : 0));
      return h('label.check', auto, ' Refresh every 2 s');
    })());

  const fsButton = h('button.btn#fullscreen', { type: 'button', onclick: () => toggleFullscreen(stage, fsButton) }, 'Full screen');
  const dlButton = h('button.btn#download', { type: 'button' }, 'Download snapshot');
  const analyzeButton = h('button.btn.btn-primary#analyze', { type: 'button' }, 'Analyze picture');

  dlButton.addEventListener('click', async () => {
    dlButton.disabled = true;
    try {
      const name = await downloadSnapshot(cameraId, camera?.name);
      toast(`Saved ${name}.`, 'success');
    } catch (e) {
      toast(`The snapshot could not be downloaded: ${e.message}`, 'error', 8000);
    } finally {
      dlButton.disabled = false;
    }
  });

  analyzeButton.addEventListener('click', async () => {
    analyzeButton.disabled = true;
    analyzeButton.textContent = 'Analyzing…';
    clear(analysis, h('p.muted', 'Analyzing the current picture…'));
    try {
      const r = await api.post(`/api/cameras/${cameraId}/analyze`);
      const [hgt, wid, ch] = r.frame_size ?? [];
      const q = r.quality ?? {};
      const captured = r.captured_at_us ? new Date(r.captured_at_us / 1000) : null;
      clear(analysis,
        h('p.analysis-lead', r.message ?? 'Frame analysed.'),
        h('dl.kv',
          h('div', h('dt', 'Frame size'), h('dd#analysis-frame-size', { dataset: { value: JSON.stringify(r.frame_size) } }, `${wid} × ${hgt} px, ${ch} channels`)),
          h('div', h('dt', 'JPEG size'), h('dd', bytes(r.image_bytes_length ?? 0))),
          h('div', h('dt', 'Frame number'), h('dd', String(r.frame_seq ?? '—'))),
          captured ? h('div', h('dt', 'Captured'), h('dd', captured.toLocaleTimeString(undefined, { hour12: false }) + `.${String(captured.getMilliseconds()).padStart(3, '0')}`)) : null,
          q.mean_luma !== undefined ? h('div', h('dt', 'Brightness'), h('dd', `${Math.round(q.mean_luma)} of 255`, h('span.meter', { style: { '--v': `${(q.mean_luma / 255) * 100}%` }, 'aria-hidden': 'true' }))) : null,
          q.sharpness !== undefined ? h('div', h('dt', 'Sharpness'), h('dd', q.sharpness.toFixed(1))) : null,
          q.decode_ms !== undefined ? h('div', h('dt', 'Decode time'), h('dd', `${q.decode_ms.toFixed(1)} ms`)) : null));
    } catch (e) {
      clear(analysis, notice('error', `The analysis failed: ${e.message}`));
    } finally {
      analyzeButton.disabled = false;
      analyzeButton.textContent = 'Analyze picture';
    }
  });

  const view = h('section.view.watch',
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/cameras' }, '← Cameras')),
    h('div.view-head', h('div.title-row', title, state, rec.el), camMeta,
      h('a#camera-recordings', { href: recordingsHref({ resource: `camera:${cameraId}` }) }, 'Recordings')),
    session.el,
    h('div.watch-grid',
      h('div.watch-main', stage,
        h('div.toolbar', modeGroup, h('div.toolbar-actions', fsButton, dlButton)),
        snapshotControls, settings?.el),
      h('aside.watch-side', { 'aria-label': 'Measurements and analysis' },
        h('section.panel', h('h2', 'Live'), stats.el),
        live.el,
        h('section.panel', h('div.panel-head', h('h2', 'Analysis'), analyzeButton), analysis))));
  root.append(view);
  focusHeading(view, `Camera ${cameraId}`);

  const onEnded = ({ reason, message }) => {
    player = null;
    stats.halt();
    const hadPicture = stats.el.querySelector('#stat-frames').textContent !== '0';
    if (reason === 'camera removed') {
      sessionOver = true;
      session.ended(message);
      setOverlay('ended', 'Camera removed', message, [h('a.btn.btn-primary', { href: '#/cameras' }, 'Cameras')]);
      state.replaceChildren(badge('Removed', 'bad'));
    } else if (hadPicture || reason === 'booking ended' || reason === 'token expired') {
      sessionOver = true;
      session.ended(message);
      setOverlay('ended', 'Session ended', message, [
        h('a.btn.btn-primary', { href: '#/bookings' }, 'My bookings'),
        h('a.btn', { href: '#/cameras' }, 'Cameras'),
      ]);
      stage.querySelector('.overlay-actions a')?.focus();
    } else {
      const hint = /no booking|not started/i.test(message) ? ' Ask an admin to book this camera for you.' : '';
      setOverlay('denied', 'You cannot watch this camera now', sentence(message) + hint, [
        h('a.btn', { href: '#/bookings' }, 'My bookings'),
        retryButton(),
      ]);
    }
    analyzeButton.disabled = true;
    dlButton.disabled = true;
  };

  const retryButton = () => h('button.btn.btn-primary', { type: 'button', onclick: () => startPlayer() }, 'Try again');

  function startPlayer() {
    stats.reset();
    sessionOver = false;
    analyzeButton.disabled = false;
    dlButton.disabled = false;
    const cb = {
      onFrame: (s) => {
        // A frame rate means nothing for pictures taken on request.
        const [width, height] = picture.size();
        stats.update({ frames: s.frames, fps: mode === 'snapshot' ? 0 : s.fps, latency: s.latency, latencyKind: s.latencyKind, width, height });
        stage.dataset.frames = String(s.frames);
      },
      onState: (st, message) => {
        if (st === 'playing') setOverlay('playing', '');
        else if (st === 'connecting') setOverlay('connecting', mode === 'snapshot' ? 'Taking a snapshot…' : 'Connecting…', message ?? `Opening the ${MODES.find((m) => m.id === mode).label} view.`);
        else if (st === 'reconnecting') setOverlay('reconnecting', 'Reconnecting…', message);
        else if (st === 'error') setOverlay('error', 'No picture', message, [retryButton()]);
      },
      onNotice: (msg) => {
        if (msg.type === 'session-expiring') session.warn(msg.ends_at);
      },
      onEnded,
    };
    player = picture.start(mode, cb);
    snapshotControls.hidden = mode !== 'snapshot';
    if (mode === 'snapshot') {
      const auto = snapshotControls.querySelector('#auto-snapshot');
      if (auto.checked) player.setAuto(2);
    }
  }

  img.addEventListener('load', () => {
    if (img.naturalWidth) stats.update({ frames: Number(stage.dataset.frames ?? 0), fps: mode === 'snapshot' ? 0 : player?.stats?.fps ?? 0, latency: player?.stats?.latency ?? null, width: img.naturalWidth, height: img.naturalHeight }, false);
  });

  function switchMode(m) {
    if (m === mode && player) return;
    mode = m;
    history.replaceState(null, '', `#/watch/camera/${cameraId}/${m}`);
    startPlayer();
  }

  const stopPolling = every(2000, async () => {
    const r = await api.get(`/api/cameras/${cameraId}`);
    camera = r.camera;
    cameraAnswered();
    title.textContent = camera.name;
    document.title = `${camera.name} · camgate`;
    const st = cameraState(camera.state);
    state.replaceChildren(badge(st.text, st.cls));
    camMeta.textContent = [
      camera.camera_url,
      camera.fps > 0 ? `camera sends ${camera.fps.toFixed(1)} fps` : null,
      `${camera.viewers} viewer${camera.viewers === 1 ? '' : 's'}`,
    ].filter(Boolean).join(' · ');
    // Say why there is no picture instead of showing an empty box.
    if (!sessionOver && !['playing', 'ended', 'denied'].includes(stage.dataset.state) && (camera.state === 'offline' || camera.state === 'connecting')) {
      setOverlay('waiting', camera.state === 'offline' ? 'The camera is offline' : 'Connecting to the camera…',
        `${camera.last_error ? `${camera.last_error}. ` : ''}The picture appears as soon as the camera sends one.`);
    }
  }, (e) => {
    cameraAnswered();
    if (e.status === 404) {
      picture.stop();
      player = null;
      state.replaceChildren(badge('Removed', 'bad'));
      camMeta.textContent = '';
      // A camera this page already showed was removed: say so in the words the stream's
      // own "camera removed" end uses, whichever of the two reaches the page first.
      if (!sessionOver) {
        setOverlay('ended', camera ? 'Camera removed' : 'This camera does not exist',
          camera ? 'This camera was removed from the gateway.' : sentence(e.message),
          [h('a.btn.btn-primary', { href: '#/cameras' }, 'Cameras')]);
      }
      sessionOver = true;
      stopPolling?.();
    }
  });

  session.load().then(() => startPlayer());

  const onKey = (ev) => {
    if (ev.target.closest('input, textarea, select') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 'f') toggleFullscreen(stage, fsButton);
  };
  document.addEventListener('keydown', onKey);
  const onFs = () => { fsButton.textContent = document.fullscreenElement ? 'Exit full screen' : 'Full screen'; };
  document.addEventListener('fullscreenchange', onFs);

  return () => {
    picture.release();
    stopPolling();
    rec.stop();
    live.stop();
    session.stop();
    document.removeEventListener('keydown', onKey);
    document.removeEventListener('fullscreenchange', onFs);
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  };
}
