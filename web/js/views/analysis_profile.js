// An admin's editor of a camera's or robot's analysis profile: when it runs, how many
// pictures a second, which analyzers, whether results are kept. PUT .../analysis with
// the whole form; "Use the default" is DELETE. The gateway's own error is shown.
import * as api from '../api.js';
import { h, clear, toast, notice, field } from '../ui.js';

const WHEN = [
  ['off', 'Off'],
  ['always', 'Always'],
  ['watched', 'While someone watches'],
  ['bookings', 'During bookings'],
];

/** `base` "/api/cameras/3"; onSaved(answer) after a change. update(GET answer) fills it. */
export function profileEditor(base, onSaved = () => {}) {
  const when = h('select#an-when', WHEN.map(([v, label]) => h('option', { value: v }, label)));
  const fps = h('input#an-fps', { type: 'number', min: '0.1', max: '10', step: '0.1', inputmode: 'decimal', required: true });
  const analyzers = h('div.analyzer-checks');
  const store = h('input#an-store', { type: 'checkbox' });
  const source = h('p.hint#an-profile-source');
  const error = h('div#an-profile-error');
  const save = h('button.btn.btn-primary.btn-small#an-save', { type: 'submit' }, 'Save profile');
  const reset = h('button.btn.btn-small#an-reset', { type: 'button' }, 'Use the default');
  const form = h('form.analysis-profile', { noValidate: true },
    field('Analyse', when),
    field('Pictures per second', fps, 'Up to the gateway’s maximum (10 unless configured).'),
    h('fieldset.analyzer-set', h('legend', 'Analyzers'), analyzers),
    h('label.check', store, ' Keep results in the history'),
    source, error,
    h('div.form-actions', save, reset));
  const el = h('details.profile-editor#analysis-profile', h('summary', 'Analysis profile'), form);
  let known = '';

  const fill = (a) => {
    const p = a.profile ?? {};
    when.value = p.when ?? 'off';
    fps.value = String(p.fps ?? 2);
    store.checked = p.store !== false;
    const names = (a.analyzers ?? []).map((x) => `${x.name}:${x.kind}`).join(',');
    if (names !== known) {
      known = names;
      clear(analyzers, (a.analyzers ?? []).map((x) => h('label.check',
        h('input', { type: 'checkbox', name: 'analyzer', value: x.name, id: `an-analyzer-${x.name}` }),
        ` ${x.name}${x.kind === 'external' ? ' (external)' : ''}`)));
    }
    for (const box of analyzers.querySelectorAll('input')) box.checked = (p.analyzers ?? []).includes(box.value);
    source.textContent = a.profile_source === 'resource' ? 'Set for this one.' : 'The gateway’s default.';
  };

  const send = async (method, body) => {
    save.disabled = true;
    reset.disabled = true;
    clear(error);
    try {
      const r = await api.request(method, `${base}/analysis`, { body });
      fill(r);
      onSaved(r);
      toast(method === 'PUT' ? 'Analysis profile saved.' : 'The analysis follows the default again.', 'success');
    } catch (e) {
      clear(error, notice('error', `The profile was not saved: ${e.message}`));
    } finally {
      save.disabled = false;
      reset.disabled = false;
    }
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    send('PUT', {
      when: when.value,
      fps: Number(fps.value),
      analyzers: [...analyzers.querySelectorAll('input:checked')].map((b) => b.value),
      store: store.checked,
    });
  });
  reset.addEventListener('click', () => send('DELETE'));

  let filled = false;
  return {
    el,
    /** The first answer fills the form; later ones only while nobody edits it. */
    update(a) {
      if (filled && (el.open || form.contains(document.activeElement))) return;
      filled = true;
      fill(a);
    },
  };
}
