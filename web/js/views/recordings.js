// Recordings: the list the gateway lets the caller see (an admin everything; a user what
// was recorded during their own bookings), filtered by camera or robot and by booking,
// with a player beside it. Admins also set each camera's recording policy and start or
// stop a recording on demand.
//
// Address: #/recordings[/camera/<id>|/robot/<id>][/booking/<id>], so the cameras view,
// the watch page and the bookings view can link straight to a filtered list.
import * as api from '../api.js';
import { h, clear, notice, toast, confirmDialog, every, focusHeading, dateTime, duration, bytes, badge } from '../ui.js';
import { resourceLabel } from './booking_util.js';
import { recordingIndicator, policySelect, reasonWords } from './recording_control.js';
import { recordingPlayer } from './recording_player.js';

/** The address of the list filtered to a resource ("camera:3") and/or a booking id. */
export function recordingsHref({ resource, booking } = {}) {
  let s = '#/recordings';
  if (resource) s += `/${String(resource).replace(':', '/')}`;
  if (booking) s += `/booking/${booking}`;
  return s;
}

function parseArgs(args) {
  const f = { resource: '', booking: '' };
  for (let i = 0; i + 1 < args.length; i += 2) {
    const [k, v] = [args[i], args[i + 1]];
    if (!/^\d+$/.test(v)) continue;
    if (k === 'camera' || k === 'robot') f.resource = `${k}:${v}`;
    else if (k === 'booking') f.booking = v;
  }
  return f;
}

const STATE_BADGE = {
  recording: ['Recording', 'bad'],
  complete: ['Complete', 'ok'],
  damaged: ['Damaged', 'warn'],
  offloaded: ['Offloaded', 'info'],
};

