// A Chromium page as viewers of a robot (or of a camera, "camera:<id>") on /signaling: viewerMain runs in the page (through
// page.evaluate) and opens `count` peer connections to a robot; measure reads their
// decoded frames over a window.
// Runs in the page: a viewer that opens `count` peer connections to the robot.
export async function viewerMain({ token, robotId, count }) {
  const ws = new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
  const send = (m) => ws.send(JSON.stringify(m));
  const inbox = [];
  const waiters = [];
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    inbox.push(m);
    for (const w of [...waiters]) w();
  };
  const next = (pred, ms = 10000) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = () => {
      const i = inbox.findIndex(pred);
      if (i >= 0) { const m = inbox.splice(i, 1)[0]; waiters.splice(waiters.indexOf(check), 1); resolve(m); }
      else if (Date.now() - t0 > ms) { waiters.splice(waiters.indexOf(check), 1); reject(new Error(`timeout; got ${JSON.stringify(inbox.map((m) => m.type))}`)); }
    };
    waiters.push(check);
    setTimeout(check, ms + 10);
    check();
  });
  await new Promise((r) => { ws.onopen = r; });
  window.viewers = [];
  for (let n = 0; n < count; n++) {
    // One signaling connection per viewer: the gateway routes by peer id.
    const vws = n === 0 ? ws : new WebSocket(`ws://${location.host}/signaling?access_token=${encodeURIComponent(token)}`);
    const vinbox = n === 0 ? null : [];
    if (n > 0) {
      await new Promise((r) => { vws.onopen = r; });
      vws.onmessage = (ev) => vinbox.push(JSON.parse(ev.data));
    }
    const vsend = (m) => vws.send(JSON.stringify(m));
    const vnext = n === 0 ? next : (pred, ms = 10000) => new Promise((resolve, reject) => {
      const t0 = Date.now();
      const t = setInterval(() => {
        const i = vinbox.findIndex(pred);
        if (i >= 0) { clearInterval(t); resolve(vinbox.splice(i, 1)[0]); }
        else if (Date.now() - t0 > ms) { clearInterval(t); reject(new Error('timeout')); }
      }, 10);
    });
    vsend({ type: 'register', userId: 'viewer', userType: 'viewer' });
    await vnext((m) => m.type === 'registered');
    // Robots are announced; a camera ("camera:<id>") is the gateway's and always there.
    if (!robotId.startsWith('camera:')) await vnext((m) => m.type === 'robot-online' && m.robotId === robotId);
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.onicecandidate = (e) => { if (e.candidate) vsend({ type: 'ice-candidate', to: robotId, candidate: e.candidate.toJSON() }); };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const t0 = performance.now();
    vsend({ type: 'offer', to: robotId, offer: { type: offer.type, sdp: offer.sdp } });
    const answer = await vnext((m) => m.type === 'answer');
    await pc.setRemoteDescription(answer.answer);
    const pump = setInterval(async () => {
      // Take the candidates out first: the queue changes while we await.
      const q = n === 0 ? inbox : vinbox;
      const found = [];
      for (let i = q.length - 1; i >= 0; i--) if (q[i].type === 'ice-candidate') found.unshift(q.splice(i, 1)[0]);
      for (const m of found) await pc.addIceCandidate(m.candidate).catch(() => {});
    }, 10);
    const v = { pc, t0, pump, answerSdp: answer.answer.sdp };
    window.viewers.push(v);
  }
  // First decoded frame of viewer 0.
  const stats = async (pc) => {
    const r = await pc.getStats();
    let s = null;
    r.forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') s = x; });
    let codec = '';
    if (s?.codecId) codec = r.get(s.codecId)?.mimeType ?? '';
    return { frames: s?.framesDecoded ?? 0, width: s?.frameWidth ?? 0, height: s?.frameHeight ?? 0, codec, lost: s?.packetsLost ?? 0 };
  };
  const v0 = window.viewers[0];
  const deadline = performance.now() + 15000;
  while ((await stats(v0.pc)).frames === 0) {
    if (performance.now() > deadline) throw new Error('no frame decoded in 15 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const firstFrameMs = Math.round(performance.now() - v0.t0);
  await new Promise((r) => setTimeout(r, 1000));
  window.viewerStats = stats;
  return { firstFrameMs, answerSdp: v0.answerSdp };
}

export async function measure(page, ms) {
  return page.evaluate(async (ms) => {
    const before = await Promise.all(window.viewers.map((v) => window.viewerStats(v.pc)));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const after = await Promise.all(window.viewers.map((v) => window.viewerStats(v.pc)));
    const secs = (performance.now() - t0) / 1000;
    return after.map((a, i) => ({ ...a, fps: (a.frames - before[i].frames) / secs }));
  }, ms);
}
