// Robots: everyone sees the list (and watches one they have booked); admins add a robot
// and see its one-time credential once.
import * as api from '../api.js';
import { h, clear, field, notice, toast, confirmDialog, infoDialog, focusHeading, every, badge } from '../ui.js';

export function robotsView(root) {
  const admin = api.isAdmin();
  const listArea = h('div#robot-list', h('p.muted', 'Loading robots…'));
  const view = h('section.view',
    h('div.view-head', h('h1', 'Robots'), h('p.muted', 'Robot cameras, watched over WebRTC.')),
    listArea,
    admin ? robotForm(() => refresh()) : null);
  root.append(view);
  focusHeading(view, 'Robots');

  async function refresh() {
    let r;
    try {
      r = await api.get('/api/robots');
    } catch (e) {
      clear(listArea, e.status === 404 || e.status === 405
        ? notice('info', 'This gateway does not offer robots yet.')
        : notice('error', `The robots could not be loaded: ${e.message}`));
      return;
    }
    const robots = r.robots ?? [];
    if (!robots.length) {
      clear(listArea, h('p.empty', 'No robots yet.', admin ? ' Add one below.' : ''));
      return;
    }
    clear(listArea, h('ul.card-grid', { 'aria-label': 'Robots' }, robots.map((robot) => {
      const online = robot.online ?? robot.connected;
      const allowed = robot.allowed_now !== false;
      return h('li.card', { dataset: { robotId: robot.id, online: String(!!online) } },
        h('div.card-head', h('h2.card-title', robot.name),
          online === undefined ? null : badge(online ? 'Online' : 'Offline', online ? 'ok' : 'bad')),
        h('dl.stats',
          h('div', h('dt', 'Viewers'), h('dd', String(robot.viewers ?? 0))),
          h('div', h('dt', 'Book as'), h('dd', robot.resource ?? `robot:${robot.id}`))),
        allowed ? null : h('p.card-access', 'No booking: you cannot watch this robot now.'),
        h('div.card-actions',
          allowed ? h('a.btn.btn-primary', { href: `#/watch/robot/${robot.id}`, 'aria-label': `Watch ${robot.name}` }, 'Watch') : null,
          admin ? h('button.btn.btn-quiet', {
            type: 'button',
            'aria-label': `Remove ${robot.name}`,
            onclick: async () => {
              if (!(await confirmDialog({ title: `Remove ${robot.name}?`, message: 'Its credential stops working and its viewers are disconnected.', confirm: 'Remove robot', danger: true }))) return;
              try {
                await api.del(`/api/robots/${robot.id}`);
                toast(`${robot.name} was removed.`, 'success');
                refresh();
              } catch (e) { toast(`Could not remove ${robot.name}: ${e.message}`, 'error', 8000); }
            },
          }, 'Remove') : null));
    })));
  }
  return every(5000, refresh);
}

function robotForm(onAdded) {
  const name = h('input', { name: 'name', autocomplete: 'off', required: true, spellcheck: 'false', placeholder: 'robot-1' });
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form.panel', { 'aria-labelledby': 'robot-form-title', novalidate: true },
    h('h2#robot-form-title', 'Add a robot'),
    h('p.muted', 'The robot logs in with its name and a credential shown once, right after you add it.'),
    h('div.form-row', field('Robot name', name, 'Letters, digits and dashes')),
    h('div.form-actions', h('button.btn.btn-primary', { type: 'submit' }, 'Add robot')),
    message);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    message.replaceChildren();
    if (!name.value.trim()) { message.append(notice('error', 'Enter a name for the robot.')); name.focus(); return; }
    try {
      const r = await api.post('/api/robots', { name: name.value.trim() });
      const robot = r.robot ?? r;
      const secret = r.credential ?? r.password ?? r.secret ?? robot.credential ?? '';
      name.value = '';
      onAdded();
      const code = h('code.secret#robot-credential', secret || '(the gateway sent no credential)');
      const copy = h('button.btn.btn-small', {
        type: 'button',
        onclick: async () => {
          try { await navigator.clipboard.writeText(secret); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select and copy it by hand'; }
        },
      }, 'Copy');
      await infoDialog({
        title: `${robot.name ?? 'The robot'} was added`,
        body: h('div',
          h('p', 'This is the robot’s credential. ', h('strong', 'It is shown only this once:'), ' put it in the robot’s configuration now.'),
          h('div.secret-row', code, copy),
          h('p.muted', `User name: ${robot.name ?? ''}`)),
        close: 'I have saved it',
      });
    } catch (e) {
      message.append(notice('error', e.status === 404 || e.status === 405
        ? 'This gateway does not manage robots yet (no POST /api/robots).'
        : `The robot was not added: ${e.message}`));
    }
  });
  return form;
}
