// Bookings of one resource, as the gateway counts them: overlapping or touching
// bookings of one user make one window.

/** { active: {starts_at, ends_at} | null, next: booking | null } at `now` (unix s). */
export function bookingWindow(bookings, resource, now = Date.now() / 1000) {
  const mine = bookings
    .filter((b) => b.resource === resource)
    .sort((a, b) => a.starts_at - b.starts_at);
  let active = null;
  for (const b of mine) {
    if (!active) {
      if (b.starts_at <= now && now < b.ends_at) active = { starts_at: b.starts_at, ends_at: b.ends_at };
    } else if (b.starts_at <= active.ends_at && b.ends_at > active.ends_at) {
      active.ends_at = b.ends_at; // continues the window
    }
  }
  const next = active ? null : mine.find((b) => b.starts_at > now) ?? null;
  return { active, next };
}

export function resourceLabel(resource, cameras = [], robots = []) {
  const [kind, id] = String(resource).split(':');
  if (kind === 'camera') {
    const c = cameras.find((x) => String(x.id) === id);
    return c ? c.name : `Camera ${id}`;
  }
  if (kind === 'robot') {
    const r = robots.find((x) => String(x.id) === id);
    return r ? r.name : `Robot ${id}`;
  }
  return resource;
}
