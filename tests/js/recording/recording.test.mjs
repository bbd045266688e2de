// Recordings end to end: the real gateway records camsim's stream to files that ffprobe
// reads; the API lists, plays (HTTP Range), downloads and cuts them with the booking
// policy; a kill -9 leaves a file that plays; rclone offloads to an s3rver the test
// starts, and an offloaded recording still plays after its local copy is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGateway, startCamsim, ADMIN, USER, waitFor } from '../support/gateway.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hasFfprobe = spawnSync('ffprobe', ['-version']).status === 0;
const hasRclone = spawnSync('rclone', ['version']).status === 0;

// ffprobe's count of decodable frames and the duration of an MP4 file.
function probe(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=nb_read_frames,codec_name,width,height:format=duration', '-of', 'json', file],
  { encoding: 'utf8' });
  assert.equal(r.status, 0, `ffprobe ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return { frames: Number(j.streams[0].nb_read_frames), codec: j.streams[0].codec_name,
    width: j.streams[0].width, height: j.streams[0].height, duration: Number(j.format.duration) };
}

async function addCamera(gw, cam, name = 'Chair 1') {
  const r = await gw.api('POST', '/api/cameras', { token: gw.adminToken, body: { name, ip_address: '127.0.0.1', port: cam.port } });
  assert.equal(r.status, 201, r.text);
  return r.json.camera.id;
}

async function camsimFrames(cam) {
  return (await (await fetch(`${cam.url}/camsim/stats`)).json()).frames_sent;
}

async function download(gw, id, token, file) {
  const r = await fetch(`${gw.url}/api/recordings/${id}/download`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, await r.clone().text());
  assert.match(r.headers.get('content-disposition'), /attachment; filename="camera-\d+-\d{8}T\d{6}Z\.mp4"/);
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  return file;
}

let cam;
let work;
before(async () => {
  cam = await startCamsim([], { resolution: '640x480', fps: 15 });
  work = mkdtempSync(path.join(tmpdir(), 'camgate-rec-'));
});
after(async () => {
  await cam?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a recording on demand holds what the camera sent, plays with Range and downloads as MP4', { skip: !hasFfprobe && 'ffprobe (Debian ffmpeg) is missing' }, async () => {
  const gw = await startGateway();
  try {
    const id = await addCamera(gw, cam);
    // The camera streams before the recording starts, so every picture counts.
    await waitFor('the camera', async () => (await gw.api('GET', `/api/cameras/${id}/snapshot`, { token: gw.adminToken })).status === 200);
    const start = await gw.api('POST', `/api/cameras/${id}/recordings`, { token: gw.adminToken });
    const sent0 = await camsimFrames(cam);
    assert.equal(start.status, 201, start.text);
    const rec = start.json.recording;
    assert.equal(rec.state, 'recording');
    assert.equal(rec.reason, 'demand');
    assert.equal(start.headers.get('location'), `/api/recordings/${rec.id}`);
    const again = await gw.api('POST', `/api/cameras/${id}/recordings`, { token: gw.adminToken });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.json.success, false);
    const state = await gw.api('GET', `/api/cameras/${id}/recording`, { token: gw.adminToken });
    assert.equal(state.json.recording, true);
    assert.equal(state.json.current.id, rec.id);
    await sleep(6000);
    const sent1 = await camsimFrames(cam);
    const stop = await gw.api('DELETE', `/api/cameras/${id}/recordings/current`, { token: gw.adminToken });
    assert.equal(stop.status, 200, stop.text);
    const done = stop.json.recording;
    assert.equal(done.state, 'complete');
    assert.ok(!('path' in done), 'no machine path in the API');
    const sent = sent1 - sent0;
    assert.ok(Math.abs(done.frames - sent) <= Math.max(2, sent * 0.02), `recorded ${done.frames} of ${sent} sent`);

    const file = await download(gw, rec.id, gw.adminToken, path.join(work, 'demand.mp4'));
    const p = probe(file);
    assert.equal(p.codec, 'h264');
    assert.deepEqual([p.width, p.height], [640, 480]);
    assert.ok(Math.abs(p.frames - done.frames) <= Math.max(1, done.frames * 0.02), `ffprobe ${p.frames} frames, row ${done.frames}`);
    assert.ok(Math.abs(p.duration - 6) < 0.8, `duration ${p.duration}`);

    // Range requests, as a player makes them.
    const media = `${gw.url}/api/recordings/${rec.id}/media`;
    const auth = { Authorization: `Bearer ${gw.adminToken}` };
    const part = await fetch(media, { headers: { ...auth, Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${done.bytes}`);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const tail = await fetch(media, { headers: { ...auth, Range: 'bytes=-50' } });
    assert.equal(tail.status, 206);
    assert.equal((await tail.arrayBuffer()).byteLength, 50);
    const outside = await fetch(media, { headers: { ...auth, Range: `bytes=${done.bytes + 10}-` } });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get('content-range'), `bytes */${done.bytes}`);
    assert.equal((await outside.json()).success, false);

    // One audit row per play and per download, not per range.
    const audit = await gw.api('GET', '/api/audit?protocol=recording-play', { token: gw.adminToken });
    assert.equal(audit.json.entries.length, 0, 'ranges from the middle are not new plays');
    await (await fetch(media, { headers: { ...auth, Range: 'bytes=0-' } })).arrayBuffer();
    // Written beside the answer: it may come a moment after it.
    const audited = (protocol) => waitFor(`a ${protocol} audit row`, async () => {
      const r = await gw.api('GET', `/api/audit?protocol=${protocol}`, { token: gw.adminToken });
      return r.json.entries.length ? r.json.entries : null;
    });
    const plays = await audited('recording-play');
    assert.equal(plays.length, 1);
    assert.equal(plays[0].end_reason, `recording ${rec.id}`);
    assert.equal((await audited('recording-download')).length, 1);

    // A clip cut across the file: H.264 copied, a standard MP4.
    const clip = await fetch(`${gw.url}/api/cameras/${id}/clip?start=${done.started_at + 1}&duration=3`, { headers: auth });
    assert.equal(clip.status, 200, await clip.clone().text());
    const clipFile = path.join(work, 'clip.mp4');
    writeFileSync(clipFile, Buffer.from(await clip.arrayBuffer()));
    const c = probe(clipFile);
    assert.equal(c.codec, 'h264');
    assert.ok(c.duration > 2 && c.duration < 5, `clip of ${c.duration} s`);
    assert.equal(readdirSync(path.join(gw.dataDir, 'recordings', '.clips')).length, 0, 'the clip file does not stay');

    for (const [q, why] of [['resource=printer:1', /resource must be/], ['from=yesterday', /from must be/], ['state=lost', /state must be/]]) {
      const bad = await gw.api('GET', `/api/recordings?${q}`, { token: gw.adminToken });
      assert.equal(bad.status, 400, q);
      assert.match(bad.json.error, why);
    }
  } finally {
    await gw.stop();
  }
});

