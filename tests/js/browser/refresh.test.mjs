// Browser test of session renewal: with 4-second access tokens the page renews its
// session through POST /auth/refresh before each token ends, never asks to log in again,
// and two tabs of one browser (one shared refresh cookie) take turns instead of both
// rotating the same token, which the gateway would take for theft and end the session.
//
//   cd tests/js && CAMGATE_BIN_DIR=/path/to/build/bin node --test browser/refresh.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startGateway, ADMIN } from '../support/gateway.mjs';
import { logIn } from '../support/page.mjs';

const TTL = 4; // seconds: the page renews about every TTL/2
let gw;
let browser;

before(async () => {
  gw = await startGateway({ config: `\n[auth]\ntoken_ttl_s = ${TTL}\n` });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
});

// Every POST /auth/refresh of the context's pages, as its status.
function refreshLog(context) {
  const log = [];
  context.on('response', (r) => {
    if (r.url().endsWith('/auth/refresh') && r.request().method() === 'POST') log.push(r.status());
  });
  return log;
}

const login = (page) => logIn(page, gw.url, ADMIN);

// What the page's own cookie session says now: status and the access token's expiry.
const me = (page) => page.evaluate(async () => {
  const r = await fetch('/auth/me', { cache: 'no-store' });
  return { status: r.status, expiresAt: (await r.json()).expires_at, now: Date.now() / 1000 };
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the page renews its session before the token ends, also without Web Locks', async () => {
  const context = await browser.newContext();
  // A plain-HTTP LAN page has no navigator.locks: the page must manage without.
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
  const log = refreshLog(context);
  const page = await context.newPage();
  await login(page);
  log.length = 0; // the login page's load tried the (absent) refresh cookie: 400
  assert.equal(await page.evaluate(() => navigator.locks), undefined);
  const first = await me(page);
  await sleep(3 * TTL * 1000);
  const later = await me(page);
  assert.equal(later.status, 200);
  // The token the page holds now was issued after the login's had ended: it was renewed.
  assert.ok(later.expiresAt > first.expiresAt + TTL, `${JSON.stringify(first)} -> ${JSON.stringify(later)}`);
  assert.ok(later.expiresAt > later.now, 'the current token is not past its expiry');
  assert.ok(log.length >= 3, `renewed ${log.length} times in ${3 * TTL} s`);
  assert.ok(log.every((s) => s === 200), `statuses ${log}`);
  // Still logged in: a page change loads without the login form.
  await page.goto(`${gw.url}/#/bookings`);
  await page.getByRole('heading', { level: 1, name: 'Bookings' }).waitFor();
  assert.equal(await page.getByLabel('User name').count(), 0);
  await context.close();
});

test('two tabs share one session: they take turns renewing it, and logout clears it', async () => {
  const context = await browser.newContext();
  const log = refreshLog(context);
  const tab1 = await context.newPage();
  await login(tab1);
  log.length = 0;
  const tab2 = await context.newPage();
  await tab2.goto(`${gw.url}/#/cameras`);
  await tab2.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  assert.equal(await tab2.evaluate(() => typeof navigator.locks?.request), 'function');
  const t0 = Date.now();
  await sleep(3 * TTL * 1000);
  const elapsed = (Date.now() - t0) / 1000;
  // One renewal per half token life for both tabs together, not one per tab; a second
  // rotation of the same token would have answered 401 (reuse) and ended the session.
  assert.ok(log.every((s) => s === 200), `statuses ${log}`);
  assert.ok(log.length >= 3 && log.length <= elapsed / (TTL / 2) + 2, `${log.length} renewals in ${elapsed} s`);
  for (const tab of [tab1, tab2]) assert.equal((await me(tab)).status, 200);
  const audit = await gw.api('GET', '/api/audit?protocol=refresh-reuse', { token: await gw.login(ADMIN) });
  assert.deepEqual(audit.json.entries, [], 'no reuse was detected');

  // Logging out in one tab ends the session in both and drops the refresh cookie.
  await tab1.getByRole('button', { name: 'Log out' }).click();
  await tab1.getByLabel('User name').waitFor();
  await tab2.getByLabel('User name').waitFor({ timeout: 5000 });
  const cookies = await context.cookies();
  assert.equal(cookies.find((c) => c.name === 'camgate_refresh'), undefined, JSON.stringify(cookies));
  const count = log.length;
  await sleep(TTL * 1000);
  assert.equal(log.length, count, 'no renewal after logout');
  await context.close();
});
