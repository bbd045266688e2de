// Admin: people who may log in. Built on GET/POST/DELETE /api/users; says so in words
// when the gateway does not offer them.
import * as api from '../api.js';
import { h, clear, field, notice, toast, confirmDialog, focusHeading, dateTime } from '../ui.js';

export function usersView(root) {
  const listArea = h('div#user-list', h('p.muted', 'Loading users…'));
  const form = userForm(() => load());
  const view = h('section.view',
    h('div.view-head', h('h1', 'Users'), h('p.muted', 'People who can log in. Users watch what they have booked; admins manage everything.')),
    form,
    listArea);
  root.append(view);
  focusHeading(view, 'Users');

  async function load() {
    try {
      const r = await api.get('/api/users');
      const users = (r.users ?? []).filter((u) => u.role !== 'robot');
      clear(listArea, h('section.panel', h('h2', 'Everyone'),
        h('table.table',
          h('thead', h('tr', h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Added'), h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
          h('tbody', users.map((u) => h('tr',
            h('td', u.name),
            h('td', u.role === 'admin' ? 'Admin' : 'User'),
            h('td', u.created_at ? dateTime(u.created_at) : '—'),
            h('td.actions-cell', u.id === api.user()?.id ? h('span.muted', 'You') : h('button.btn.btn-small.btn-quiet', {
              type: 'button',
              'aria-label': `Remove ${u.name}`,
              onclick: async () => {
                if (!(await confirmDialog({ title: `Remove ${u.name}?`, message: 'They can no longer log in; their bookings are removed.', confirm: 'Remove user', danger: true }))) return;
                try {
                  await api.del(`/api/users/${u.id}`);
                  toast(`${u.name} was removed.`, 'success');
                  load();
                } catch (e) { toast(`Could not remove ${u.name}: ${e.message}`, 'error', 8000); }
              },
            }, 'Remove'))))))));
    } catch (e) {
      form.hidden = e.status === 404 || e.status === 405;
      clear(listArea, e.status === 404 || e.status === 405
        ? notice('info', h('strong', 'This gateway does not manage users over the web yet. '),
          'Add one on the gateway’s computer with ', h('code', 'camgate user add NAME --role user --password-stdin --data DIR'), '.')
        : notice('error', `The users could not be loaded: ${e.message}`));
    }
  }
  load();
  return () => {};
}

function userForm(onAdded) {
  const name = h('input', { name: 'username', autocomplete: 'off', required: true, spellcheck: 'false', autocapitalize: 'none' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const role = h('select', { name: 'role' }, h('option', { value: 'user' }, 'User'), h('option', { value: 'admin' }, 'Admin'));
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form.panel', { 'aria-labelledby': 'user-form-title', novalidate: true },
    h('h2#user-form-title', 'Add a user'),
    h('div.form-row', field('User name', name), field('Password', password, 'At least 10 characters'), field('Role', role)),
    h('div.form-actions', h('button.btn.btn-primary', { type: 'submit' }, 'Add user')),
    message);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    message.replaceChildren();
    if (!name.value.trim()) { message.append(notice('error', 'Enter a user name.')); name.focus(); return; }
    if (password.value.length < 10) { message.append(notice('error', 'The password needs at least 10 characters.')); password.focus(); return; }
    try {
      await api.post('/api/users', { username: name.value.trim(), password: password.value, role: role.value });
      message.append(notice('success', `${name.value.trim()} can now log in.`));
      name.value = '';
      password.value = '';
      onAdded();
    } catch (e) {
      message.append(notice('error', e.status === 404 || e.status === 405
        ? 'This gateway does not manage users over the web yet (no POST /api/users).'
        : `The user was not added: ${e.message}`));
    }
  });
  return form;
}
