// Pieces both watch pages (camera and robot) use: the booking bar with its countdown,
// warning and "session ended", and the full-screen toggle.
import * as api from '../api.js';
import { h, toast, clock, duration, durationWords } from '../ui.js';
import { bookingWindow } from './booking_util.js';
import { notifySessionExpiring } from '../notifications.js';

/**
 * The booking countdown for a non-admin: "Booked until 14:30 · 12:04 left", the warning
 * from session-expiring, and the ended state. The booking is read again every 10 s (a
 * view without notices, MJPEG or WebRTC, learns of a changed end that way); onOver runs
 * when its end has come. The warning also becomes a system notification while the page
 * is in the background (notifications.js; `name()` names the camera or robot in it).
 */
export function sessionBar(resource, setBanner = () => {}, onOver = () => {}, name = () => resource) {
  const el = h('div.session-bar#session-bar', { hidden: true });
  const text = h('span.session-text');
  const countdown = h('span.session-countdown#countdown', { 'aria-hidden': 'true' });
  const sr = h('span.visually-hidden', { 'aria-live': 'polite' }); // spoken once a minute, not every second
  el.append(clockIcon(), text, countdown, sr);
  let window = null;
  let warnedAt = null;
  let ended = false;
  let lastSpokenMinute = null;
  let timer = null;
  let refresher = null;
  let over = false;

  const render = () => {
    if (ended) return;
    if (!window) return;
    const left = window.ends_at - Date.now() / 1000;
    el.hidden = false;
    if (left <= 0) {
      el.className = 'session-bar is-warning';
      text.textContent = `Your booking ended at ${clock(window.ends_at)}.`;
      countdown.textContent = '';
      setBanner(null);
      if (!over) { over = true; onOver(); }
      return;
    }
    over = false;
    const warn = warnedAt !== null || left <= 60;
    el.className = `session-bar ${warn ? 'is-warning' : ''}`;
    text.textContent = warn
      ? `Your session ends at ${clock(window.ends_at)}. Finish up: the stream stops then.`
      : `Booked until ${clock(window.ends_at)}.`;
    countdown.textContent = `${duration(left)} left`;
    setBanner(warn ? `Session ends in ${duration(left)}` : null);
    const minute = Math.ceil(left / 60);
    if (minute !== lastSpokenMinute && (minute <= 5 || minute % 15 === 0)) {
      lastSpokenMinute = minute;
      sr.textContent = `${durationWords(left)} left in your booking.`;
    }
  };

  return {
    el,
    async load() {
      if (api.isAdmin()) {
        el.hidden = false;
        el.className = 'session-bar is-admin';
        text.textContent = 'Admin access: no booking needed.';
        return;
      }
      if (ended) return;
      clearInterval(refresher);
      refresher = setInterval(() => this.load(), 10000);
      const b = await api.get('/api/bookings').catch(() => null);
      if (ended || !b) return;
      const w = bookingWindow(b.bookings ?? [], resource);
      if (!w.active && window) {
        // It was cut short or cancelled while we watched: over now.
        window = { ...window, ends_at: Math.min(window.ends_at, Date.now() / 1000) };
        render();
        return;
      }
      window = w.active;
      if (!window) {
        el.hidden = false;
        el.className = 'session-bar is-warning';
        text.textContent = w.next
          ? `You have no booking for this now. Your next one starts ${clock(w.next.starts_at)}.`
          : 'You have no booking for this now.';
        return;
      }
      render();
      clearInterval(timer);
      timer = setInterval(render, 1000);
    },
    warn(endsAt) {
      warnedAt = Date.now();
      el.dataset.warned = 'gateway';
      if (endsAt) window = { ...(window ?? {}), ends_at: endsAt };
      render();
      sr.textContent = `Warning: your session ends at ${clock(endsAt)}, in ${durationWords(endsAt - Date.now() / 1000)}.`;
      notifySessionExpiring({ resource, name: name(), endsAt });
    },
    ended(message) {
      ended = true;
      clearInterval(timer);
      clearInterval(refresher);
      setBanner(null);
      el.hidden = false;
      el.className = 'session-bar is-ended';
      text.textContent = `Session ended. ${message}`;
      countdown.textContent = '';
    },
    stop() { clearInterval(timer); clearInterval(refresher); },
  };
}

function clockIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'session-icon');
  svg.innerHTML = '<circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 7v5l3 2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>';
  return svg;
}

export async function toggleFullscreen(stage, button) {
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await stage.requestFullscreen();
  } catch (e) {
    toast(`Full screen is not available: ${e.message}`, 'warning');
  }
  button.focus();
}