test('bookings: a booking records its run, its user sees it and nobody else does', async () => {
  const gw = await startGateway({ config: '\n[recording]\npolicy = "bookings"\n' });
  try {
    const id = await addCamera(gw, cam);
    const bob = await gw.api('POST', '/api/users', { token: gw.adminToken, body: { username: 'bob', password: 'bob-password-1', role: 'user' } });
    assert.equal(bob.status, 201, bob.text);
    const bobToken = await gw.login({ username: 'bob', password: 'bob-password-1' });
    const now = Math.floor(Date.now() / 1000);
    const me = await gw.api('GET', '/auth/me', { token: gw.userToken });
    const booking = await gw.api('POST', '/api/bookings', { token: gw.adminToken, body: { user_id: me.json.user.id, resource: `camera:${id}`, starts_at: now - 5, ends_at: now + 4 } });
    assert.equal(booking.status, 201, booking.text);
    // The user's REC indicator: their camera records now.
    const state = await waitFor('the booking recording', async () => {
      const r = await gw.api('GET', `/api/cameras/${id}/recording`, { token: gw.userToken });
      return r.json.recording ? r : null;
    });
    assert.equal(state.json.policy, 'bookings');
    assert.equal(state.json.current.reason, 'booking');
    assert.equal(state.json.current.booking_id, booking.json.booking.id);
    // Bob has no booking: not even the indicator.
    assert.equal((await gw.api('GET', `/api/cameras/${id}/recording`, { token: bobToken })).status, 403);
    // The booking ends: so does its recording.
    const row = await waitFor('the recording to end', async () => {
      const r = await gw.api('GET', '/api/recordings', { token: gw.adminToken });
      const done = r.json.recordings.find((x) => x.state === 'complete');
      return done;
    }, 12000);
    assert.equal(row.booking_id, booking.json.booking.id);
    assert.equal(row.user_id, me.json.user.id);
    assert.ok(row.ended_at <= now + 6, `ended ${row.ended_at - now} s after the booking's start`);

    const mine = await gw.api('GET', '/api/recordings', { token: gw.userToken });
    assert.deepEqual(mine.json.recordings.map((r) => r.id), [row.id]);
    assert.equal(mine.json.recordings[0].playable, true);
    const media = await fetch(`${gw.url}/api/recordings/${row.id}/media`, { headers: { Authorization: `Bearer ${gw.userToken}` } });
    assert.equal(media.status, 200);

    const theirs = await gw.api('GET', '/api/recordings', { token: bobToken });
    assert.deepEqual(theirs.json.recordings, []);
    for (const p of [`/api/recordings/${row.id}`, `/api/recordings/${row.id}/media`, `/api/recordings/${row.id}/download`]) {
      const r = await gw.api('GET', p, { token: bobToken });
      assert.equal(r.status, 403, p);
      assert.equal(r.json.success, false);
      assert.match(r.json.error, /was not made during one of your bookings/);
    }
    const clip = await gw.api('GET', `/api/cameras/${id}/clip?start=${row.started_at}&duration=2`, { token: bobToken });
    assert.equal(clip.status, 403);
    assert.match(clip.json.error, /not inside one of your bookings/);
    // Only admins delete; every deletion is audited.
    assert.equal((await gw.api('DELETE', `/api/recordings/${row.id}`, { token: gw.userToken })).status, 403);
    assert.equal((await gw.api('DELETE', `/api/recordings/${row.id}`, { token: gw.adminToken })).status, 200);
    assert.equal((await gw.api('GET', `/api/recordings/${row.id}`, { token: gw.adminToken })).status, 404);
    const deletions = await gw.api('GET', '/api/audit?protocol=recording-delete', { token: gw.adminToken });
    assert.equal(deletions.json.entries.length, 1);
  } finally {
    await gw.stop();
  }
});

