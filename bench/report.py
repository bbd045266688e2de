"""Writes docs/benchmarks.md (markdown tables) and its plots (gnuplot, PNG) from the
JSON bench/run produced. Peers are compared with camgate as ratios: peer ÷ camgate."""
import json
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import report_cameras
import report_cluster

REPO = Path(__file__).resolve().parent.parent
NAMES = {"camgate": "camgate", "mjpeg-proxy": "npm mjpeg-proxy", "motion": "motion"}


def portable_command(command):
    """The command as typed, with its absolute paths made relative to the repository: the
    page is read in other checkouts, where this machine's paths mean nothing. A build
    folder outside the repository becomes `build` (bench/run's default); other paths
    outside it keep only their file name."""
    words = shlex.split(command)
    build = None
    for i, w in enumerate(words):
        if w == "--build-dir" and i + 1 < len(words):
            build = words[i + 1]
        elif w.startswith("--build-dir="):
            build = w.split("=", 1)[1]

    def portable(path):
        if not path.startswith("/"):
            return path
        p = Path(path)
        for root, shown in ((REPO, None), (Path(build) if build else None, Path("build"))):
            if root is None or not root.is_absolute():
                continue
            try:
                rel = p.relative_to(root)
            except ValueError:
                continue
            return str(shown / rel if shown else rel) if str(rel) != "." else str(shown or ".")
        return p.name

    out = []
    for w in words:
        if w.startswith("--") and "=" in w:
            opt, value = w.split("=", 1)
            out.append(f"{opt}={portable(value)}")
        else:
            out.append(portable(w))
    return " ".join(shlex.quote(w) for w in out)


def num(v, digits=1):
    if v is None:
        return "–"
    if isinstance(v, float) and v != v:  # NaN
        return "–"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def ratio(peer, base):
    if peer is None or base in (None, 0):
        return "–"
    return f"{peer / base:.2f}×"


def latency_of(g):
    """A group's latency, or None when its frames carried no capture time (motion)."""
    lat = g.get("latency_ms") or {}
    return lat if lat.get("samples") else None


def by_server(runs):
    out = {}
    for r in runs:
        out.setdefault(r["server"], []).append(r)
    return out


# ---------------------------------------------------------------- tables

def by_step(runs):
    """(viewers, server name, run, camgate's run at that step) in step and NAMES order."""
    for n in sorted({r["all"]["viewers"] for r in runs}):
        at = {r["server"]: r for r in runs if r["all"]["viewers"] == n}
        for name in NAMES:
            if name in at:
                yield n, name, at[name], at.get("camgate")


def fanout_table(runs, min_fps=29):
    rows = [f"| viewers | server | viewers at ≥ {min_fps:g} fps | fps min / p50 | latency p50 / p99 ms | "
            "server CPU % | CPU ÷ camgate | server RSS MB | RSS ÷ camgate | errors |",
            "|---:|---|---:|---|---|---:|---:|---:|---:|---:|"]
    for n, name, r, base in by_step(runs):
        g = r["all"]
        lat = latency_of(g)
        cpu = r["gateway"]["cpu_percent"]
        rss = r["gateway"]["rss_max_kb"] / 1024
        rows.append(
            f"| {n} | {NAMES[name]} | {g['viewers_ge_min_fps']} | "
            f"{num(g['fps_per_viewer']['min'])} / {num(g['fps_per_viewer']['p50'])} | "
            + (f"{num(lat['p50'])} / {num(lat['p99'])}" if lat else "no stamp")
            + f" | {num(cpu)} | {'' if name == 'camgate' else ratio(cpu, base and base['gateway']['cpu_percent'])} | "
            f"{num(rss)} | {'' if name == 'camgate' else ratio(rss, base and base['gateway']['rss_max_kb'] / 1024)} | "
            f"{r['errors'] + r['disconnects']} |")
    return "\n".join(rows)


def rx_table(runs):
    """The fan-out runs sampled with --profile-rx: each server's CPU without the viewers'
    loopback receive work, which its softirq runs on one host."""
    runs = [r for r in runs if r["gateway"].get("rx_share") is not None]
    if not runs:
        return None
    rows = ["| viewers | server | CPU % | of it, viewers' receive path | CPU % without it | ÷ camgate | samples |",
            "|---:|---|---:|---:|---:|---:|---:|"]
    for n, name, r, base in by_step(runs):
        g = r["gateway"]
        rows.append(f"| {n} | {NAMES[name]} | {num(g['cpu_percent'])} | {g['rx_share'] * 100:.0f} % | "
                    f"{num(g['cpu_percent_without_rx'])} | "
                    f"{'' if name == 'camgate' else ratio(g['cpu_percent_without_rx'], base and base['gateway'].get('cpu_percent_without_rx'))} | "
                    f"{g['rx_samples']} |")
    return "\n".join(rows)


