// The page's entry point: session, navigation (hash routes) and the view lifecycle.
import * as api from './api.js';
import { h, clear, toast } from './ui.js';
import { loginView } from './views/login.js';
import { camerasView } from './views/cameras.js';
import { watchView } from './views/watch.js';
import { bookingsView } from './views/bookings.js';
import { usersView } from './views/users.js';
import { robotsView } from './views/robots.js';
import { auditView } from './views/audit.js';
import { recordingsView } from './views/recordings.js';
import { registerServiceWorker } from './service_worker.js';
import { setupNotifications } from './notifications.js';

const main = document.getElementById('main');
let disposeView = null;

// route -> { view, label (nav), admin (nav only for admins) }
const routes = [
  { path: 'cameras', label: 'Cameras', view: camerasView },
  { path: 'bookings', label: 'Bookings', view: bookingsView },
  { path: 'robots', label: 'Robots', view: robotsView },
  { path: 'recordings', label: 'Recordings', view: recordingsView },
  { path: 'users', label: 'Users', view: usersView, admin: true },
  { path: 'audit', label: 'Audit', view: auditView, admin: true },
  { path: 'watch', view: watchView },
];

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || 'cameras', args: parts.slice(1) };
}

function renderNav(active) {
  const nav = document.getElementById('nav');
  clear(nav, routes.filter((r) => r.label && (!r.admin || api.isAdmin())).map((r) =>
    h('li', h('a', {
      href: `#/${r.path}`,
      'aria-current': r.path === active ? 'page' : null,
    }, r.label))));
  const u = api.user();
  document.getElementById('whoami-name').textContent = u ? `${u.name}${u.role === 'admin' ? ' (admin)' : ''}` : '';
}

async function show() {
  if (disposeView) {
    try { disposeView(); } catch (e) { console.error(e); }
    disposeView = null;
  }
  const topbar = document.getElementById('topbar');
  if (!api.user()) {
    topbar.hidden = true;
    clear(main);
    disposeView = loginView(main, { onLoggedIn: () => show() });
    return;
  }
  topbar.hidden = false;
  const { name, args } = parseHash();
  const route = routes.find((r) => r.path === name && (!r.admin || api.isAdmin()));
  renderNav(route?.path === 'watch' ? (args[0] === 'robot' ? 'robots' : 'cameras') : route?.path);
  clear(main);
  if (!route) {
    main.append(h('section.view', h('h1', 'Page not found'),
      h('p', 'There is no page at this address. ', h('a', { href: '#/cameras' }, 'Go to the cameras'), '.')));
    return;
  }
  try {
    disposeView = route.view(main, args) ?? null;
  } catch (e) {
    console.error(e);
    main.append(h('div.notice.notice-error', { role: 'alert' }, `This page failed to open: ${e.message}`));
  }
}

api.onSessionLost(() => {
  if (!api.user()) return;
  api.forget();
  toast('Your session has ended. Please log in again.', 'warning', 8000);
  show();
});

document.getElementById('logout').addEventListener('click', async () => {
  await api.logout();
  history.replaceState(null, '', '#/cameras');
  show();
});

window.addEventListener('hashchange', () => show());

registerServiceWorker();
setupNotifications(document.getElementById('notifications'));

(async () => {
  await api.restore();
  show();
})();
