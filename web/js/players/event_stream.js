// A camera's or robot's live events (GET /api/{kind}s/{id}/events, Server-Sent Events):
// analysis results, alerts, camera-state changes, hello, session-expiring and
// session-ended. EventSource cannot send a header, so the URL carries the credential the
// other streams use (the session cookie, or a ?ticket= in token mode: api.mediaUrl).
import * as api from '../api.js';

/**
 * Opens the stream and calls onEvent(json) for each event. The browser reconnects by
 * itself after a dropped connection; when it gives up (an HTTP error: the ticket is spent,
 * access was refused) a new URL is asked for after `retryMs`. session-ended closes it for
 * good. onOpen / onDown tell the caller whether events are flowing.
 */
export function openEventStream(kind, id, { onEvent, onOpen = () => {}, onDown = () => {}, retryMs = 3000 } = {}) {
  let es = null;
  let closed = false;
  let timer = null;

  const connect = async () => {
    if (closed) return;
    let url;
    try {
      url = await api.mediaUrl(`/api/${kind}s/${id}/events`, {}, `${kind}:${id}`);
    } catch {
      timer = setTimeout(connect, retryMs);
      return;
    }
    if (closed) return;
    es = new EventSource(url, { withCredentials: true });
    es.onopen = () => onOpen();
    es.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      if (ev.type === 'session-ended') close();
      onEvent(ev);
    };
    es.onerror = () => {
      onDown();
      if (es.readyState === EventSource.CLOSED && !closed) {
        es = null;
        timer = setTimeout(connect, retryMs);
      }
    };
  };

  function close() {
    closed = true;
    clearTimeout(timer);
    es?.close();
    es = null;
  }

  connect();
  return { close, isOpen: () => es?.readyState === EventSource.OPEN };
}