test('a recording ticket opens one recording for a player, nothing else', async () => {
  const gw = await startGateway();
  try {
    const id = await addCamera(gw, cam);
    const start = await gw.api('POST', `/api/cameras/${id}/recordings`, { token: gw.adminToken });
    assert.equal(start.status, 201, start.text);
    await sleep(1500);
    const rec = (await gw.api('DELETE', `/api/cameras/${id}/recordings/current`, { token: gw.adminToken })).json.recording;
    const t = await gw.api('POST', '/auth/stream-ticket', { token: gw.adminToken, body: { resource: `recording:${rec.id}` } });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.expires_in > 600, `a player's ticket lasts (${t.json.expires_in} s)`);
    const ok = await fetch(`${gw.url}/api/recordings/${rec.id}/media?ticket=${t.json.ticket}`, { headers: { Range: 'bytes=0-9' } });
    assert.equal(ok.status, 206);
    const other = await fetch(`${gw.url}/api/cameras/${id}/snapshot?ticket=${t.json.ticket}`);
    assert.equal(other.status, 401);
    const user = await gw.api('POST', '/auth/stream-ticket', { token: gw.userToken, body: { resource: `recording:${rec.id}` } });
    assert.equal(user.status, 403, 'a user gets no ticket for a recording outside their bookings');
  } finally {
    await gw.stop();
  }
});