export function recordingsView(root, args) {
  const admin = api.isAdmin();
  const filter = parseArgs(args);
  const names = { cameras: [], robots: [], bookings: [] };
  const resourceSel = h('select#filter-resource', { name: 'resource' });
  const bookingSel = h('select#filter-booking', { name: 'booking' });
  const summary = h('p.muted#recording-summary', { 'aria-live': 'polite' }, 'Loading recordings…');
  const listError = h('div');
  const listArea = h('div.table-scroll#recording-list');
  const controlsArea = h('div#recording-controls');
  const player = recordingPlayer();
  let indicators = []; // live REC pollers of the controls panel
  let lastJson = '';
  let rows = [];

  const view = h('section.view.recordings',
    h('div.view-head', h('h1', 'Recordings'),
      h('p.muted', admin ? 'Everything the gateway recorded.' : 'What was recorded during your bookings.')),
    h('form.panel.recording-filters', { 'aria-label': 'Filter recordings', onsubmit: (e) => e.preventDefault() },
      h('div.form-row',
        h('div.field', h('label', { for: 'filter-resource' }, 'Camera or robot'), resourceSel),
        h('div.field', h('label', { for: 'filter-booking' }, 'Booking'), bookingSel))),
    controlsArea,
    listError,
    h('div.recordings-grid',
      player.el,
      h('section.panel', { 'aria-labelledby': 'recording-list-title' },
        h('div.panel-head', h('h2#recording-list-title', 'Recordings'), summary), listArea)));
  root.append(view);
  focusHeading(view, 'Recordings');

  const label = (resource) => resourceLabel(resource, names.cameras, names.robots);

  function renderFilters() {
    const keep = (sel, value) => { sel.value = value; if (sel.value !== value) sel.value = ''; };
    const resources = [
      ...names.cameras.map((c) => [`camera:${c.id}`, c.name]),
      ...names.robots.map((r) => [`robot:${r.id}`, `${r.name} (robot)`]),
    ];
    if (filter.resource && !resources.some(([v]) => v === filter.resource)) resources.push([filter.resource, label(filter.resource)]);
    clear(resourceSel, h('option', { value: '' }, 'All cameras and robots'),
      resources.map(([v, t]) => h('option', { value: v }, t)));
    keep(resourceSel, filter.resource);
    const bookings = names.bookings.filter((b) => !filter.resource || b.resource === filter.resource);
    if (filter.booking && !bookings.some((b) => String(b.id) === filter.booking)) bookings.push({ id: filter.booking });
    clear(bookingSel, h('option', { value: '' }, 'All bookings'),
      bookings.map((b) => h('option', { value: String(b.id) }, b.resource
        ? `${label(b.resource)}, ${dateTime(b.starts_at)}${admin && b.username ? ` (${b.username})` : ''}`
        : `Booking ${b.id}`)));
    keep(bookingSel, filter.booking);
  }

  const onFilter = () => {
    filter.resource = resourceSel.value;
    filter.booking = bookingSel.value;
    // The address keeps the filter (reload, share), without re-opening the view.
    history.replaceState(null, '', recordingsHref(filter));
    renderControls();
    lastJson = '';
    refresh().catch(showError);
  };
  resourceSel.addEventListener('change', onFilter);
  bookingSel.addEventListener('change', onFilter);

  // Per camera or robot: REC state, the policy (admins) and Record / Stop. A user gets it
  // only for the one resource they filtered to (polling every camera would be all 403s).
  function renderControls() {
    for (const i of indicators) i.stop();
    indicators = [];
    const all = [...names.cameras.map((c) => `camera:${c.id}`), ...names.robots.map((r) => `robot:${r.id}`)];
    const list = filter.resource ? [filter.resource] : admin ? all : [];
    if (!list.length) { controlsArea.replaceChildren(); return; }
    const tableRows = list.map((resource, n) => {
      const policy = admin ? policySelect(resource, label(resource)) : null;
      const err = h('span.card-error');
      const ind = recordingIndicator(resource, {
        idPrefix: `rec-${resource.replace(':', '-')}`,
        onStatus: (st) => {
          policy?.update(st);
          err.textContent = st?.last_error ? `Last error: ${st.last_error}` : '';
        },
      });
      indicators.push(ind);
      return h('tr', { dataset: { resource } },
        h('td', label(resource)), h('td', ind.el, ' ', err), admin ? h('td', policy.el) : null);
    });
    controlsArea.replaceChildren(h('section.panel', { 'aria-labelledby': 'rec-controls-title' },
      h('h2#rec-controls-title', 'Recording now'),
      h('table.table',
        h('thead', h('tr', h('th', { scope: 'col' }, 'Camera or robot'), h('th', { scope: 'col' }, 'State'),
          admin ? h('th', { scope: 'col' }, 'Policy') : null)),
        h('tbody', tableRows))));
  }

  function row(rec) {
    const what = label(rec.resource);
    const [stateText, stateCls] = STATE_BADGE[rec.state] ?? [rec.state, 'info'];
    const canPlay = rec.state !== 'recording';
    const actions = [
      h('button.btn.btn-small.btn-primary', {
        type: 'button',
        disabled: !canPlay,
        'aria-label': `Play the recording of ${what}, ${dateTime(rec.started_at)}`,
        onclick: () => {
          player.show(rec, what);
          markSelected();
          player.el.scrollIntoView({ block: 'nearest' }); // the player sits above a long list
        },
      }, 'Play'),
    ];
    if (admin && canPlay) {
      actions.push(h('button.btn.btn-small.btn-quiet', {
        type: 'button',
        'aria-label': `Delete the recording of ${what}, ${dateTime(rec.started_at)}`,
        onclick: () => remove(rec, what),
      }, 'Delete'));
    }
    const seconds = rec.duration_s ?? ((rec.ended_at ?? Date.now() / 1000) - rec.started_at);
    return h('tr', { dataset: { recordingId: rec.id, state: rec.state } },
      h('td', what),
      h('td.nowrap', dateTime(rec.started_at)),
      h('td.num', duration(seconds)),
      h('td.num', rec.bytes ? bytes(rec.bytes) : '—'),
      h('td.nowrap', reasonWords(rec.reason)),
      h('td', badge(stateText, stateCls)),
      h('td', rec.booking_id ? h('a', { href: recordingsHref({ booking: rec.booking_id }), 'aria-label': `Recordings of booking ${rec.booking_id}` }, `#${rec.booking_id}`) : '—'),
      h('td.actions-cell', actions));
  }

  function markSelected() {
    for (const tr of listArea.querySelectorAll('tr[data-recording-id]')) {
      tr.classList.toggle('is-selected', tr.dataset.recordingId === player.current());
    }
  }

  async function remove(rec, what) {
    const ok = await confirmDialog({
      title: 'Delete this recording?',
      message: `${what}, ${dateTime(rec.started_at)} (${duration(rec.duration_s ?? 0)}). The file is deleted; this cannot be undone.`,
      confirm: 'Delete recording',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(`/api/recordings/${rec.id}`);
      toast('Recording deleted.', 'success');
      if (player.current() === String(rec.id)) player.reset();
      lastJson = '';
      refresh().catch(showError);
    } catch (e) {
      toast(`Could not delete the recording: ${e.message}`, 'error', 8000);
    }
  }

  function renderList() {
    if (!rows.length) {
      listArea.replaceChildren(h('p.muted#recording-empty', filter.resource || filter.booking
        ? 'No recordings match this filter.'
        : admin ? 'Nothing has been recorded yet.' : 'Nothing was recorded during your bookings.'));
      return;
    }
    listArea.replaceChildren(h('table.table.recording-table',
      h('caption.visually-hidden', 'Recordings, newest first'),
      h('thead', h('tr', ...['Camera or robot', 'Start', 'Duration', 'Size', 'Reason', 'State', 'Booking'].map((t) => h('th', { scope: 'col' }, t)),
        h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
      h('tbody', rows.map(row))));
    markSelected();
  }

  async function refresh() {
    const q = new URLSearchParams();
    if (filter.resource) q.set('resource', filter.resource);
    if (filter.booking) q.set('booking_id', filter.booking);
    const qs = q.toString();
    const r = await api.get(`/api/recordings${qs ? `?${qs}` : ''}`);
    const json = JSON.stringify(r.recordings ?? []);
    listError.replaceChildren();
    // Rebuild only when something changed: a row under the pointer stays put.
    if (json === lastJson) return;
    lastJson = json;
    rows = [...(r.recordings ?? [])].sort((a, b) => b.started_at - a.started_at);
    summary.textContent = `${rows.length} recording${rows.length === 1 ? '' : 's'}`;
    renderList();
  }

  const showError = (e) => {
    if (e.status === 404) {
      listError.replaceChildren(notice('info', 'This gateway does not keep recordings.'));
      summary.textContent = '';
      stopPolling?.();
      return;
    }
    listError.replaceChildren(notice('error', `The recordings could not be loaded: ${e.message}`));
  };

  let stopPolling = null;
  let disposed = false;
  (async () => {
    const [c, r, b] = await Promise.all([
      api.get('/api/cameras').catch(() => ({ cameras: [] })),
      api.get('/api/robots').catch(() => ({ robots: [] })),
      api.get('/api/bookings').catch(() => ({ bookings: [] })),
    ]);
    names.cameras = c.cameras ?? [];
    names.robots = r.robots ?? [];
    names.bookings = (b.bookings ?? []).sort((x, y) => y.starts_at - x.starts_at);
    if (disposed) return; // left the page while the names loaded
    renderFilters();
    renderControls();
    // A running recording grows: the list is read again every 5 s.
    stopPolling = every(5000, refresh, showError);
  })();

  return () => {
    disposed = true;
    stopPolling?.();
    for (const i of indicators) i.stop();
    player.release();
  };
}
