// Registers sw.js (the app shell's offline copy; see sw.js for what it never touches).
// Browsers allow service workers only in secure contexts: https, or http on localhost.
// The path is relative, so the page works at any prefix it is served under.

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch((e) => {
    // The page works without it: no offline shell, notifications through `new Notification`.
    console.warn('service worker not registered:', e.message);
  });
}
