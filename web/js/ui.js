// Small DOM helpers: no framework, just functions.

/**
 * h('button.btn.primary', {type: 'button', onclick}, 'Save') -> HTMLButtonElement.
 * Attributes starting with "on" become listeners; `dataset`/`style` objects are merged;
 * children may be strings, nodes, arrays, null or false.
 */
export function h(spec, attrs = {}, ...children) {
  // "tag.class#id.class" (id and classes optional, in any order after the tag)
  const tag = /^[a-z0-9-]*/i.exec(spec)[0];
  const id = /#([\w-]+)/.exec(spec)?.[1];
  const classes = [...spec.matchAll(/\.([\w-]+)/g)].map((m) => m[1]);
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let toastSeq = 0;
/** A short message at the bottom of the screen, read out by screen readers. Returns it. */
export function toast(message, kind = 'info', ms = 5000) {
  const box = document.getElementById('toasts');
  const t = h(`div.toast.toast-${kind}`, { id: `toast-${++toastSeq}` }, message);
  box.append(t);
  setTimeout(() => t.remove(), ms);
  return t;
}

/** An inline notice: kind = info | success | warning | error. */
export function notice(kind, ...content) {
  return h(`div.notice.notice-${kind}`, { role: kind === 'error' || kind === 'warning' ? 'alert' : 'status' }, ...content);
}

/** A modal confirmation built on <dialog>; resolves true when confirmed. */
export function confirmDialog({ title, message, confirm = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const ok = h(`button.btn${danger ? '.btn-danger' : '.btn-primary'}`, { type: 'submit', value: 'ok' }, confirm);
    const dlg = h('dialog.dialog', { 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' },
        h('h2#dlg-title', {}, title),
        h('p', {}, message),
        h('div.actions',
          h('button.btn', { type: 'submit', value: 'cancel' }, 'Cancel'),
          ok)));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
    ok.focus();
  });
}

/** A modal that shows content with a single close button. */
export function infoDialog({ title, body, close = 'Done' }) {
  return new Promise((resolve) => {
    const dlg = h('dialog.dialog', { 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' },
        h('h2#dlg-title', {}, title),
        body,
        h('div.actions', h('button.btn.btn-primary', { type: 'submit' }, close))));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** Ends a message from the gateway with a full stop, so more words can follow. */
export function sentence(text) {
  const t = String(text ?? '').trim();
  if (!t) return '';
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?:]$/.test(s) ? s : `${s}.`;
}

export const pad2 = (n) => String(n).padStart(2, '0');

/** "14:05" in the browser's time zone. */
export function clock(unixS) {
  const d = new Date(unixS * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** "Tue 1 Dec, 14:05" */
export function dateTime(unixS) {
  const d = new Date(unixS * 1000);
  return d.toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** "4:05" or "1:02:03" for a number of seconds. */
export function duration(s) {
  s = Math.max(0, Math.floor(s));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return hh ? `${hh}:${pad2(mm)}:${pad2(ss)}` : `${mm}:${pad2(ss)}`;
}

/** Words for a span of seconds: "4 min 5 s". */
export function durationWords(s) {
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A labelled form field. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintEl = hint ? h('span.hint', { id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div.field', h('label', { for: id }, label), input, hintEl);
}

/** Sets the document title and moves focus to the view's heading (for screen readers). */
export function focusHeading(root, title) {
  document.title = title ? `${title} · camgate` : 'camgate';
  const heading = root.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

/** Runs `fn` now and every `ms` until the returned stop() is called. Errors go to onError. */
export function every(ms, fn, onError) {
  let stopped = false;
  let timer;
  const tick = async () => {
    try { await fn(); } catch (e) { if (onError) onError(e); }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

/** The states of a camera in words and a badge class. */
export function cameraState(state) {
  switch (state) {
    case 'streaming': return { text: 'Online', cls: 'ok' };
    case 'polling': return { text: 'Online (polling)', cls: 'ok' };
    case 'stale': return { text: 'Stale', cls: 'warn' };
    case 'connecting': return { text: 'Connecting', cls: 'info' };
    case 'offline': return { text: 'Offline', cls: 'bad' };
    default: return { text: state || 'Unknown', cls: 'info' };
  }
}

export function badge(text, cls) {
  return h(`span.badge.badge-${cls}`, {}, h('span.dot', { 'aria-hidden': 'true' }), text);
}
