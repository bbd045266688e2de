"""The "esp32" and "multicam" scenarios' parts of docs/benchmarks.md (bench/report.py
writes the page; the fan-out table and plot are report.py's, with the camera's rate)."""
import report


def esp32_section(data, img_dir):
    runs = data.get("esp32")
    if not runs:
        return []
    cam = data.get("settings", {}).get("esp32", {})
    fps = cam.get("fps", 25)
    min_fps = max(1.0, fps - 1)
    res = cam.get("resolution", "800x600")
    out = ["## ESP32-like camera: fan-out to thousands of viewers", "",
           f"MJPEG fan-out from a camera like an ESP32-CAM: `camgate-camsim` at {res}, JPEG "
           f"quality {cam.get('quality')} ({report.num(cam.get('frame_kb'))} KB a frame on average), "
           f"{report.num(float(fps), 0)} fps, to {', '.join(str(n) for n in cam.get('steps', []))} viewers "
           "from one `camgate-viewers` on the same host (every connection from 127.0.0.1, one user: "
           "the gateway's `[limits] streams_per_user` and `api_per_second_user` are 0). A server "
           "that lost more than half its viewers is not "
           f"pushed further. *viewers at ≥ {min_fps:g} fps* counts the viewers that kept up; motion "
           f"re-encodes at the same quality ({cam.get('quality')}).", ""]
    png = img_dir / "esp32.png"
    if report.plot_fanout(runs, png, f"MJPEG fan-out of an ESP32-like {res} camera at {fps:g} fps",
                          fps_max=fps + 2):
        out += [f"![ESP32-like camera fan-out: fps, latency, CPU and RSS against viewers]"
                f"({img_dir.name}/{png.name})", ""]
    out += [report.fanout_table(runs, min_fps), ""]
    return out


def multicam_table(runs):
    rows = ["| server | viewers at ≥ fps − 1 | fps min / p50 | latency p50 / p99 ms (worst camera) | "
            "server CPU % | CPU ÷ camgate | server RSS MB | RSS ÷ camgate | errors |",
            "|---|---:|---|---|---:|---:|---:|---:|---:|"]
    base = next((r for r in runs if r["server"] == "camgate"), None)
    for r in runs:
        cpu, rss = r["gateway"]["cpu_percent"], r["gateway"]["rss_max_kb"] / 1024
        lat = (f"{report.num(r['latency_p50_ms_max'])} / {report.num(r['latency_p99_ms_max'])}"
               if r.get("latency_p99_ms_max") is not None else "no stamp")
        peer = r["server"] != "camgate"
        rows.append(
            f"| {report.NAMES[r['server']]} | {r['viewers_ge_min_fps']} of {r['viewers']} | "
            f"{report.num(r['fps_min'])} / {report.num(r['fps_p50'])} | {lat} | {report.num(cpu)} | "
            f"{report.ratio(cpu, base and base['gateway']['cpu_percent']) if peer else ''} | "
            f"{report.num(rss)} | "
            f"{report.ratio(rss, base and base['gateway']['rss_max_kb'] / 1024) if peer else ''} | "
            f"{r['errors']} |")
    return "\n".join(rows)


def multicam_section(data):
    runs = data.get("multicam")
    if not runs:
        return []
    s = data.get("settings", {}).get("multicam", {})
    n, per = s.get("cameras", 8), s.get("viewers_per_camera", 100)
    return [f"## Several cameras: {n} cameras × {per} viewers", "",
            f"{n} ESP32-like cameras (one `camgate-camsim` each, {s.get('resolution')} at "
            f"{report.num(s.get('fps'), 0)} fps, JPEG quality {s.get('quality')}) and {per} MJPEG viewers on "
            f"each, {n * per} in all (one `camgate-viewers` per camera, started together). camgate has "
            f"the {n} cameras registered; mjpeg-proxy is one Node process with one `MjpegProxy` per "
            f"camera; motion is one process with one camera file (and stream port) per camera. CPU "
            "and RSS are the server's over camera 1's window; fps min is the slowest viewer of any "
            "camera, p50 the median of the cameras' medians; latency is the worst camera's.", "",
            multicam_table(runs), ""]
