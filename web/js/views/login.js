import * as api from '../api.js';
import { h, field, notice } from '../ui.js';

export function loginView(root, { onLoggedIn }) {
  document.title = 'Log in · camgate';
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('div.form-message', { 'aria-live': 'polite' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, 'Log in');

  const form = h('form.login-card', { 'aria-labelledby': 'login-title', novalidate: true },
    h('div.login-brand',
      h('img', { src: 'favicon.svg', alt: '', width: 40, height: 40 }),
      h('div', h('h1#login-title', 'camgate'), h('p.muted', 'Camera gateway'))),
    field('User name', username),
    field('Password', password),
    message,
    submit);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    message.replaceChildren();
    if (!username.value.trim() || !password.value) {
      message.append(notice('error', 'Enter your user name and password.'));
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    try {
      await api.login(username.value.trim(), password.value);
      password.value = '';
      onLoggedIn();
    } catch (e) {
      message.append(notice('error', e.status === 401 ? 'Wrong user name or password.' : e.message));
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  });

  root.append(h('section.login-wrap', form));
  username.focus();
  return () => {};
}
