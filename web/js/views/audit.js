// Admin: who watched what, how, when, and why it ended.
import * as api from '../api.js';
import { h, clear, notice, focusHeading, dateTime, clock, durationWords } from '../ui.js';
import { resourceLabel } from './booking_util.js';

export function auditView(root) {
  const area = h('div', h('p.muted', 'Loading…'));
  const view = h('section.view',
    h('div.view-head', h('h1', 'Audit'), h('p.muted', 'The last 100 viewing sessions.')),
    area);
  root.append(view);
  focusHeading(view, 'Audit');

  (async () => {
    try {
      const [r, c, rb] = await Promise.all([
        api.get('/api/audit?limit=100'),
        api.get('/api/cameras').catch(() => ({ cameras: [] })),
        api.get('/api/robots').catch(() => ({ robots: [] })),
      ]);
      const entries = r.entries ?? [];
      if (!entries.length) { clear(area, h('p.empty', 'Nobody has watched anything yet.')); return; }
      clear(area, h('section.panel', h('div.table-scroll', h('table.table',
        h('thead', h('tr', ['Who', 'What', 'How', 'From', 'Until', 'Length', 'Ended because'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', entries.map((e) => h('tr',
          h('td', e.user_name ?? '—'),
          h('td', resourceLabel(e.resource, c.cameras ?? [], rb.robots ?? [])),
          h('td', ({ mjpeg: 'MJPEG', websocket: 'WebSocket', 'websocket-binary': 'WebSocket (binary)', webrtc: 'WebRTC', snapshot: 'Snapshot' })[e.protocol] ?? e.protocol),
          h('td', dateTime(e.started_at)),
          h('td', e.ended_at ? clock(e.ended_at) : h('span.badge.badge-ok', h('span.dot', { 'aria-hidden': 'true' }), 'watching')),
          h('td', e.ended_at ? durationWords(e.ended_at - e.started_at) : '—'),
          h('td', e.end_reason ?? '—'))))))));
    } catch (e) {
      clear(area, notice('error', `The audit log could not be loaded: ${e.message}`));
    }
  })();
  return () => {};
}
