// Watching a robot: its camera over WebRTC (players/robot_player.js), fps and round
// trip, full screen, a still, the booking bar, the REC badge and the live analysis.
import * as api from '../api.js';
import { h, toast, focusHeading } from '../ui.js';
import { RobotPlayer } from '../players/robot_player.js';
import { stageParts, statsPanel } from './watch_stage.js';
import { sessionBar, toggleFullscreen } from './watch_session.js';
import { recordingIndicator } from './recording_control.js';
import { recordingsHref } from './recordings.js';
import { analysisPanel } from './analysis_panel.js';

export function watchRobot(root, idArg) {
  const video = h('video#robot-video', { autoplay: true, muted: true, playsinline: true, 'aria-label': 'Live video from the robot' });
  const { stage, setOverlay, setBanner } = stageParts(video);
  const stats = statsPanel();
  const title = h('h1', 'Robot');
  const titleRow = h('div.title-row', title);
  const view = h('section.view.watch',
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/robots' }, '← Robots')),
    h('div.view-head', titleRow, h('p.muted', 'WebRTC video, straight from the robot.')),
    h('div'),
    h('div.watch-grid',
      h('div.watch-main', stage,
        h('div.toolbar', h('span.muted', 'View: WebRTC'), h('div.toolbar-actions',
          (() => { const b = h('button.btn#fullscreen', { type: 'button', onclick: () => toggleFullscreen(stage, b) }, 'Full screen'); return b; })(),
          h('button.btn#download', { type: 'button', onclick: () => saveVideoFrame(video, title.textContent) }, 'Save still')))),
      h('aside.watch-side', { 'aria-label': 'Measurements and analysis' }, h('section.panel', h('h2', 'Live'), stats.el))));
  root.append(view);
  focusHeading(view, 'Robot');

  let player = null;
  let session = null;
  let rec = null;
  let live = null;
  let closed = false; // left the page before the robot was found
  setOverlay('connecting', 'Connecting…', 'Looking up the robot.');

  (async () => {
    let robot;
    try {
      const r = await api.get('/api/robots');
      const list = r.robots ?? [];
      robot = list.find((x) => String(x.id) === idArg || x.name === idArg);
      if (!robot) throw new Error(`There is no robot "${idArg}".`);
    } catch (e) {
      setOverlay('error', 'No robot to show', e.status === 404 ? 'This gateway does not offer robots yet.' : e.message, [h('a.btn', { href: '#/robots' }, 'Robots')]);
      return;
    }
    title.textContent = robot.name;
    document.title = `${robot.name} · camgate`;
    if (closed) return;
    rec = recordingIndicator(`robot:${robot.id}`);
    titleRow.append(rec.el, h('a#robot-recordings', { href: recordingsHref({ resource: `robot:${robot.id}` }) }, 'Recordings'));
    session = sessionBar(`robot:${robot.id}`, setBanner, undefined, () => robot.name);
    view.children[2].replaceWith(session.el);
    live = analysisPanel('robot', robot.id, () => robot.name, (endsAt) => session.warn(endsAt));
    view.querySelector('.watch-side').append(live.el);
    await session.load();
    player = new RobotPlayer(robot, video, {
      onFrame: (s) => { stats.update(s); stage.dataset.frames = String(s.frames); },
      onState: (st, message) => {
        if (st === 'playing') setOverlay('playing', '');
        else if (st === 'error') setOverlay('error', 'No video', message, [h('button.btn.btn-primary', { type: 'button', onclick: () => location.reload() }, 'Try again')]);
        else setOverlay(st, st === 'waiting' ? 'Robot offline' : 'Connecting…', message);
      },
      onNotice: (msg) => { if (msg.type === 'session-expiring') session.warn(msg.ends_at); },
      onEnded: ({ message }) => {
        stats.halt();
        session.ended(message);
        setOverlay('ended', 'Session ended', message, [h('a.btn.btn-primary', { href: '#/bookings' }, 'My bookings')]);
      },
    });
    player.start();
  })();

  return () => {
    closed = true;
    player?.stop();
    rec?.stop();
    live?.stop();
    session?.stop();
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  };
}

function saveVideoFrame(video, name) {
  if (!video.videoWidth) {
    toast('There is no picture to save yet.', 'warning');
    return;
  }
  const c = document.createElement('canvas');
  c.width = video.videoWidth;
  c.height = video.videoHeight;
  c.getContext('2d').drawImage(video, 0, 0);
  c.toBlob((blob) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${name.replace(/[^\w.-]+/g, '-')}-${Date.now()}.jpg`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }, 'image/jpeg', 0.92);
}
