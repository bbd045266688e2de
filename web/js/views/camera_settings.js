// An admin's sensor settings of an ESP32-CAM (GET / PATCH /api/cameras/{id}/settings):
// picture size, JPEG quality, brightness, contrast, saturation, mirror, flip, effect,
// white balance. Only the changed fields are sent. A camera without /control (409) says so.
import * as api from '../api.js';
import { h, clear, toast, notice, field, sentence } from '../ui.js';

// The firmware's framesize numbers (esp32-camera framesize_t).
export const FRAMESIZES = ['96X96', 'QQVGA', 'QCIF', 'HQVGA', '240X240', 'QVGA', 'CIF', 'HVGA', 'VGA', 'SVGA', 'XGA', 'HD', 'SXGA', 'UXGA'];
const PIXELS = ['96×96', '160×120', '176×144', '240×176', '240×240', '320×240', '400×296', '480×320', '640×480', '800×600', '1024×768', '1280×720', '1280×1024', '1600×1200'];

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => [from + i, String(from + i)]);
const LEVELS = range(-2, 2).map(([v]) => [v, v > 0 ? `+${v}` : String(v)]);

// name, label, kind ('select' with options | 'number' with min/max | 'switch'), hint
const FIELDS = [
  ['framesize', 'Picture size', 'select', FRAMESIZES.map((n, i) => [i, `${n} (${PIXELS[i]})`])],
  ['quality', 'JPEG quality', 'number', [4, 63], '4 (best) to 63 (smallest)'],
  ['brightness', 'Brightness', 'select', LEVELS],
  ['contrast', 'Contrast', 'select', LEVELS],
  ['saturation', 'Saturation', 'select', LEVELS],
  ['special_effect', 'Special effect', 'select', ['None', 'Negative', 'Grayscale', 'Red tint', 'Green tint', 'Blue tint', 'Sepia'].map((n, i) => [i, n])],
  ['wb_mode', 'White balance', 'select', ['Auto', 'Sunny', 'Cloudy', 'Office', 'Home'].map((n, i) => [i, n])],
  ['ae_level', 'Exposure level', 'select', LEVELS],
  ['hmirror', 'Mirror', 'switch'],
  ['vflip', 'Flip upside down', 'switch'],
  ['awb', 'Auto white balance', 'switch'],
  ['aec', 'Auto exposure', 'switch'],
  ['agc', 'Auto gain', 'switch'],
];

export function cameraSettings(cameraId) {
  const base = `/api/cameras/${cameraId}/settings`;
  const inputs = new Map();
  const body = h('div.settings-body#settings-body', h('p.muted', 'Asking the camera…'));
  const message = h('div#settings-message');
  const el = h('details.panel.settings-panel#camera-settings', h('summary', h('h2', 'Camera settings')), body, message);
  let current = {};

  const build = () => {
    const rows = FIELDS.map(([name, label, kind, opts, hint]) => {
      let input;
      if (kind === 'select') input = h(`select#set-${name}`, opts.map(([v, text]) => h('option', { value: String(v) }, text)));
      else if (kind === 'number') input = h(`input#set-${name}`, { type: 'number', min: String(opts[0]), max: String(opts[1]), step: '1' });
      else input = h(`input#set-${name}`, { type: 'checkbox' });
      inputs.set(name, input);
      return kind === 'switch' ? h('label.check', input, ` ${label}`) : field(label, input, hint);
    });
    const apply = h('button.btn.btn-primary#settings-apply', { type: 'submit' }, 'Apply');
    const form = h('form.settings-form', { noValidate: true }, h('div.form-row', rows), h('div.form-actions', apply,
      h('button.btn#settings-reload', { type: 'button', onclick: () => load() }, 'Read again')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const change = {};
      for (const [name, input] of inputs) {
        const v = input.type === 'checkbox' ? (input.checked ? 1 : 0) : Number(input.value);
        if (current[name] !== undefined && v !== current[name]) change[name] = v;
      }
      if (!Object.keys(change).length) {
        clear(message, notice('info', 'Nothing changed.'));
        return;
      }
      apply.disabled = true;
      clear(message);
      try {
        const r = await api.patch(base, change);
        show(r);
        toast(`Camera settings applied: ${Object.keys(r.changed ?? change).join(', ')}.`, 'success');
      } catch (e) {
        clear(message, notice('error', `The camera settings were not changed: ${sentence(e.message)}`,
          e.body?.changed && Object.keys(e.body.changed).length ? ` It took: ${Object.keys(e.body.changed).join(', ')}.` : ''));
        if (e.status === 422) load();
      } finally {
        apply.disabled = false;
      }
    });
    clear(body, form);
  };

  const show = (r) => {
    current = r.settings ?? {};
    if (!inputs.size) build();
    for (const [name, input] of inputs) {
      const v = current[name];
      const row = input.closest('.field, .check');
      row.hidden = v === undefined; // a firmware without it
      if (v === undefined) continue;
      if (input.type === 'checkbox') input.checked = Boolean(v);
      else input.value = String(v);
    }
    el.dataset.framesize = r.framesize_name ?? '';
  };

  const load = async () => {
    clear(message);
    try {
      show(await api.get(base));
    } catch (e) {
      inputs.clear();
      if (e.status === 404 && /no such file/i.test(e.message)) {
        clear(body, notice('info', 'This gateway does not offer camera settings yet.'));
      } else {
        clear(body, notice(e.status === 409 ? 'info' : 'error',
          e.status === 409 ? 'This camera’s settings cannot be changed here: ' : 'The settings could not be read: ',
          sentence(e.message)));
      }
      el.dataset.unavailable = String(e.status);
    }
  };

  // Asked for when opened: the camera is not bothered by pages that never look.
  let loaded = false;
  el.addEventListener('toggle', () => {
    if (el.open && !loaded) { loaded = true; load(); }
  });
  return { el };
}