test('kill -9 while recording leaves a file that plays to its last second', { skip: !hasFfprobe && 'ffprobe (Debian ffmpeg) is missing' }, async () => {
  let gw = await startGateway();
  const dataDir = gw.dataDir;
  try {
    const id = await addCamera(gw, cam);
    const start = await gw.api('POST', `/api/cameras/${id}/recordings`, { token: gw.adminToken });
    assert.equal(start.status, 201, start.text);
    const startedAt = Date.now();
    await sleep(4000);
    const killedAfter = (Date.now() - startedAt) / 1000;
    await gw.kill();
    gw = await startGateway({ dataDir });
    const row = (await gw.api('GET', `/api/recordings/${start.json.recording.id}`, { token: gw.adminToken })).json.recording;
    assert.equal(row.state, 'complete', 'the start-up scan ended the row from its file');
    const file = await download(gw, row.id, gw.adminToken, path.join(work, 'killed.mp4'));
    const p = probe(file);
    assert.equal(p.codec, 'h264');
    assert.ok(p.duration >= killedAfter - 1.5, `${p.duration} s kept of ${killedAfter} s recorded`);
    assert.ok(Math.abs(p.frames - row.frames) <= 1, `ffprobe ${p.frames}, row ${row.frames}`);
  } finally {
    await gw.stop();
  }
});

test('offload: rclone copies each recording to S3 (s3rver) and an offloaded one still plays', { skip: !hasRclone && 'rclone is missing' }, async () => {
  const s3dir = path.join(work, 's3');
  const s3 = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'support', 's3rver_main.mjs'), s3dir, 'camgate'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    s3.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    s3.once('exit', (code) => reject(new Error(`s3rver exited ${code}`)));
  });
  // rclone's remote "s3" from the environment only; Debian's rclone refuses AWS_CA_BUNDLE.
  const env = {
    RCLONE_CONFIG: path.join(work, 'rclone.conf'), RCLONE_CONFIG_S3_TYPE: 's3', RCLONE_CONFIG_S3_PROVIDER: 'Other',
    RCLONE_CONFIG_S3_ENDPOINT: `http://127.0.0.1:${port}`, RCLONE_CONFIG_S3_ACCESS_KEY_ID: 'S3RVER',
    RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: 'S3RVER', RCLONE_CONFIG_S3_FORCE_PATH_STYLE: 'true',
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  delete process.env.AWS_CA_BUNDLE;
  let gw;
  try {
    gw = await startGateway({ config: `
[recording]
on_complete = "rclone copyto {path} s3:camgate/{resource}/{id}.mp4"
remote_url = "s3:camgate/{resource}/{id}.mp4"
fetch_command = "rclone copyto {remote} {path}"
delete_after_offload = true
` });
    const id = await addCamera(gw, cam);
    const start = await gw.api('POST', `/api/cameras/${id}/recordings`, { token: gw.adminToken });
    assert.equal(start.status, 201, start.text);
    await sleep(2000);
    const done = (await gw.api('DELETE', `/api/cameras/${id}/recordings/current`, { token: gw.adminToken })).json.recording;
    const row = await waitFor('the offload', async () => {
      const r = (await gw.api('GET', `/api/recordings/${done.id}`, { token: gw.adminToken })).json.recording;
      return r.state === 'offloaded' ? r : null;
    }, 15000);
    assert.equal(row.offloaded, true);
    const local = path.join(gw.dataDir, 'recordings', `camera-${id}`, row.file);
    assert.equal(existsSync(local), false, 'the local copy is gone');
    // Played through the API: fetched back from S3 first.
    const media = await fetch(`${gw.url}/api/recordings/${row.id}/download`, { headers: { Authorization: `Bearer ${gw.adminToken}` } });
    assert.equal(media.status, 200, await media.clone().text());
    assert.equal((await media.arrayBuffer()).byteLength, done.bytes);
    assert.equal(existsSync(local), true, 'fetched back');
  } finally {
    await gw?.stop();
    process.env = saved;
    s3.kill('SIGTERM');
  }
});
