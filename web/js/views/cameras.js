// The camera list with live state, adding a camera (the seed's setup-camera flow with
// its connection test), removing one.
import * as api from '../api.js';
import { h, field, notice, toast, confirmDialog, every, cameraState, badge, focusHeading, clock, dateTime, sentence } from '../ui.js';
import { bookingWindow } from './booking_util.js';
import { recordingsHref } from './recordings.js';

export function camerasView(root) {
  const cards = new Map(); // id -> { el, update }
  const grid = h('ul.card-grid', { 'aria-label': 'Cameras' });
  const summary = h('p.muted#camera-summary', { 'aria-live': 'polite' }, 'Loading cameras…');
  const listError = h('div');
  let bookings = [];

  const view = h('section.view',
    h('div.view-head', h('h1', 'Cameras'), summary),
    listError,
    grid,
    addCameraPanel(() => refresh()));
  root.append(view);
  focusHeading(view, 'Cameras');

  function card(cam) {
    const stateEl = h('span');
    const fps = h('dd');
    const viewers = h('dd');
    const size = h('dd');
    const err = h('p.card-error');
    const access = h('p.card-access');
    const name = h('h2.card-title');
    const watch = h('a.btn.btn-primary', { href: `#/watch/camera/${cam.id}` }, 'Watch');
    const recordings = h('a.btn', { href: recordingsHref({ resource: `camera:${cam.id}` }) }, 'Recordings');
    const canRemove = api.isAdmin() || cam.created_by === api.user()?.id;
    const remove = h('button.btn.btn-quiet', {
      type: 'button',
      onclick: () => removeCamera(cam),
    }, 'Remove');
    const el = h('li.card.camera-card', { dataset: { cameraId: cam.id } },
      h('div.card-head', name, stateEl),
      // Only admins get the camera's address (the gateway hides the network behind it).
      cam.camera_url ? h('p.muted.card-sub', cam.camera_url) : null,
      h('dl.stats',
        h('div', h('dt', 'Frame rate'), fps),
        h('div', h('dt', 'Viewers'), viewers),
        h('div', h('dt', 'Picture'), size)),
      access,
      err,
      h('div.card-actions', watch, recordings, remove));
    const update = (c) => {
      name.textContent = c.name;
      watch.setAttribute('aria-label', `Watch ${c.name}`);
      recordings.setAttribute('aria-label', `Recordings of ${c.name}`);
      remove.setAttribute('aria-label', `Remove ${c.name}`);
      remove.hidden = !canRemove;
      const st = cameraState(c.state);
      stateEl.replaceChildren(badge(st.text, st.cls));
      el.dataset.state = c.state;
      fps.textContent = c.fps > 0 ? `${c.fps.toFixed(1)} fps` : '—';
      viewers.textContent = String(c.viewers ?? 0);
      size.textContent = c.width ? `${c.width} × ${c.height}` : '—';
      err.textContent = (c.state === 'offline' || c.state === 'stale' || c.state === 'connecting') && c.last_error
        ? `Last error: ${c.last_error}` : '';
      err.hidden = !err.textContent;
      if (api.isAdmin()) {
        access.hidden = true;
      } else {
        const w = bookingWindow(bookings, `camera:${c.id}`);
        access.hidden = false;
        access.textContent = w.active
          ? `Booked until ${clock(w.active.ends_at)}`
          : w.next ? `Next booking: ${dateTime(w.next.starts_at)}` : 'No booking: you cannot watch this camera now.';
        access.className = `card-access ${w.active ? 'is-active' : ''}`;
      }
    };
    update(cam);
    return { el, update };
  }

  async function removeCamera(cam) {
    const ok = await confirmDialog({
      title: `Remove ${cam.name}?`,
      message: 'Everyone watching it is disconnected and its bookings stop working. The camera itself is not changed.',
      confirm: 'Remove camera',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(`/api/cameras/${cam.id}`);
      toast(`${cam.name} was removed.`, 'success');
      refresh();
    } catch (e) {
      toast(`Could not remove ${cam.name}: ${e.message}`, 'error', 8000);
    }
  }

  async function refresh() {
    const [list, b] = await Promise.all([
      api.get('/api/cameras'),
      api.isAdmin() ? Promise.resolve({ bookings: [] }) : api.get('/api/bookings').catch(() => ({ bookings: [] })),
    ]);
    bookings = b.bookings ?? [];
    listError.replaceChildren();
    const cams = list.cameras ?? [];
    const seen = new Set();
    for (const cam of cams) {
      seen.add(cam.id);
      let c = cards.get(cam.id);
      if (!c) {
        c = card(cam);
        cards.set(cam.id, c);
      } else {
        c.update(cam);
      }
      grid.append(c.el); // keeps order; moving a node keeps focus inside it
    }
    for (const [id, c] of cards) {
      if (!seen.has(id)) { c.el.remove(); cards.delete(id); }
    }
    const online = cams.filter((c) => c.state === 'streaming' || c.state === 'polling').length;
    summary.textContent = cams.length
      ? `${cams.length} camera${cams.length === 1 ? '' : 's'}, ${online} online`
      : '';
    if (!cams.length) {
      grid.replaceChildren(h('li.empty', h('p', 'No cameras yet.'), h('p.muted', 'Add one below with its IP address and port.')));
      cards.clear();
    } else {
      grid.querySelector('.empty')?.remove();
    }
  }

  const stop = every(2000, refresh, (e) => {
    listError.replaceChildren(notice('error', `The camera list could not be loaded: ${e.message}`));
    summary.textContent = '';
  });
  return stop;
}

function addCameraPanel(onAdded) {
  const ip = h('input', { name: 'ip', inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false', placeholder: '192.168.1.100', required: true });
  const port = h('input', { name: 'port', type: 'number', min: 1, max: 65535, value: '80', required: true });
  const name = h('input', { name: 'name', autocomplete: 'off', placeholder: 'Chair 3' });
  const result = h('div#add-camera-result', { 'aria-live': 'polite' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, 'Test and add');

  const form = h('form.panel.add-camera', { 'aria-labelledby': 'add-camera-title', novalidate: true },
    h('h2#add-camera-title', 'Add a camera'),
    h('p.muted', 'The gateway first tests the connection to the camera, then adds it. An ESP32-CAM usually listens on port 80.'),
    h('div.form-row',
      field('IP address or host name', ip),
      field('Port', port),
      field('Name (optional)', name)),
    h('div.form-actions', submit),
    result);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    result.replaceChildren();
    const host = ip.value.trim();
    const p = Number(port.value);
    if (!host) {
      result.append(notice('error', 'Enter the camera’s IP address or host name.'));
      ip.focus();
      return;
    }
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      result.append(notice('error', 'The port is a whole number from 1 to 65535.'));
      port.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Testing connection…';
    result.append(notice('info', `Testing the connection to ${host}:${p}…`));
    try {
      // The seed's flow: the gateway probes the camera, then registers it.
      const r = await api.post('/streaming/setup-camera', { ip_address: host, port: p });
      if (name.value.trim() && r.camera_id) {
        await api.patch(`/api/cameras/${r.camera_id}`, { name: name.value.trim() }).catch((e) =>
          toast(`The camera was added but could not be renamed: ${e.message}`, 'warning'));
      }
      result.replaceChildren(notice('success',
        h('strong', 'Connection test passed. '), sentence(r.message || 'Camera connected'), ' ',
        r.camera_id ? h('a', { href: `#/watch/camera/${r.camera_id}` }, 'Watch it now') : null));
      ip.value = '';
      name.value = '';
      onAdded();
    } catch (e) {
      // 400/403/409: refused before any connection was tried.
      const tested = e.status === 502 || e.status === 504;
      result.replaceChildren(notice('error', h('strong', tested ? 'Connection test failed. ' : 'Not added. '), sentence(e.message),
        e.status === 504 ? ' Check that the camera is switched on.' : e.status === 502 ? ' Check the address, the port and that the camera is on this network.' : ''));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Test and add';
    }
  });
  return form;
}
