"""The "cluster" scenario's part of docs/benchmarks.md (bench/cluster.py measures it)."""
import report


def viewers_table(v):
    rows = ["| node | role | viewers at ≥ fps − 1 | fps p50 / min | frame age p50 / p99 ms | "
            "hop p50 / p99 ms | CPU % | errors |",
            "|---|---|---:|---|---|---|---:|---:|"]
    for p in v["nodes"]:
        hop = (f"{report.num(p['hop_p50_ms'], 2)} / {report.num(p['hop_p99_ms'], 2)}" if "hop_p50_ms" in p else "")
        rows.append(
            f"| {p['node']} | {p['role']} | {p.get('viewers_ge_min_fps', 0)} of {p['viewers']} | "
            f"{report.num(p.get('fps_p50'))} / {report.num(p.get('fps_min'))} | "
            f"{report.num(p.get('age_p50_ms'), 2)} / {report.num(p.get('age_p99_ms'), 2)} | {hop} | "
            f"{report.num(p['cpu_percent'])} | {p['errors']} |")
    return "\n".join(rows)

def failover_table(fo):
    rows = ["| run | killed | frames back on the others, s | new owner | new upstream connections | "
            "camsim's stream clients after |",
            "|---:|---|---|---|---:|---:|"]
    for i, r in enumerate(fo["runs"], 1):
        back = ", ".join(f"{k} {report.num(s, 2)}" for k, s in r["resumed_s"].items())
        u = r["upstream_after"]
        rows.append(f"| {i} | {r['killed']} | {back} | {r['new_owner']} | {r['new_upstream_connections']} | "
                    f"{u['active_stream_clients']} (+{u['waiting_stream_clients']} waiting) |")
    return "\n".join(rows)

def signaling_table(sig):
    rows = ["| viewer / robot | round trips | p50 ms | p99 ms | max ms | lost |",
            "|---|---:|---:|---:|---:|---:|"]
    for s in sig:
        rows.append(f"| {s['nodes']} ({s['viewer_node']} / {s['robot_node']}) | {s['round_trips']} | "
                    f"{report.num(s['p50_ms'], 2)} | {report.num(s['p99_ms'], 2)} | {report.num(s['max_ms'], 2)} | {s['lost']} |")
    return "\n".join(rows)

def section(data):
    r = data.get("cluster")
    if not r:
        return []
    s = r["settings"]
    out = ["## Cluster: 3 nodes, one camera, one upstream", "",
           f"Three `camgate serve` nodes on one host ([cluster.md](cluster.md)), on one PostgreSQL and one "
           "Redis started by the bench, one `camgate-camsim` in stock (ESP32) mode, which serves ONE stream "
           f"client, at {s['resolution']} and {report.num(s['fps'], 0)} fps "
           f"({report.num(s.get('frame_kb'))} KB a frame). One node holds the camera's lease and pulls it "
           "(*owner*); the others take its frames from the owner's internal stream (*relay*). "
           f"{s['viewers_per_node']} MJPEG viewers per node, one `camgate-viewers` per node started together; "
           "frame age is the viewer's receipt time minus the capture time (`X-Timestamp`), *hop* is a relay's "
           "age minus the owner's; CPU is each node's over node-1's window (100 % = one core).", ""]
    light = r.get("viewers_light")
    if light:
        out += [f"First {light['viewers_per_node']} viewers per node, where the hop shows:", "",
                viewers_table(light), "", f"Then {s['viewers_per_node']} per node:", ""]
    v = r.get("viewers")
    if v:
        u = v["upstream"]
        out += [viewers_table(v), "",
                f"camsim counted {u['stream_connections_total']} stream connection(s), "
                f"{u['active_stream_clients']} active; camsim {report.num(v['camsim_cpu_percent'])} %, the viewers "
                f"{report.num(v['viewers_cpu_percent'])} %, other work on the host {report.num(v['others_cpu_percent'])} % "
                f"of a core (the host {report.num(v['machine_busy_percent'])} % busy). On a saturated host the "
                "viewers' own reading decides the frame age, and the hop is lost in it.", ""]
    fo = r.get("failover")
    if fo and fo.get("runs"):
        out += ["`kill -9` of the owner while a viewer watches on each other node: the time until a frame "
                "captured after the kill reaches it (the lease runs out after 3 s, another node takes it "
                "and pulls the camera, the third relays from it). The killed node is started again "
                "between runs.", "",
                failover_table(fo), "",
                f"Median over {len(fo['runs'])} run(s), the slower node each time: **{report.num(fo['median_s'], 2)} s**.",
                ""]
    if r.get("signaling"):
        out += ["Socket.IO relay round trips (`camgate-signaling-load --mode relay`, one viewer, one robot, "
                "`[robots] media = \"p2p\"`): an `ice-candidate` viewer → robot → viewer; across two nodes "
                "each way is one Redis publish.", "", signaling_table(r["signaling"]), ""]
    if r.get("errors"):
        out += ["Broken: " + "; ".join(r["errors"]), ""]
    return out
