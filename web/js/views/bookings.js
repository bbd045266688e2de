// Bookings. A user sees their own (with a Watch link while one runs); an admin sees
// everyone's as a list and as a day view, books, extends and cancels.
import * as api from '../api.js';
import { h, clear, field, notice, toast, confirmDialog, focusHeading, clock, dateTime, pad2 } from '../ui.js';
import { resourceLabel } from './booking_util.js';
import { recordingsHref } from './recordings.js';

export function bookingsView(root) {
  const admin = api.isAdmin();
  const state = { bookings: [], cameras: [], robots: [], users: null, day: todayStart() };
  const listArea = h('div#booking-list');
  const dayArea = h('div#day-view');
  const errorArea = h('div');

  const tabs = admin ? tabBar([['list', 'List'], ['day', 'Day view']], (t) => {
    listArea.hidden = t !== 'list';
    dayArea.hidden = t !== 'day';
  }) : null;
  dayArea.hidden = true; // admins switch to it with the tabs

  const view = h('section.view',
    h('div.view-head', h('h1', admin ? 'Bookings' : 'My bookings'),
      h('p.muted', admin ? 'Who may watch which camera or robot, and when.' : 'You can watch a camera or robot while one of your bookings runs.')),
    errorArea,
    admin ? bookingForm(state, () => load()) : null,
    tabs?.el,
    listArea,
    dayArea);
  root.append(view);
  focusHeading(view, admin ? 'Bookings' : 'My bookings');

  async function load() {
    try {
      const [b, c, r, u] = await Promise.all([
        api.get('/api/bookings'),
        api.get('/api/cameras').catch(() => ({ cameras: [] })),
        api.get('/api/robots').catch(() => ({ robots: [] })),
        admin ? api.get('/api/users').catch(() => null) : Promise.resolve(null),
      ]);
      state.bookings = (b.bookings ?? []).sort((x, y) => x.starts_at - y.starts_at);
      state.cameras = c.cameras ?? [];
      state.robots = r.robots ?? [];
      state.users = u?.users ?? null;
      if (!state.users && admin) {
        // No user list on this gateway: learn names from who has watched (the audit log).
        const a = await api.get('/api/audit?limit=500').catch(() => ({ entries: [] }));
        const seen = new Map();
        for (const e of a.entries ?? []) if (e.user_id && e.user_name) seen.set(e.user_id, e.user_name);
        state.users = [...seen].map(([id, name]) => ({ id, name }));
      }
      errorArea.replaceChildren();
      renderList();
      if (admin) renderDay();
      view.dispatchEvent(new CustomEvent('bookings-loaded', { detail: state }));
    } catch (e) {
      errorArea.replaceChildren(notice('error', `The bookings could not be loaded: ${e.message}`));
    }
  }

  const userName = (id, b) => b?.username ?? b?.user_name ?? state.users?.find((u) => u.id === id)?.name
    ?? (id === api.user()?.id ? api.user().name : `User ${id}`);

  function renderList() {
    const now = Date.now() / 1000;
    const current = state.bookings.filter((b) => b.starts_at <= now && now < b.ends_at);
    const upcoming = state.bookings.filter((b) => b.starts_at > now);
    const past = state.bookings.filter((b) => b.ends_at <= now).reverse().slice(0, 20);
    clear(listArea,
      group('Now', current, 'Nothing is booked right now.'),
      group('Upcoming', upcoming, 'No upcoming bookings.'),
      group('Past', past, 'No past bookings.'));
  }

  function group(title, items, empty) {
    return h('section.panel.booking-group',
      h('h2', title),
      items.length
        ? h('table.table',
          h('caption.visually-hidden', `${title} bookings`),
          h('thead', h('tr',
            admin ? h('th', { scope: 'col' }, 'User') : null,
            h('th', { scope: 'col' }, 'What'),
            h('th', { scope: 'col' }, 'From'),
            h('th', { scope: 'col' }, 'Until'),
            h('th', { scope: 'col' }, 'Note'),
            h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
          h('tbody', items.map(row)))
        : h('p.muted', empty));
  }

  function row(b) {
    const now = Date.now() / 1000;
    const live = b.starts_at <= now && now < b.ends_at;
    const what = resourceLabel(b.resource, state.cameras, state.robots);
    const [kind, id] = b.resource.split(':');
    const actions = [];
    if (live) actions.push(h('a.btn.btn-small.btn-primary', { href: `#/watch/${kind}/${id}`, 'aria-label': `Watch ${what}` }, 'Watch'));
    // What was recorded during this booking (the gateway lists it once something was).
    if (b.starts_at <= now) actions.push(h('a.btn.btn-small', { href: recordingsHref({ booking: b.id }), 'aria-label': `Recordings of the booking of ${what}, ${dateTime(b.starts_at)}` }, 'Recordings'));
    if (admin && b.ends_at > now) {
      actions.push(h('button.btn.btn-small', {
        type: 'button',
        'aria-label': `Extend the booking of ${what} for ${userName(b.user_id, b)} by 15 minutes`,
        onclick: async () => {
          try {
            await api.patch(`/api/bookings/${b.id}`, { ends_at: b.ends_at + 900 });
            toast('Extended by 15 minutes.', 'success');
            load();
          } catch (e) { toast(`Could not extend: ${e.message}`, 'error', 8000); }
        },
      }, '+15 min'));
    }
    if (admin && b.ends_at > now) {
      actions.push(h('button.btn.btn-small.btn-quiet', {
        type: 'button',
        'aria-label': `Cancel the booking of ${what} for ${userName(b.user_id, b)}`,
        onclick: async () => {
          const ok = await confirmDialog({
            title: 'Cancel this booking?',
            message: `${userName(b.user_id, b)}, ${what}, ${dateTime(b.starts_at)}–${clock(b.ends_at)}. If it is running, the stream stops at once.`,
            confirm: 'Cancel booking',
            danger: true,
          });
          if (!ok) return;
          try {
            await api.del(`/api/bookings/${b.id}`);
            toast('Booking cancelled.', 'success');
            load();
          } catch (e) { toast(`Could not cancel: ${e.message}`, 'error', 8000); }
        },
      }, 'Cancel'));
    }
    return h(`tr${live ? '.is-live' : ''}`, { dataset: { bookingId: b.id } },
      admin ? h('td', userName(b.user_id, b)) : null,
      h('td', what),
      h('td', dateTime(b.starts_at)),
      h('td', sameDay(b.starts_at, b.ends_at) ? clock(b.ends_at) : dateTime(b.ends_at)),
      h('td', b.note || ''),
      h('td.actions-cell', actions));
  }

  function renderDay() {
    const dayStart = state.day;
    const dayEnd = dayStart + 86400;
    const picker = h('input#day-picker', { type: 'date', value: isoDate(dayStart) });
    picker.addEventListener('change', () => {
      if (!picker.value) return;
      const [y, m, d] = picker.value.split('-').map(Number);
      state.day = new Date(y, m - 1, d).getTime() / 1000;
      renderDay();
      dayArea.querySelector('#day-picker')?.focus();
    });
    const shift = (days) => () => { state.day = addDays(state.day, days); renderDay(); };
    const resources = [
      ...state.cameras.map((c) => `camera:${c.id}`),
      ...state.robots.map((r) => `robot:${r.id}`),
    ];
    for (const b of state.bookings) if (!resources.includes(b.resource)) resources.push(b.resource);
    const dayBookings = state.bookings.filter((b) => b.ends_at > dayStart && b.starts_at < dayEnd);
    const now = Date.now() / 1000;
    // Clinic hours (07:00-20:00), widened to every booking of the day and to now.
    let first = 7;
    let last = 20;
    for (const b of dayBookings) {
      first = Math.min(first, Math.floor((Math.max(b.starts_at, dayStart) - dayStart) / 3600));
      last = Math.max(last, Math.ceil((Math.min(b.ends_at, dayEnd) - dayStart) / 3600));
    }
    if (now >= dayStart && now < dayEnd) {
      first = Math.min(first, Math.floor((now - dayStart) / 3600));
      last = Math.max(last, Math.ceil((now - dayStart) / 3600));
    }
    const from = dayStart + first * 3600;
    const to = dayStart + last * 3600;
    const pct = (t) => `${((Math.min(Math.max(t, from), to) - from) / (to - from)) * 100}%`;
    const step = last - first > 14 ? 2 : 1;
    const hours = [];
    for (let hr = first; hr <= last; hr += step) hours.push(hr);
    const at = (hr) => `${((hr - first) / (last - first)) * 100}%`;
    clear(dayArea, h('section.panel',
      h('div.panel-head',
        h('h2', 'Day view'),
        h('div.day-nav',
          h('button.btn.btn-small', { type: 'button', onclick: shift(-1), 'aria-label': 'Previous day' }, '‹'),
          field('Day', picker),
          h('button.btn.btn-small', { type: 'button', onclick: shift(1), 'aria-label': 'Next day' }, '›'),
          h('button.btn.btn-small', { type: 'button', onclick: () => { state.day = todayStart(); renderDay(); } }, 'Today'))),
      resources.length ? h('div.timeline', { role: 'list', 'aria-label': `Bookings on ${new Date(dayStart * 1000).toDateString()}` },
        h('div.timeline-scale', { 'aria-hidden': 'true' }, h('span.timeline-label'),
          h('div.timeline-track', hours.map((hr) => h('span.tick', { style: { left: at(hr) } }, `${pad2(hr % 24)}:00`)))),
        resources.map((res) => {
          const items = dayBookings.filter((b) => b.resource === res);
          const label = resourceLabel(res, state.cameras, state.robots);
          return h('div.timeline-row', { role: 'listitem' },
            h('span.timeline-label', label),
            h('div.timeline-track',
              hours.map((hr) => h('span.gridline', { style: { left: at(hr) }, 'aria-hidden': 'true' })),
              now >= dayStart && now < dayEnd ? h('span.now-line', { style: { left: pct(now) }, 'aria-hidden': 'true' }) : null,
              items.length ? null : h('span.visually-hidden', `${label}: no bookings`),
              items.map((b) => h(`span.block${b.starts_at <= now && now < b.ends_at ? '.is-live' : ''}`, {
                style: { left: pct(b.starts_at), width: `calc(${pct(b.ends_at)} - ${pct(b.starts_at)})` },
                title: `${userName(b.user_id, b)} ${clock(b.starts_at)}–${clock(b.ends_at)}${b.note ? ` (${b.note})` : ''}`,
              }, h('span.visually-hidden', `${label}: `), `${userName(b.user_id, b)} ${clock(b.starts_at)}–${clock(b.ends_at)}`))));
        })) : h('p.muted', 'No cameras or robots to book yet.')));
  }

  load();
  const timer = setInterval(load, 15000);
  return () => clearInterval(timer);
}

function bookingForm(state, onAdded) {
  const user = h('input#booking-user', { name: 'user', autocomplete: 'off', required: true, list: 'booking-users', spellcheck: 'false' });
  const users = h('datalist#booking-users');
  const resource = h('select#booking-resource', { name: 'resource', required: true });
  const start = h('input#booking-start', { type: 'datetime-local', required: true, step: 60 });
  const end = h('input#booking-end', { type: 'datetime-local', required: true, step: 60 });
  const note = h('input#booking-note', { name: 'note', autocomplete: 'off' });
  const message = h('div', { 'aria-live': 'polite' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, 'Book');

  const now = new Date();
  now.setSeconds(0, 0);
  start.value = localInput(now);
  end.value = localInput(new Date(now.getTime() + 3600 * 1000));

  const form = h('form.panel#booking-form', { 'aria-labelledby': 'booking-form-title', novalidate: true },
    h('h2#booking-form-title', 'New booking'),
    h('div.form-row',
      field('User', user, 'Their user name'),
      users,
      field('Camera or robot', resource),
      field('From', start),
      field('Until', end),
      field('Note (optional)', note)),
    h('div.form-actions', submit),
    message);

  // Keep the choices current as the lists load.
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    message.replaceChildren();
    const s = fromLocalInput(start.value);
    const e = fromLocalInput(end.value);
    const problems = [];
    if (!user.value.trim()) problems.push([user, 'Enter the user’s name.']);
    if (!resource.value) problems.push([resource, 'Choose a camera or robot.']);
    if (!s) problems.push([start, 'Enter when the booking starts.']);
    if (!e) problems.push([end, 'Enter when the booking ends.']);
    if (s && e && e <= s) problems.push([end, 'The end must be after the start.']);
    for (const el of [user, resource, start, end]) el.removeAttribute('aria-invalid');
    if (problems.length) {
      for (const [el] of problems) el.setAttribute('aria-invalid', 'true');
      message.append(notice('error', problems.map(([, m]) => m).join(' ')));
      problems[0][0].focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.post('/api/bookings', {
        username: user.value.trim(), resource: resource.value, starts_at: s, ends_at: e,
        ...(note.value.trim() ? { note: note.value.trim() } : {}),
      });
      message.append(notice('success', `Booked ${resource.selectedOptions[0]?.textContent ?? resource.value} for ${user.value.trim()}, ${clock(s)}–${clock(e)}.`));
      note.value = '';
      onAdded();
    } catch (err) {
      message.append(notice('error', `The booking was not saved: ${err.message}`));
    } finally {
      submit.disabled = false;
    }
  });

  const fill = () => {
    const chosen = resource.value;
    clear(resource,
      h('option', { value: '' }, 'Choose…'),
      state.cameras.length ? h('optgroup', { label: 'Cameras' }, state.cameras.map((c) => h('option', { value: `camera:${c.id}` }, c.name))) : null,
      state.robots.length ? h('optgroup', { label: 'Robots' }, state.robots.map((r) => h('option', { value: `robot:${r.id}` }, r.name))) : null);
    resource.value = chosen;
    if (state.users) clear(users, state.users.map((u) => h('option', { value: u.name })));
  };
  // The parent view fires this after every load.
  queueMicrotask(() => form.closest('section.view')?.addEventListener('bookings-loaded', fill));
  return form;
}

function tabBar(tabs, onSelect) {
  const buttons = tabs.map(([id, label], i) => h('button.tab', {
    type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1',
  }, label));
  const select = (i) => {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
    });
    onSelect(tabs[i][0]);
  };
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => select(i));
    b.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const j = (i + (ev.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length;
      buttons[j].focus();
      select(j);
    });
  });
  return { el: h('div.tabs', { role: 'tablist', 'aria-label': 'Bookings as' }, buttons) };
}

function todayStart() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime() / 1000;
}
function addDays(t, n) {
  const d = new Date(t * 1000);
  d.setDate(d.getDate() + n);
  return d.getTime() / 1000;
}
function isoDate(t) {
  const d = new Date(t * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}
function localInput(d) {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}
function fromLocalInput(v) {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : null;
}
function sameDay(a, b) {
  return new Date(a * 1000).toDateString() === new Date((b - 1) * 1000).toDateString();
}
