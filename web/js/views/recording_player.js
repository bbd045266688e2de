// The Recordings view's player: a <video controls> on the recording's media URL (the
// gateway answers HTTP Range, so the browser seeks without fetching the whole file), a
// download link, and for a user's recording that runs beyond their booking the "my
// part" clip (visible_from..visible_to) instead.
import * as api from '../api.js';
import { h, notice, toast, dateTime, clock, durationWords } from '../ui.js';
import { reasonWords } from './recording_control.js';

export function recordingPlayer() {
  const title = h('h2#player-title', 'Choose a recording');
  const meta = h('p.muted#player-meta', 'Select Play in the list to watch a recording here.');
  const video = h('video#recording-video', { controls: true, playsinline: true, preload: 'auto', hidden: true, 'aria-labelledby': 'player-title' });
  const message = h('div#player-message', { 'aria-live': 'polite' });
  const download = h('a.btn#recording-download', { hidden: true }, 'Download');
  const myPart = h('button.btn.btn-primary#recording-my-part', { type: 'button', hidden: true }, 'Play my part');
  const el = h('section.panel.recording-player', { 'aria-labelledby': 'player-title' },
    title, meta, video, h('div.toolbar-actions', myPart, download), message);
  let objectUrl = null; // the "my part" clip, fetched with the session's credentials
  let seq = 0; // a newer selection wins over a slower older one

  const release = () => {
    video.pause();
    video.removeAttribute('src');
    video.load();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
  };

  video.addEventListener('error', () => {
    if (!video.getAttribute('src')) return;
    message.replaceChildren(notice('error', 'This recording cannot be played here. Try the download.'));
  });

  async function show(rec, label) {
    const mine = ++seq;
    release();
    message.replaceChildren();
    el.dataset.recordingId = rec.id;
    title.textContent = `${label}, ${dateTime(rec.started_at)}`;
    meta.textContent = [
      rec.ended_at ? `until ${clock(rec.ended_at)}` : 'still recording',
      rec.duration_s ? durationWords(rec.duration_s) : null,
      reasonWords(rec.reason),
    ].filter(Boolean).join(' · ');
    video.hidden = false;
    download.hidden = true;
    myPart.hidden = true;
    if (!rec.playable) {
      // The gateway plays a user only their own part of a recording that runs beyond
      // their booking: offer that window as a clip cut on the gateway.
      const from = Math.max(rec.visible_from ?? rec.started_at, rec.started_at);
      const to = Math.min(rec.visible_to ?? rec.ended_at, rec.ended_at ?? rec.visible_to);
      video.hidden = true;
      message.replaceChildren(notice('info', `This recording runs beyond your booking. You can play your part: ${clock(from)}–${clock(to)}.`));
      myPart.hidden = !(to > from);
      myPart.onclick = () => playClip(rec, from, to, label, mine);
      return;
    }
    // A <video> cannot send a header: in token mode the URL carries a recording ticket.
    const [src, dl] = await Promise.all([
      api.mediaUrl(rec.media_url, {}, `recording:${rec.id}`),
      api.mediaUrl(rec.download_url, {}, `recording:${rec.id}`),
    ]);
    if (mine !== seq) return;
    video.src = src;
    download.href = dl;
    download.setAttribute('download', '');
    download.setAttribute('aria-label', `Download the recording of ${label}, ${dateTime(rec.started_at)}`);
    download.hidden = false;
    video.play().catch(() => {}); // autoplay may be refused; the controls remain
  }

  async function playClip(rec, from, to, label, mine) {
    myPart.disabled = true;
    message.replaceChildren(notice('info', 'Cutting your part of the recording…'));
    try {
      const kind = rec.resource_kind ?? rec.resource.split(':')[0];
      const id = rec.resource_id ?? rec.resource.split(':')[1];
      const res = await api.fetchMedia(`/api/${kind}s/${id}/clip?start=${Math.floor(from)}&duration=${Math.ceil(to - from)}`);
      const blob = await res.blob();
      if (mine !== seq) return;
      objectUrl = URL.createObjectURL(blob);
      video.hidden = false;
      video.src = objectUrl;
      download.href = objectUrl;
      download.setAttribute('download', `${label.replace(/[^\w.-]+/g, '-')}-${rec.id}-my-part.mp4`);
      download.hidden = false;
      message.replaceChildren();
      video.play().catch(() => {});
    } catch (e) {
      message.replaceChildren(notice('error', `Your part could not be cut: ${e.message}`));
      toast(`Your part could not be cut: ${e.message}`, 'error', 8000);
    } finally {
      myPart.disabled = false;
    }
  }

  function reset() {
    seq++;
    release();
    delete el.dataset.recordingId;
    title.textContent = 'Choose a recording';
    meta.textContent = 'Select Play in the list to watch a recording here.';
    video.hidden = true;
    download.hidden = true;
    myPart.hidden = true;
    message.replaceChildren();
  }

  return { el, show, reset, release, current: () => el.dataset.recordingId };
}
