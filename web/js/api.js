// Everything that talks to the gateway goes through here, so how the session travels
// (HttpOnly cookie, or a bearer token kept in memory) is decided in one place.
//
// Cookie mode: POST /auth/login sets an HttpOnly SameSite=Strict cookie; same-origin
// fetch() and WebSocket URLs carry it by themselves. We detect it after login (and on
// page load) by calling GET /auth/me without an Authorization header.
// Token mode (older gateways): the token lives only in this module's memory; fetch()
// sends `Authorization: Bearer`, URLs get a short-lived `?ticket=` from
// POST /auth/stream-ticket where the gateway offers one, else `?access_token=`.
//
// Renewal: login also hands out a rotating refresh token (an HttpOnly cookie for
// /auth/ only, or kept in memory in token mode). About a minute before the access token
// expires, and once when a request gets 401, the page calls POST /auth/refresh. Each
// refresh token works once, and a used one presented again ends the whole session, so
// the tabs of one browser (which share the cookie) must not refresh at the same time:
// they take turns under a Web Lock, and the one that renewed tells the others over a
// BroadcastChannel. Inside the lock a tab first asks /auth/me whether the shared cookie
// is newer than the token it meant to renew (another tab was faster) before it refreshes.
// Without navigator.locks (plain-HTTP pages on a LAN are not a secure context) the tabs
// announce a refresh on the channel and wait a random moment, which keeps collisions rare.

let token = null;
let cookieMode = false;
let ticketsSupported = true;
let currentUser = null;
let expiresAt = null; // unix seconds, when known
let refreshToken = null; // token mode only; in cookie mode the cookie holds it
let refreshTimer = null;
let refreshing = null; // the refresh under way in this tab
let othersRefreshingUntil = 0; // fallback without Web Locks: another tab said it refreshes

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('camgate-session') : null;

const listeners = new Set();

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Called with no argument when the gateway says the session is gone (401). */
export function onSessionLost(fn) {
  listeners.add(fn);
}

export function user() {
  return currentUser;
}
export function isAdmin() {
  return currentUser?.role === 'admin';
}
export function sessionExpiresAt() {
  return expiresAt;
}
export function usesCookie() {
  return cookieMode;
}

function authHeaders() {
  return token && !cookieMode ? { Authorization: `Bearer ${token}` } : {};
}

// Words for a failed answer: the gateway's own `error`, else something a person can act on.
function describe(status, body, text) {
  if (body && typeof body.error === 'string' && body.error) return body.error;
  if (body && typeof body.detail === 'string') return body.detail;
  switch (status) {
    case 401: return 'Your session has ended. Please log in again.';
    case 403: return 'You are not allowed to do this.';
    case 404: return 'Not found.';
    case 502: return 'The camera cannot be reached.';
    case 504: return 'The camera did not answer in time.';
    default:
      return `The gateway answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}.`;
  }
}

async function errorFrom(res) {
  const text = await res.text().catch(() => '');
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return new ApiError(res.status, describe(res.status, body, body ? '' : text), body);
}

/**
 * fetch() against the gateway. Resolves with the parsed JSON (or the Response when
 * `raw`), rejects with an ApiError whose message is fit to show. A body is JSON unless
 * `type` names its media type (then it is sent as the string it is: SDP for WHEP).
 * `keepalive` lets the request outlive the page (a hang-up sent while it unloads).
 */
export async function request(method, path, opts = {}) {
  try {
    return await send(method, path, opts);
  } catch (e) {
    // Once per request: renew the session and try again.
    if (e.status !== 401 || opts.quiet401 || opts.retried || !currentUser) throw e;
    if (!(await refreshSession())) {
      for (const fn of listeners) fn(e);
      throw e;
    }
    return send(method, path, { ...opts, retried: true });
  }
}

async function send(method, path, { body, type, signal, raw = false, quiet401 = false, retried = false, keepalive = false } = {}) {
  const headers = { ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = type ?? 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : type ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
      keepalive,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'The gateway cannot be reached. Check the network connection and try again.');
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    // A 401 after a renewal is the end of the session.
    if (res.status === 401 && !quiet401 && retried && currentUser) {
      for (const fn of listeners) fn(err);
    }
    throw err;
  }
  if (raw) return res;
  if (res.status === 204) return {};
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(res.status, 'The gateway sent an answer this page does not understand.');
  }
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
export const patch = (path, body, opts) => request('PATCH', path, { ...opts, body });
export const del = (path, opts) => request('DELETE', path, opts);

// GET /auth/me: { user, expires_at } or null.
async function loadMe({ withToken }) {
  const headers = withToken ? authHeaders() : {};
  const res = await fetch('/auth/me', { headers, credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) return null;
  const body = await res.json().catch(() => null);
  return body?.user ? body : null;
}

function expiryOf(body) {
  return body.expires_at ?? (body.expires_in ? Math.floor(Date.now() / 1000) + body.expires_in : null);
}

export async function login(username, password) {
  const body = await request('POST', '/auth/login', { body: { username, password }, quiet401: true });
  const t = body.token ?? body.access_token ?? null;
  expiresAt = expiryOf(body);
  // Does the gateway keep the session in a cookie? Ask without the token.
  const viaCookie = await loadMe({ withToken: false }).catch(() => null);
  if (viaCookie) {
    cookieMode = true;
    token = null; // never kept when the cookie does the job
    refreshToken = null;
    currentUser = body.user ?? viaCookie.user;
  } else {
    cookieMode = false;
    token = t;
    refreshToken = body.refresh_token ?? null;
    currentUser = body.user ?? (await loadMe({ withToken: true }))?.user;
  }
  if (!currentUser) throw new ApiError(0, 'Logged in, but the gateway did not say who you are.');
  scheduleRefresh();
  return currentUser;
}

/** On page load: is there a live cookie session? */
export async function restore() {
  const me = await loadMe({ withToken: false }).catch(() => null);
  if (me) {
    cookieMode = true;
    currentUser = me.user;
    expiresAt = me.expires_at || null;
    scheduleRefresh();
  } else {
    // The access cookie may have expired while the page was closed: the refresh cookie
    // (if any) renews it.
    cookieMode = true;
    if (!(await renew())) cookieMode = false;
  }
  return currentUser;
}

export async function logout() {
  stopRefresh();
  try {
    await send('POST', '/auth/logout', { quiet401: true, body: refreshToken ? { refresh_token: refreshToken } : undefined });
  } catch {
    // Older gateways have no logout: forgetting the token is the logout.
  }
  channel?.postMessage({ type: 'logout' });
  token = null;
  refreshToken = null;
  cookieMode = false;
  currentUser = null;
  expiresAt = null;
}

export function forget() {
  stopRefresh();
  token = null;
  refreshToken = null;
  currentUser = null;
  expiresAt = null;
}

function stopRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
}

