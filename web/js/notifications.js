// System notifications for a page in the background: "your session ends at 14:30".
// Opt-in only: permission is asked when the person presses the top bar's Notifications
// button, never on its own. While the page is visible the booking bar's warning is
// enough, so nothing is shown then. The choice to turn them off lasts until the page is
// reloaded (the page keeps nothing in web storage).

let enabled = false;
const shown = new Map(); // resource -> ends_at last notified (several streams carry the warning)

const supported = () => 'Notification' in window && window.isSecureContext;

/** Wires the top bar's button (index.html #notifications). */
export function setupNotifications(button) {
  if (!button || !supported()) return;
  enabled = Notification.permission === 'granted';
  const render = () => {
    const denied = Notification.permission === 'denied';
    const on = enabled && !denied;
    button.hidden = false;
    button.disabled = denied;
    button.setAttribute('aria-pressed', String(on));
    // The state in words too (not colour alone); the name stays "Notifications", since
    // aria-pressed already tells a screen reader whether it is on.
    const state = document.createElement('span');
    state.setAttribute('aria-hidden', 'true');
    state.textContent = denied ? 'blocked' : on ? 'on' : 'off';
    button.replaceChildren('Notifications ', state);
    button.title = denied
      ? 'Notifications are blocked in this browser\'s site settings.'
      : enabled
        ? 'On: a system notification when a session is about to end while this page is in the background. Press to turn off.'
        : 'Press to get a system notification when a session is about to end while this page is in the background.';
  };
  button.addEventListener('click', async () => {
    if (enabled) {
      enabled = false;
    } else {
      // Asked here, in answer to the press, as browsers require.
      const p = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
      enabled = p === 'granted';
    }
    render();
  });
  render();
}

/**
 * The gateway's session-expiring warning for `resource` ("camera:3"), ending at `endsAt`
 * (unix seconds). Shows a notification only when the person asked for them, the page is
 * hidden, and this warning was not shown already.
 */
export async function notifySessionExpiring({ resource, name, endsAt }) {
  if (!enabled || !supported() || Notification.permission !== 'granted' || !document.hidden) return;
  if (shown.get(resource) === endsAt) return;
  shown.set(resource, endsAt);
  // `name` may be a promise: a page opened a moment ago may not have loaded the name yet.
  const label = await name;
  const at = endsAt ? new Date(endsAt * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false }) : null;
  const title = `${label ?? resource}: your session ends${at ? ` at ${at}` : ' soon'}`;
  const options = {
    body: 'The stream stops then. Extend the booking or finish up.',
    tag: `camgate-session-${resource}`, // a later warning replaces this one
    icon: new URL('icons/icon-192.png', document.baseURI).href,
    data: { url: location.href },
  };
  try {
    // Through the service worker where there is one: its notificationclick focuses the page.
    const reg = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : null;
    if (reg?.active) {
      await reg.showNotification(title, options);
      return;
    }
    const n = new Notification(title, options);
    n.onclick = () => { window.focus(); n.close(); };
  } catch (e) {
    console.warn('notification not shown:', e);
  }
}
