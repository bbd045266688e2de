// camgate's service worker: keeps a copy of the app shell (the files of web/) so the page
// opens without a network and can be installed, and shows the page's notifications.
//
// It answers ONLY GET requests, without a Range header or query string, for the exact
// files in SHELL. Everything else (the API, streams, auth, WebSocket and Socket.IO, WHEP,
// Server-Sent Events, signaling, recordings) is never given to respondWith, so the browser
// sends it to the network as if there were no service worker, and nothing of it is cached.
//
// The shell is served network first (a new deploy shows on the next load), from the
// cache when the network fails or does not answer within NETWORK_TIMEOUT_MS.
// SHELL must list every file of web/ but this one: tests/js/web/shell.test.mjs checks it.
// Change VERSION when SHELL changes; activating a new version deletes the older caches.

const VERSION = 'v1';
const CACHE = `camgate-shell-${VERSION}`;
const CACHE_PREFIX = 'camgate-shell-';
const NETWORK_TIMEOUT_MS = 3000;

// Paths relative to the service worker's scope (the page's folder), "" being the page.
const SHELL = [
  '',
  'index.html',
  'favicon.svg',
  'manifest.webmanifest',
  'css/app.css',
  'icons/apple-touch-icon.png',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/maskable-192.png',
  'icons/maskable-512.png',
  'icons/maskable.svg',
  'js/api.js',
  'js/app.js',
  'js/notifications.js',
  'js/service_worker.js',
  'js/ui.js',
  'js/players/camera_players.js',
  'js/players/event_stream.js',
  'js/players/media.js',
  'js/players/robot_player.js',
  'js/players/webrtc_player.js',
  'js/views/analysis_panel.js',
  'js/views/analysis_profile.js',
  'js/views/audit.js',
  'js/views/booking_util.js',
  'js/views/bookings.js',
  'js/views/camera_settings.js',
  'js/views/cameras.js',
  'js/views/login.js',
  'js/views/recording_control.js',
  'js/views/recording_player.js',
  'js/views/recordings.js',
  'js/views/robots.js',
  'js/views/users.js',
  'js/views/watch.js',
  'js/views/watch_robot.js',
  'js/views/watch_session.js',
  'js/views/watch_stage.js',
];

const scope = () => new URL(self.registration.scope);
const shellUrls = () => SHELL.map((p) => new URL(p, scope()).href);

/** Whether this worker answers `request`: a plain GET of a shell file, nothing else. */
function isShellRequest(request) {
  if (request.method !== 'GET' || request.headers.has('range')) return false;
  const url = new URL(request.url);
  if (url.origin !== scope().origin || url.search !== '') return false;
  url.hash = '';
  return shellUrls().includes(url.href);
}

// Escapes URLPattern's special characters in a literal path.
const literal = (path) => path.replace(/[:*?+(){}\\]/g, '\\$&');

// Chromium's static routing (InstallEvent.addRoutes): requests for anything but the shell
// go straight to the network without waking the worker. Cheaper, and it matters: a
// keepalive request sent as a page unloads (the WHEP hang-up's DELETE) is lost in
// Chromium when it passes through a fetch handler, even one that does not answer it.
// Browsers without it use the fetch handler below, which leaves those requests alone.
async function addStaticRoutes(event) {
  if (typeof event.addRoutes !== 'function' || typeof URLPattern !== 'function') return;
  const shell = shellUrls().map((u) => ({ urlPattern: new URLPattern({ pathname: literal(new URL(u).pathname), search: '' }) }));
  try {
    await event.addRoutes([
      { condition: { or: shell }, source: 'fetch-event' },
      { condition: { urlPattern: new URLPattern({}) }, source: 'network' },
    ]);
  } catch (e) {
    console.warn('static routes not added:', e.message);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await addStaticRoutes(event);
    const cache = await caches.open(CACHE);
    // 'reload': the files themselves, not the browser's HTTP cache.
    await cache.addAll(shellUrls().map((u) => new Request(u, { cache: 'reload' })));
    // Safe to take over at once: the shell is served network first anyway.
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  if (!isShellRequest(event.request)) return; // to the network, untouched
  event.respondWith(networkFirst(event.request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url);
  key.hash = '';
  const network = fetch(request).then(async (res) => {
    // Only whole, same-origin answers replace the copy (a 404 or a redirect does not).
    if (res.status === 200 && res.type === 'basic' && !res.redirected) {
      await cache.put(key.href, res.clone()).catch(() => {}); // a full disk: serve it anyway
    }
    return res;
  });
  network.catch(() => {}); // a failure after the timeout is no one's error
  const timeout = new Promise((resolve) => { setTimeout(resolve, NETWORK_TIMEOUT_MS, null); });
  try {
    const res = await Promise.race([network, timeout]);
    if (res) return res;
  } catch {
    // No network: the copy below.
  }
  const copy = await cache.match(key.href);
  if (copy) return copy;
  return network; // nothing kept: the network's own answer or error, however late
}

// A notification's click (notifications.js) brings the page back: the window it came
// from if it is still open, else a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = event.notification.data?.url ?? self.registration.scope;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = windows.find((w) => w.url === target) ?? windows.find((w) => w.url.startsWith(self.registration.scope));
    if (same) return same.focus();
    return self.clients.openWindow(target);
  })());
});
