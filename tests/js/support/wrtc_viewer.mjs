// A WHEP viewer in Node (npm @roamhq/wrtc, libwebrtc), which decodes what it receives:
// it offers recvonly video, waits for its own candidates (no trickle needed) and POSTs
// the offer to `${baseUrl}${path}`. VP8 only is decoded (wrtc's prebuilt libwebrtc has
// no H.264 decoder).
import wrtc from '@roamhq/wrtc';

const { RTCPeerConnection, nonstandard } = wrtc;

export async function wrtcWhepViewer(baseUrl, path, token) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  const frames = { count: 0, width: 0, height: 0, lastAt: 0 };
  let sink;
  pc.ontrack = (ev) => {
    sink = new nonstandard.RTCVideoSink(ev.track);
    sink.onframe = ({ frame }) => {
      frames.count += 1;
      frames.width = frame.width;
      frames.height = frame.height;
      frames.lastAt = Date.now();
    };
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    setTimeout(resolve, 2000);
  });
  const t0 = Date.now();
  const r = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
    body: pc.localDescription.sdp,
  });
  const answer = await r.text();
  const result = { pc, frames, status: r.status, answer, location: r.headers.get('location'), t0 };
  if (r.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  result.close = () => { sink?.stop(); pc.close(); };
  return result;
}

export const waitFor = async (cond, ms, what) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
