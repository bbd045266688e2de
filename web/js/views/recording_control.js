// A camera's or robot's recording as the gateway reports it (GET .../recording): the red
// "● REC" badge, and the Record / Stop buttons for a demand recording. Shared by the watch
// page (the live indicator) and the Recordings view (an admin's per-camera controls).
import * as api from '../api.js';
import { h, toast, every } from '../ui.js';

/** "/api/cameras/3" for "camera:3". */
export function resourcePath(resource) {
  const [kind, id] = String(resource).split(':');
  return `/api/${kind}s/${id}`;
}

export function reasonWords(reason) {
  switch (reason) {
    case 'booking': return 'booking';
    case 'continuous': return 'continuous';
    case 'demand': return 'on demand';
    default: return reason ?? '';
  }
}

/**
 * Polls the recording state of `resource` every `everyMs` while it lives. The element
 * shows "● REC · <reason>" while it records and nothing when it does not or when the
 * caller may not know (403: no booking now; 409: a gateway that does not record).
 * `controls`: a Record / Stop button for whoever may use it (an admin; a user inside
 * their booking may start one, and stop the one they started). `onStatus(st | null)`
 * sees every answer (null when there is none to show).
 */
export function recordingIndicator(resource, { controls = true, everyMs = 3000, onStatus, idPrefix = 'rec' } = {}) {
  const base = resourcePath(resource);
  const text = h('span.rec-text');
  const badgeEl = h(`span.rec-badge#${idPrefix}-badge`, { hidden: true, role: 'status' },
    h('span.rec-dot', { 'aria-hidden': 'true' }, '●'), ' REC', text);
  const startBtn = h(`button.btn.btn-small#${idPrefix}-start`, { type: 'button', hidden: true }, 'Record');
  const stopBtn = h(`button.btn.btn-small.btn-danger#${idPrefix}-stop`, { type: 'button', hidden: true }, 'Stop recording');
  const el = h('span.rec-indicator', { dataset: { resource } }, badgeEl, controls ? [startBtn, stopBtn] : null);
  let status = null;
  let gone = false; // 409 "does not record" or 404: stop asking

  const render = () => {
    const on = Boolean(status?.recording);
    el.dataset.recording = on ? 'true' : 'false';
    badgeEl.hidden = !on;
    text.textContent = on ? ` · ${reasonWords(status.current?.reason)}` : '';
    badgeEl.title = on ? `Recording since ${new Date(status.current.started_at * 1000).toLocaleTimeString()}` : '';
    const me = api.user();
    const admin = api.isAdmin();
    // Only a demand recording can be stopped: the policy's own would restart (409).
    startBtn.hidden = !status || on;
    stopBtn.hidden = !on || status.current?.reason !== 'demand' || !(admin || status.current?.user_id === me?.id);
    onStatus?.(status);
  };

  const refresh = async () => {
    if (gone) return;
    try {
      status = await api.get(`${base}/recording`);
    } catch (e) {
      if (e.status === 404 || e.status === 409) gone = true;
      status = null; // 403 and the rest: nothing to show, ask again later
    }
    render();
  };

  const act = async (button, method, path, done) => {
    button.disabled = true;
    try {
      await api.request(method, path);
      toast(done, 'success');
    } catch (e) {
      toast(`${method === 'POST' ? 'Could not start recording' : 'Could not stop recording'}: ${e.message}`, 'error', 8000);
    } finally {
      button.disabled = false;
      await refresh();
    }
  };
  startBtn.addEventListener('click', () => act(startBtn, 'POST', `${base}/recordings`, 'Recording started.'));
  stopBtn.addEventListener('click', () => act(stopBtn, 'DELETE', `${base}/recordings/current`, 'Recording stopped.'));

  const stop = every(everyMs, refresh);
  return { el, refresh, stop, status: () => status };
}

/** An admin's policy switch: off / bookings / continuous / the gateway's default. */
export function policySelect(resource, label) {
  const select = h('select.policy-select', { 'aria-label': `Recording policy of ${label}` },
    h('option', { value: '' }, 'Default'),
    h('option', { value: 'off' }, 'Off'),
    h('option', { value: 'bookings' }, 'During bookings'),
    h('option', { value: 'continuous' }, 'Continuous'));
  let busy = false;
  select.addEventListener('change', async () => {
    busy = true;
    try {
      const r = await api.request('PUT', `${resourcePath(resource)}/recording`, { body: { policy: select.value || null } });
      toast(`${label}: recording ${r.policy_source === 'default' ? `by the default (${r.policy})` : r.policy}.`, 'success');
    } catch (e) {
      toast(`Could not change the recording policy: ${e.message}`, 'error', 8000);
    } finally {
      busy = false;
    }
  });
  return {
    el: select,
    /** Shows the gateway's answer unless the admin is changing it right now. */
    update(st) {
      if (busy || !st || document.activeElement === select) return;
      select.value = st.policy_source === 'resource' ? st.policy : '';
      select.options[0].textContent = st.policy_source === 'default' ? `Default (${st.policy})` : 'Default';
    },
  };
}