def slow_table(runs):
    rows = ["| server | fast viewers: fps min | fast p99 latency ms | slow viewers: fps p50 | "
            "slow latency max ms | server RSS MB | queued in sockets MB | server CPU % | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        f, s = r["fast"], r["slow"]
        fl, sl = latency_of(f), latency_of(s)
        rows.append(f"| {NAMES[r['server']]} | {num(f['fps_per_viewer']['min'])} | "
                    f"{num(fl['p99']) if fl else 'no stamp'} | {num(s['fps_per_viewer']['p50'])} | "
                    f"{num(sl['max']) if sl else 'no stamp'} | {num(r['gateway']['rss_max_kb'] / 1024)} | "
                    f"{num(r['gateway']['socket_queued_max_kb'] / 1024)} | {num(r['gateway']['cpu_percent'])} | "
                    f"{r['errors'] + r['disconnects']} |")
    return "\n".join(rows)


def ws_table(runs):
    rows = ["| camgate WebSocket | viewers at ≥ 29 fps | latency p50 / p99 ms | gateway CPU % | "
            "viewers' CPU % | MB/s delivered |", "|---|---:|---|---:|---:|---:|"]
    for r in runs:
        g = r["all"]
        rows.append(f"| {r['mode']} | {g['viewers_ge_min_fps']} of {g['viewers']} | "
                    f"{num(g['latency_ms']['p50'])} / {num(g['latency_ms']['p99'])} | "
                    f"{num(r['gateway']['cpu_percent'])} | {num(r['client']['cpu_percent'])} | "
                    f"{num(g.get('mbyte_per_s'))} |")
    return "\n".join(rows)


def snapshot_table(runs):
    rows = ["| server | snapshots/s (10 clients) | ÷ camgate | latency p50 / p99 ms | picture age p50 ms | "
            "watchers' fps min | server CPU % |", "|---|---:|---:|---|---:|---:|---:|"]
    base = next((r for r in runs if r["server"] == "camgate"), None)
    for r in runs:
        bg = r.get("background", {})
        age = latency_of({"latency_ms": r.get("frame_age_ms")}) or {}
        rows.append(f"| {NAMES[r['server']]} | {num(r['requests_per_s'], 0)} | "
                    f"{'' if r['server'] == 'camgate' else ratio(r['requests_per_s'], base and base['requests_per_s'])} | "
                    f"{num(r['latency_ms']['p50'], 2)} / {num(r['latency_ms']['p99'], 2)} | "
                    f"{num(age.get('p50')) if age.get('p50') is not None else 'no stamp'} | "
                    f"{num(bg.get('fps_min'))} ({bg.get('viewers', '–')} watching) | "
                    f"{num(r['gateway']['cpu_percent'])} |")
    return "\n".join(rows)


def reconnect_table(runs):
    rows = ["| server | outages | camera back → first fresh frame at a viewer: median | slowest | "
            "viewer had to reconnect |", "|---|---:|---:|---:|---|"]
    for r in runs:
        t = f"{num(r['reconnect_ms'], 0)} ms" if r["reconnect_ms"] is not None else \
            f"none within {num(r['timed_out_after_s'], 0)} s"
        # Runs saved before --outages measured one outage: its time is also the slowest.
        worst = r.get("reconnect_ms_max", r["reconnect_ms"])
        rows.append(f"| {NAMES[r['server']]} | {r.get('outages', 1)} | {t} | "
                    f"{'–' if worst is None else f'{num(worst, 0)} ms'} | "
                    f"{'yes' if r['viewer_reconnected'] else 'no'} |")
    return "\n".join(rows)


def cut_table(c):
    d = c["deadline_to_close_ms"]
    codes = ", ".join(f"{k}: {v}" for k, v in c.get("close_codes", {}).items())
    return "\n".join([
        "| streams | closed | closed early | still open | close codes | p50 | p90 | p99 | max |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        f"| {c['streams']} | {c['closed']} | {c['closed_before_deadline']} | {c['still_open']} | {codes} | "
        f"{num(d['p50'], 0)} ms | {num(d['p90'], 0)} ms | {num(d['p99'], 0)} ms | {num(d['max'], 0)} ms |"])


def signaling_table(s):
    res = s.get("results", {})
    c, f = res.get("camgate", {}), res.get("reference", {})
    rows = ["| | camgate | Node socket.io 4.8 relay | camgate ÷ relay |", "|---|---:|---:|---:|"]

    def row(label, a, b, digits=1):
        rows.append(f"| {label} | {num(a, digits)} | {num(b, digits)} | {ratio(a, b)} |")

    steps = sorted({st["attempted"] for side in (c, f) for st in side.get("connections", {}).get("steps", [])})
    for n in steps:
        cs = next((x for x in c.get("connections", {}).get("steps", []) if x["attempted"] == n), {})
        fs = next((x for x in f.get("connections", {}).get("steps", []) if x["attempted"] == n), {})
        row(f"{n} connections: held", cs.get("connected"), fs.get("connected"), 0)
        row(f"{n} connections: KB of server RSS per connection", cs.get("rss_kb_per_connection"),
            fs.get("rss_kb_per_connection"))
        row(f"{n} connections: server CPU per connect, ms", cs.get("server_cpu_ms_per_connect"),
            fs.get("server_cpu_ms_per_connect"), 2)
    cl, fl = c.get("latency", {}), f.get("latency", {})
    if cl or fl:
        rate = cl.get("rate_per_s") or fl.get("rate_per_s")
        row(f"relay at {rate} msg/s: round trip p50, ms", cl.get("rtt_ms", {}).get("p50"),
            fl.get("rtt_ms", {}).get("p50"), 2)
        row(f"relay at {rate} msg/s: round trip p99, ms", cl.get("rtt_ms", {}).get("p99"),
            fl.get("rtt_ms", {}).get("p99"), 2)
        row(f"relay at {rate} msg/s: server CPU, % of a core", cl.get("server_cpu_percent"),
            fl.get("server_cpu_percent"))
        row(f"relay at {rate} msg/s: lost messages", cl.get("lost"), fl.get("lost"), 0)
    return "\n".join(rows)


def robot_tables(runs):
    """Glass-to-glass P2P vs relay, then the robot's upload per viewer count."""
    g2g = {r["media_mode"]: r["g2g"] for r in runs if "g2g" in r}
    p, rl, warm = g2g.get("p2p", {}), g2g.get("relay", {}), g2g.get("relay-warm", {})
    rows = ["| one Chromium viewer | P2P | relay | relay − P2P | relay, upstream kept warm |",
            "|---|---:|---:|---:|---:|"]

    def row(label, get, digits=0, unit=" ms"):
        a, b, w = get(p), get(rl), get(warm)
        diff = f"{b - a:+.{digits}f}{unit}" if a is not None and b is not None else "–"
        cell = lambda v: f"{num(v, digits)}{unit if v is not None else ''}"  # noqa: E731
        rows.append(f"| {label} | {cell(a)} | {cell(b)} | {diff} | {cell(w)} |")

    for pc in ("p50", "p95", "p99"):
        row(f"glass-to-glass {pc}", lambda x, pc=pc: (x.get("g2g_ms") or {}).get(pc), 1)
    row("click to first frame", lambda x: x.get("click_to_first_frame_ms"))
    row("offer to first frame", lambda x: x.get("offer_to_first_frame_ms"))
    row("frames shown per second", lambda x: x.get("shown_fps"), 1, "")
    row("stamps read", lambda x: (x.get("g2g_ms") or {}).get("n"), 0, "")
    row("frames whose stamp was unreadable", lambda x: x.get("stamp_misses"), 0, "")
    up = ["| viewers | mode | robot upload, Mbit/s | robot's peers | gateway CPU, % of a core | "
          "gateway CPU per viewer | robot CPU | first viewer fps | errors |",
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted((r for r in runs if "g2g" not in r), key=lambda r: (r["viewers"], r["media_mode"])):
        if "skipped" in r:
            up.append(f"| {r['viewers']} | {r['media_mode']} | {r['skipped']} | | | | | | |")
            continue
        c = r["cpu_percent"]
        up.append(f"| {r['viewers']} | {r['media_mode']} | {num(r['robot_upload_kbit_s'] / 1000, 2)} | "
                  f"{r['robot_peers']} | {num(c['gateway'])} | {num(c['gateway'] / r['viewers'], 2)} | "
                  f"{num(c['robot'])} | {num(r['first_viewer_fps'])} | {r['errors']} |")
    return "\n".join(rows), "\n".join(up)


def robot_section(data):
    """The "robot" scenario's part of the page (also pasted alone into docs/benchmarks.md)."""
    if not data.get("robot"):
        return []
    g2g, up = robot_tables(data["robot"])
    first = next((r for r in data["robot"] if "picture" in r), {})
    pic, kbps = first.get("picture", ""), first.get("bitrate_kbps", 2500)
    return ["## Robots: P2P against the gateway's relay", "",
            f"`camgate-robot --source test` ({pic}, H.264 x264enc, {kbps} kbit/s) with a fresh gateway "
            "in each mode (`[robots] media = \"p2p\"`: each viewer's peer connection goes to the "
            "robot; `\"relay\"`: the gateway is the robot's one viewer and forwards its RTP; "
            "the last column is relay with `relay_keep_warm = true`, the upstream opened when "
            "the robot registered). "
            "The robot draws each frame's capture time (unix ms) into the picture as a 16 × 4 "
            "barcode (`src/media/frame_stamp.hpp`) right before encoding; a headless Chromium "
            "viewer (`bench/robot/g2g_viewer.mjs`, `/signaling` as the web page) reads it at "
            "`requestVideoFrameCallback` and takes the frame's expected display time minus "
            "the stamp (one host, one clock). Click to first frame: from the viewer opening its "
            "signaling connection to the first frame shown.", "", g2g, "",
            "The robot's upload is what its network sinks sent (SRTP and SRTCP to every peer; "
            "`camgate-robot --stats-file` `bytes_sent`) over the window, with N viewers from "
            "`camgate-whep-viewers --signaling-robot` (webrtcbin peers on `/signaling`, the "
            "first decodes). Everything runs on this one host, so at many P2P viewers the "
            "robot, the gateway and the viewers share its cores.", "", up, ""]


def recording_tables(runs):
    """Viewers only / viewers + recordings / the ffmpeg peer, then playback."""
    ph = {r.get("phase"): r for r in runs}
    a, b, ff = ph.get("viewers", {}), ph.get("recording", {}), ph.get("ffmpeg", {})
    rows_r = ph.get("recording-rows", {})
    n = b.get("cameras") or a.get("cameras") or ff.get("cameras") or 0
    per_cam = (b["gateway_cpu_percent"] - a["gateway_cpu_percent"]) / n if a and b and n else None
    rows = [f"| {n} cameras | viewers only | viewers + {n} recordings | ffmpeg × {n} (peer, no viewers) "
            "| ffmpeg ÷ camgate |", "|---|---:|---:|---:|---:|"]
    rows.append(f"| recorder CPU, % of one core | {num(a.get('gateway_cpu_percent'))} (gateway) | "
                f"{num(b.get('gateway_cpu_percent'))} (gateway) | {num(ff.get('cpu_percent_total'))} | |")
    rows.append(f"| CPU per recorded camera, % of one core | | {num(per_cam)} (the increase ÷ {n}) | "
                f"{num(ff.get('cpu_percent_per_camera'))} | {ratio(ff.get('cpu_percent_per_camera'), per_cam)} |")
    mb = lambda r: r["gateway_rss_max_kb"] / 1024 if r.get("gateway_rss_max_kb") else None  # noqa: E731
    ff_mb = ff["rss_kb_total"] / 1024 if ff.get("rss_kb_total") else None
    rows.append(f"| RSS, MB (gateway: largest; ffmpeg: all at the end) | {num(mb(a))} | {num(mb(b))} | "
                f"{num(ff_mb)} | |")
    rows.append(f"| viewers' fps p50 / min | {num(a.get('fps_p50'))} / {num(a.get('fps_min'))} | "
                f"{num(b.get('fps_p50'))} / {num(b.get('fps_min'))} | – | |")
    rows.append(f"| viewers' latency p99 (worst camera), ms | {num(a.get('latency_p99_ms_max'))} | "
                f"{num(b.get('latency_p99_ms_max'))} | – | |")
    rows.append(f"| disk, MB per minute per camera | | {num(b.get('disk_mb_per_min_per_camera'), 2)} | "
                f"{num(ff.get('disk_mb_per_min_per_camera'), 2)} | "
                f"{ratio(ff.get('disk_mb_per_min_per_camera'), b.get('disk_mb_per_min_per_camera'))} |")
    rows.append(f"| disk, MB per minute, all cameras | | {num(b.get('disk_mb_per_min_total'), 1)} | "
                f"{num(ff.get('disk_mb_per_min_total'), 1)} | |")
    if rows_r:
        got = f"{rows_r['frames']} of {rows_r['received_inner']}–{rows_r['received']}"
        share = f"{num(100 * rows_r['drop_share'], 2)} %" if rows_r.get("drop_share") is not None else "–"
    else:
        got = share = "–"
    ff_sent = ff.get("camsim_frames_sent") or []
    ff_got = f"{sum(x['frames'] or 0 for x in ff.get('files', []))} of {sum(x or 0 for x in ff_sent)}" if ff else "–"
    ff_share = f"{num(100 * ff['drop_share'], 2)} %" if ff.get("drop_share") is not None else "–"
    rows.append(f"| frames in the files of the frames received | | {got} | {ff_got} | |")
    rows.append(f"| frames lost | | {share} | {ff_share} | |")
    rows.append(f"| cameras (camsim) CPU, % of one core | {num(a.get('camsim_cpu_percent'))} | "
                f"{num(b.get('camsim_cpu_percent'))} | {num(ff.get('camsim_cpu_percent'))} | |")
    rows.append(f"| viewers (camgate-viewers) CPU | {num(a.get('viewers_cpu_percent'))} | "
                f"{num(b.get('viewers_cpu_percent'))} | | |")
    rows.append(f"| other work on the host, % of one core | {num(a.get('others_cpu_percent'))} | "
                f"{num(b.get('others_cpu_percent'))} | {num(ff.get('others_cpu_percent'))} | |")
    http_p, br = ph.get("playback-http", {}), ph.get("playback-browser", {})
    play = ["| playback of a finished recording | p50 | max |", "|---|---:|---:|"]
    for key, label in (("start", "`Range: bytes=0-`"), ("mid", "`Range: bytes=<middle>-`")):
        x = http_p.get(key)
        if not x:
            continue
        play.append(f"| HTTP {label}: response headers, ms | {num(x['headers_ms_p50'], 1)} | {num(x['headers_ms_max'], 1)} |")
        play.append(f"| HTTP {label}: whole answer ({num(x['bytes'] / 1048576, 2)} MiB), ms | "
                    f"{num(x['range_ms_p50'], 1)} | {num(x['range_ms_max'], 1)} |")
    if br.get("loadeddata_ms_p50") is not None:
        play.append(f"| Chromium `<video src>` to `loadeddata`, ms | {num(br['loadeddata_ms_p50'])} | "
                    f"{num(br['loadeddata_ms_max'])} |")
        play.append(f"| … of which the first try (a fresh browser), ms | {num(br.get('first_load_ms'))} | |")
        play.append(f"| Chromium seek to the middle ({num(br.get('seek_to_s'))} s) to `seeked`, ms | "
                    f"{num(br['seeked_ms_p50'])} | {num(br['seeked_ms_max'])} |")
    elif br:
        play.append(f"| Chromium | {br.get('skipped') or br.get('error')} | |")
    return "\n".join(rows), "\n".join(play)


def recording_section(data):
    """The "recording" scenario's part of the page (also pasted alone into docs/benchmarks.md)."""
    runs = data.get("recording")
    if not runs:
        return []
    first = next((r for r in runs if "picture" in r), {})
    pb = next((r for r in runs if r.get("phase") == "playback-http"), {})
    br = next((r for r in runs if r.get("phase") == "playback-browser"), {})
    a = next((r for r in runs if r.get("phase") == "viewers"), {})
    n, v = first.get("cameras", 8), a.get("viewers_per_camera", 2)
    t, p = recording_tables(runs)
    return ["## Recording: cameras into H.264 files while viewers watch", "",
            f"{n} ESP32-like cameras (one `camgate-camsim` each, {first.get('picture')}) into one gateway, "
            f"{v} MJPEG viewers per camera (`camgate-viewers`). The same gateway process first with the "
            f"viewers only, then with all {n} cameras recorded on demand (`POST /api/cameras/{{id}}/recordings`: "
            f"JPEG decoded, H.264 x264 ultrafast zerolatency at {first.get('bitrate_kbps')} kbit/s, key frame "
            "every second, fragmented MP4 in 500 ms fragments). CPU is the gateway's (`/proc/PID/stat`) "
            "over the viewers' window; disk is the growth of each camera's recordings folder over "
            "that window; frames are the recordings' `frames` (`GET /api/recordings`) against the "
            "frames the gateway received meanwhile (`camgate_camera_frames_total`, read just inside "
            "and just outside each recording's start and stop, hence a range). The peer is one "
            "`ffmpeg -f mjpeg -framerate 15 -i <camera> -c:v libx264 -preset ultrafast -tune "
            "zerolatency` per camera at the same bitrate, key frame interval and fragment length, "
            "with the gateway stopped and nobody watching: the usual do-it-yourself recorder.", "", t, "",
            f"Playback of camera 1's finished recording ({num((pb.get('recording_bytes') or 0) / 1e6, 1)} MB, "
            f"{pb.get('recording_frames')} frames) while the other {pb.get('others_recording', n - 1)} "
            "cameras are still recorded: each HTTP request on a fresh connection as a player makes it "
            "(the gateway answers `bytes=0-` with at most 4 MiB; a request from byte 0 also writes the "
            "play's audit row), repeated " + str(pb.get("start", {}).get("repeat", "")) + " times; "
            "then a fresh `<video>` element per try in headless Chromium "
            f"(`bench/recording/playback.mjs`, {br.get('repeat', '')} tries).", "", p, ""]


def analysis_section(data):
    """The "analysis" scenario's part of the page (also pasted alone into docs/benchmarks.md)."""
    runs = data.get("analysis")
    if not runs:
        return []
    ph = {r.get("phase"): r for r in runs}
    out = ["## Analysis: built-in analyzers per picture, 8 cameras at 2 fps", ""]
    m = ph.get("micro")
    if m:
        rows = m["rows"]
        names = [("decode_luma", "decode to 320x180 grey (libjpeg-turbo DCT scaling)"),
                 ("exposure", "exposure (histogram, mean, verdict)"), ("sharpness", "sharpness (Laplacian variance)"),
                 ("black", "black frame"), ("motion", "motion (16x16 cells vs previous picture)"),
                 ("frozen", "frozen (vs previous picture)"),
                 ("full_pass", "whole pass: resource_analysis::run, all five + event"),
                 ("old_analyze_jpeg", "old: full RGB decode + mean + sharpness (analyze_jpeg)")]
        out += [f"CPU per {m['picture']} picture (`camgate-bench-analyzers`, Google Benchmark, "
                f"median of {m['repetitions']}; JPEG {rows.get('decode_luma', {}).get('jpeg_kb')} KB):", "",
                "| step | CPU µs per picture |", "|---|---:|"]
        out += [f"| {label} | {num(rows[n]['cpu_us'])} |" for n, label in names if n in rows]
        out += [""]
    off, on, d, lat = ph.get("cpu-off"), ph.get("cpu-on"), ph.get("cpu-delta"), ph.get("latency")
    if off and on:
        n = on["cameras"]
        out += [f"{n} cameras (one `camgate-camsim` each, {on['picture']}) into one gateway, nobody watching; "
                f"gateway CPU (`/proc/PID/stat`, {num(on['measured_s'], 0)} s) with analysis off, then with "
                f"every camera's profile `when=always fps=2` and all five built-ins "
                f"(`PUT /api/cameras/{{id}}/analysis`):", "",
                "| | gateway CPU, % of a core | frames in, per camera | analysed, per camera | host busy |",
                "|---|---:|---:|---:|---:|",
                f"| ingest only | {num(off['gateway_cpu_percent'])} | {num(off['ingest_fps_per_camera'])} fps | – "
                f"| {num(off['machine_busy_percent'], 0)} % |",
                f"| analysis on | {num(on['gateway_cpu_percent'])} | {num(on['ingest_fps_per_camera'])} fps | "
                f"{num(on['analysis_fps_per_camera'])} fps | {num(on['machine_busy_percent'], 0)} % |", ""]
        if d:
            out += [f"Difference: {num(d['gateway_cpu_percent_delta'])} % of a core for {n} cameras, "
                    f"{num(d['per_camera_percent'], 2)} % per camera, about {num(d['per_pass_us'], 0)} µs "
                    "per analysed picture.", ""]
    if lat and lat.get("sse_ms"):
        out += [f"Capture to viewer of the analysis events (same {lat['cameras']} cameras, {num(lat['measured_s'], 0)} s): "
                "receipt time in the subscriber minus the event's `captured_at_us`, which is the "
                "frame's capture time as camsim stamps it (COM segment, the moment it began drawing; "
                "same host clock). It includes camsim's encode and the transfer, the age of the newest "
                "frame when the camera's 2 fps turn comes (the service takes `latest()`: up to one frame "
                "interval, 67 ms at 15 fps), the queue to an analysis worker, the pass and the fan-out. "
                "One SSE subscriber and one WebSocket viewer (`?format=binary`) per camera "
                "(`bench/analysis/events.mjs`).", "",
                "| transport | events | p50 ms | p90 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
        for k, label in (("sse_ms", "SSE `/events`"), ("ws_ms", "WebSocket `/ws?format=binary`")):
            x = lat.get(k)
            if x:
                out += [f"| {label} | {x['count']} | {num(x['p50'])} | {num(x['p90'])} | {num(x['p99'])} | {num(x['max'])} |"]
        out += [""]
    return out


# ---------------------------------------------------------------- plots

def plot_fanout(runs, png, title="MJPEG fan-out of one 1280x720 camera at 30 fps", fps_max=32):
    """Four panels against the viewer count: fps, latency, CPU, RSS; one line a server."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot or not runs:
        return False
    tmp = Path(tempfile.mkdtemp(prefix="camgate-plot-"))
    series = []
    for name, rs in by_server(runs).items():
        dat = tmp / f"{name}.dat"
        lines = []
        for r in sorted(rs, key=lambda r: r["all"]["viewers"]):
            g = r["all"]
            lat = latency_of(g)
            lines.append(" ".join(str(x) for x in (
                g["viewers"], g["fps_per_viewer"]["min"], lat["p99"] if lat and lat.get("p99") is not None else "NaN",
                r["gateway"]["cpu_percent"], r["gateway"]["rss_max_kb"] / 1024, g["fps_per_viewer"]["p50"])))
        dat.write_text("\n".join(lines) + "\n")
        series.append((NAMES[name], dat))

    def plots(col):
        return ", ".join(f"'{d}' using 1:{col} with linespoints lw 2 title '{t}'" for t, d in series)

    script = f"""
set terminal pngcairo size 1200,860 font 'sans,10'
set output '{png}'
set multiplot layout 2,2 title '{title} (one host, one run)'
set logscale x
set grid
set key left bottom
set xlabel 'viewers'
set title 'slowest viewer, frames/s'
set yrange [0:{fps_max}]
plot {plots(2)}
set yrange [*:*]
set key left top
set logscale y
set title 'latency p99, ms (capture to receipt)'
plot {plots(3)}
unset logscale y
set title 'server CPU, % of one core'
set yrange [0:*]
plot {plots(4)}
set title 'server RSS, MB'
plot {plots(5)}
unset multiplot
"""
    (tmp / "fanout.gp").write_text(script)
    png.parent.mkdir(parents=True, exist_ok=True)
    ok = subprocess.run([gnuplot, str(tmp / "fanout.gp")], capture_output=True).returncode == 0
    shutil.rmtree(tmp, ignore_errors=True)
    return ok and png.exists()


# ---------------------------------------------------------------- the page

def write(data, doc):
    doc = Path(doc)
    img_dir = doc.parent / "benchmarks"
    host = data["host"]
    s = data["settings"]
    v = host.get("versions", {})
    parts = [
        "# Benchmarks",
        "",
        "Generated by `bench/run` from one run: every figure below comes from the same run on the "
        "same host, one server at a time, at the same load. The camera is `camgate-camsim` "
        f"({s['resolution']} at {num(s['camera_fps'], 0)} fps, JPEG quality 80, about 90 KB a frame), "
        "which stamps each frame's capture time; the load generators are `camgate-viewers` and "
        "`camgate-signaling-load` (C++, asio). Ratios are *peer ÷ camgate*: above 1 means the "
        "peer uses more. The host is shared, so compare within this page, not with other runs. "
        "How each figure is measured: `bench/README.md`.",
        "",
        f"- **Run**: `{portable_command(data['command'])}`, started {data['started']}, {num(data.get('elapsed_s'), 0)} s; "
        f"{num(s['duration_s'], 0)} s measured per run after {num(s['warmup_s'], 0)} s of warm-up, "
        "a fresh server process per run.",
        f"- **Host**: {host.get('cpu_model')}, {host.get('cpus')} cores, {host.get('mem_gb')} GB, "
        f"{host.get('os')}, kernel {host.get('kernel')}. Load average at the start: "
        f"{', '.join(num(x, 2) for x in host.get('load_average_at_start', []))}.",
        f"- **Peers**: motion {v.get('motion')} (Debian), npm mjpeg-proxy {v.get('mjpeg-proxy')} on Node "
        f"{v.get('node')}, the Node socket.io 4.8 relay in `bench/signaling/reference_relay.mjs`.",
        "- **motion** decodes each frame, runs its motion detection and encodes again: its pictures lose "
        "camsim's capture stamp, so its latency cannot be measured here (\"no stamp\").",
        "",
    ]
    if data.get("failures"):
        parts += ["**Runs that failed or broke** (errors are counted in the tables):", ""]
        parts += [f"- {f['run']}: {f['error']}" for f in data["failures"]] + [""]
    if data.get("fanout"):
        png = img_dir / "fanout.png"
        parts += ["## MJPEG fan-out", "",
                  "One camera, N viewers of `multipart/x-mixed-replace`. *viewers at ≥ 29 fps* counts the "
                  "viewers that kept up with the camera; latency is the viewer's receipt time minus the "
                  "capture time; CPU is user + system of the server process over the measured window "
                  "(100 % = one core of the two); RSS is the largest seen.", ""]
        if plot_fanout(data["fanout"], png):
            parts += [f"![MJPEG fan-out: fps, latency, CPU and RSS against viewers]({img_dir.name}/{png.name})", ""]
        parts += [fanout_table(data["fanout"]), ""]
        rx = rx_table(data["fanout"])
        if rx:
            parts += ["Over loopback the sender's softirq also runs the viewers' receive path "
                      "(`net_rx_action` → `tcp_v4_rcv`, waking the reader), so each server above pays "
                      "for its viewers too. `--profile-rx` samples every server with "
                      "`perf record -e cpu-clock -F 499 -g` over the same window; the share of samples "
                      "with that path on the stack estimates what each would use with its viewers on "
                      "another host (which would instead pay for the ACKs it receives, not counted here):",
                      "", rx, ""]
    if data.get("slow"):
        parts += ["## Slow viewers", "",
                  "The same stream to 100 viewers, 10 of which read one frame per second (a phone on a bad "
                  "network). A gateway that queues frames for them grows; one that skips keeps the fast "
                  "viewers' latency and its memory flat.", "", slow_table(data["slow"]), ""]
    if data.get("ws"):
        parts += ["## WebSocket: binary frames against base64 text", "",
                  "camgate only (the peers have no WebSocket). Text is the seed's "
                  "`data:image/jpeg;base64,...` message.", "", ws_table(data["ws"]), ""]
    if data.get("snapshot"):
        parts += ["## Snapshots while viewers watch", "",
                  "10 keep-alive clients ask for a snapshot back to back while MJPEG viewers watch the same "
                  "camera (camgate: `/api/cameras/1/snapshot`; motion: `/current`; mjpeg-proxy has none).",
                  "", snapshot_table(data["snapshot"]), ""]
    if data.get("reconnect"):
        parts += ["## Camera reconnect", "",
                  f"The camera process stops for {num(data['reconnect'][0].get('outage_s'))} s and starts again on the same port; the time from its "
                  "listening again to the first frame it captured reaching a viewer that was watching "
                  "(the viewer reconnects at once when its stream ends, and after 5 s without a byte; a browser's "
                  "`<img>` does neither, so a stream that needs a reconnect stays frozen there). "
                  "Each server sees the outage several times in a row with the same viewer: a reconnect "
                  "backoff with jitter makes one outage a single draw.", "",
                  reconnect_table(data["reconnect"]), ""]
    if data.get("cut"):
        parts += ["## Booking end (camgate only)", "",
                  "One user's WebSocket streams whose booking ends in the same second: time from the "
                  "deadline to each stream closed, as the client sees it (no peer binds streams to "
                  "bookings).", "", cut_table(data["cut"]), ""]
    if data.get("signaling"):
        parts += ["## WebRTC signaling (Socket.IO)", "",
                  "Socket.IO v4 clients over WebSocket holding connections (each registered as a viewer), "
                  "and the relay round trip viewer → robot → viewer at a steady message rate.", "",
                  signaling_table(data["signaling"]), ""]
    parts += robot_section(data)
    parts += recording_section(data)
    parts += analysis_section(data)
    parts += report_cameras.esp32_section(data, img_dir)
    parts += report_cameras.multicam_section(data)
    parts += report_cluster.section(data)
    analysis = Path(__file__).resolve().parent / "analysis.md"
    if analysis.exists():
        parts += [analysis.read_text().strip(), ""]
    parts += ["## Reproduce", "",
              "```sh", "scripts/install-deps --with-tests", "scripts/build build -DCAMGATE_BUILD_BENCH=ON",
              "bench/run --doc            # about 12-14 minutes; writes bench/results/run-<time>.json",
              "bench/run --from-json bench/results/run-<time>.json --doc   # the page again", "```", ""]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(parts))


if __name__ == "__main__":
    import sys
    write(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