// About a minute before the access token ends (half its life when shorter).
function scheduleRefresh() {
  stopRefresh();
  if (!currentUser || !expiresAt || (!cookieMode && !refreshToken)) return;
  const remaining = expiresAt - Date.now() / 1000;
  const lead = Math.min(60, remaining / 2);
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refreshSession().then((ok) => {
      if (!ok && currentUser && expiresAt && expiresAt < Date.now() / 1000) {
        for (const fn of listeners) fn(new ApiError(401, 'Your session has ended. Please log in again.'));
      }
    });
  }, Math.max(0, remaining - lead) * 1000);
}

// A timer in a hidden tab may fire late (or a laptop slept): check when it shows again.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && currentUser && expiresAt && expiresAt - Date.now() / 1000 < 60) {
    refreshSession();
  }
});

channel?.addEventListener('message', (ev) => {
  const m = ev.data ?? {};
  if (m.type === 'refreshing') othersRefreshingUntil = Date.now() + 5000;
  if (m.type === 'renewed' && cookieMode && currentUser && m.expires_at > (expiresAt ?? 0)) {
    othersRefreshingUntil = 0;
    expiresAt = m.expires_at;
    scheduleRefresh();
  }
  if (m.type === 'logout' && cookieMode && currentUser) {
    stopRefresh();
    for (const fn of listeners) fn(new ApiError(401, 'You logged out in another tab.'));
  }
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One tab at a time (see the top of this file).
async function oneTabAtATime(fn) {
  if (navigator.locks?.request) return navigator.locks.request('camgate-refresh', fn);
  await sleep(Math.random() * 400);
  while (Date.now() < othersRefreshingUntil) await sleep(100);
  channel?.postMessage({ type: 'refreshing' });
  return fn();
}

/** Renews the session now (once per tab at a time); resolves true when it is renewed. */
export function refreshSession() {
  if (!refreshing) {
    const seen = expiresAt ?? 0;
    refreshing = oneTabAtATime(async () => {
      // Did another tab renew the cookie we share while we waited?
      if (cookieMode) {
        const me = await loadMe({ withToken: false }).catch(() => null);
        if (me?.expires_at > seen) {
          expiresAt = me.expires_at;
          scheduleRefresh();
          return true;
        }
      }
      return renew();
    }).catch(() => false).finally(() => { refreshing = null; });
  }
  return refreshing;
}

// POST /auth/refresh with the cookie (or, in token mode, the token kept in memory).
async function renew() {
  let res;
  try {
    res = await fetch('/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(!cookieMode && refreshToken ? { refresh_token: refreshToken } : {}),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return false;
  }
  if (!res.ok) return false;
  const body = await res.json().catch(() => null);
  if (!body?.access_token) return false;
  if (!cookieMode) {
    token = body.access_token;
    refreshToken = body.refresh_token ?? null;
  }
  if (body.user) currentUser = body.user;
  expiresAt = expiryOf(body);
  if (cookieMode) channel?.postMessage({ type: 'renewed', expires_at: expiresAt });
  scheduleRefresh();
  return true;
}

/** A same-origin WebSocket URL for `path` (with `params`), authenticated. */
export async function wsUrl(path, params = {}, resource) {
  return urlWithCredential(path, params, resource, { ws: true });
}

/**
 * A same-origin http(s) URL for an element that cannot send a header (<video src>, a
 * download link): `resource` is what a ticket opens, "camera:3" or "recording:7" (a
 * recording's ticket lasts as long as a player keeps asking for ranges, up to an hour).
 */
export async function mediaUrl(path, params = {}, resource) {
  return urlWithCredential(path, params, resource, { ws: false });
}

// Cookie mode: the URL as it is (the browser sends the cookie). Token mode: a ticket.
async function urlWithCredential(path, params, resource, { ws }) {
  const u = new URL(path, location.href);
  if (ws) u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  if (!cookieMode && token) await addUrlCredential(u, resource);
  return u.toString();
}

// Token mode only: a short-lived ticket for the resource if the gateway hands them out,
// else the token itself.
async function addUrlCredential(u, resource) {
  if (resource && ticketsSupported) {
    try {
      const t = await post('/auth/stream-ticket', { resource }, { quiet401: true });
      if (t.ticket) {
        u.searchParams.set('ticket', t.ticket);
        return;
      }
    } catch (e) {
      if (e.status === 404 || e.status === 405) ticketsSupported = false;
    }
  }
  u.searchParams.set('access_token', token);
}

/** fetch() a binary resource (snapshot, MJPEG) with the session's credentials. */
export async function fetchMedia(path, { signal } = {}) {
  return request('GET', path, { raw: true, signal });
}
