"""bench/run's "cluster" scenario (docs/cluster.md): three `camgate serve` nodes on one host,
on one PostgreSQL and one redis-server that this scenario starts in temp folders on free
ports (and stops), with one camsim in stock (ESP32) mode: it serves ONE stream client.

  viewers    10, then --cluster-viewers MJPEG viewers on every node (one camgate-viewers per node,
             started together; node 1's window is the one CPU is read over): per node its
             role (owner pulls the camera, relays take it from the owner), viewers that kept
             up, fps p50/min, frame age p50/p99 (receipt time minus X-Timestamp), CPU. The
             hop's cost is a relay's frame age minus the owner's. camsim must count exactly
             one upstream connection.
  failover   a watcher on each of the two other nodes, then `kill -9` of the owner: the time
             until a frame captured after the kill reaches both (the slower one counts);
             --cluster-failovers runs (the killed node restarted in between), the median;
             still one upstream afterwards.
  signaling  Socket.IO relay round trips viewer -> robot -> viewer (camgate-signaling-load
             --mode relay, [robots] media = "p2p"), robot and viewer on one node, then the
             viewer on node 1 and the robot on node 2: p50/p99 over --cluster-round-trips.

Breakage (no frames on a node, more than one upstream, frames not back after a failover,
signaling errors or lost round trips) is listed in the result's "errors" and fails the run;
rates and times never do."""
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
from pathlib import Path

import esp32
import harness
from harness import child, free_port, http_json, log, wait_http

PASSWORD = "pw-12345678"
JWT_SECRET = "bench-cluster-jwt-secret-0123456789abcdef"
CLUSTER_SECRET = "bench-cluster-node-secret-0123456789abcdef"
NODES = ("node-1", "node-2", "node-3")
ROBOT = "rover"
LIGHT = 10  # viewers per node of the light run before a bigger one


# ---------------------------------------------------------------- PostgreSQL and Redis

class postgres:
    """initdb + pg_ctl in a temp folder on a free port (trust auth, no fsync), as
    tests/support/pg_server does; run as the postgres user when we are root."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                               "scripts/install-deps --with-tests installs it")
        self.bin = bins[-1].parent
        # Its own folder under /tmp: postgres must reach it, our temp folder is 0700.
        self.dir = Path(tempfile.mkdtemp(prefix="camgate-bench-pg-"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.running = False
        self.run([self.bin / "initdb", "-D", self.dir / "data", "-U", "camgate", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])
        opts = (f"-F -c fsync=off -c full_page_writes=off -c synchronous_commit=off "
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}")
        self.run([self.bin / "pg_ctl", "-D", self.dir / "data", "-l", self.dir / "server.log", "-w",
                  "-t", "30", "-o", opts, "start"])
        self.running = True
        self.run([self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "camgate",
                  "camgate"])
        self.url = f"postgresql://camgate:pw@127.0.0.1:{self.port}/camgate"

    def run(self, argv):
        argv = [str(a) for a in argv]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        p = subprocess.run(argv, cwd=self.dir, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {(p.stdout + p.stderr)[-400:]}")

    def stop(self):
        if self.running:
            try:
                self.run([self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "immediate", "-w", "stop"])
            except RuntimeError as e:
                log(f"cluster: {e}")
            self.running = False
        shutil.rmtree(self.dir, ignore_errors=True)


def start_redis(tmp):
    if not Path("/usr/bin/redis-server").exists():
        raise RuntimeError("redis-server is not installed: scripts/install-deps --with-tests installs it")
    port = free_port()
    proc = child("redis", ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "no"],
                 r"Ready to accept connections", tmp / "redis.log")
    return proc, port


# ---------------------------------------------------------------- the nodes

class node:
    """One `camgate serve` of the cluster, on a port fixed at creation (its advertise_url),
    so it can be restarted there after a kill -9."""

    def __init__(self, bindir, tmp, name, store_url, redis_port):
        self.bindir, self.name = bindir, name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = tmp / name
        self.data.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp / f"{name}.log"
        self.config = tmp / f"{name}.toml"
        # Every viewer is the same user: no per-user caps. P2P robot media: signaling crosses
        # nodes only then (docs/cluster.md); message rates above the round-trip load.
        self.config.write_text(
            f'[log]\nlevel = "warn"\n[store]\nurl = "{store_url}"\n'
            f'[auth]\njwt_secret = "{JWT_SECRET}"\n'
            '[limits]\nstreams_per_user = 0\napi_per_second_user = 0\n'
            f'[cluster]\nredis = "redis://127.0.0.1:{redis_port}"\nnode_id = "{name}"\n'
            f'secret = "{CLUSTER_SECRET}"\nadvertise_url = "{self.base}"\n'
            '[robots]\nmedia = "p2p"\n'
            '[signaling]\nmessages_per_second = 5000\nmessage_burst = 5000\n')
        self.proc = None

    def start(self):
        self.proc = child(self.name, [str(self.bindir / "camgate"), "serve", "--listen",
                                      f"127.0.0.1:{self.port}", "--data", str(self.data),
                                      "--config", str(self.config)],
                          r"listening on http://", self.log_path)

    def kill9(self):
        self.proc.proc.send_signal(signal.SIGKILL)
        self.proc.proc.wait()
        self.proc.stop()  # closes its log

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None

    @property
    def pid(self):
        return self.proc.pid

    def cluster_health(self):
        _, body = http_json("GET", f"{self.base}/health", timeout=2)
        return json.loads(body).get("cluster", {})


class cluster:
    def __init__(self, args, bindir, tmp, cam):
        self.args, self.bindir, self.tmp, self.cam = args, bindir, tmp, cam
        self.pg = self.redis = None
        self.nodes = []

    def start(self):
        t0 = time.monotonic()
        self.pg = postgres()
        self.redis, self.redis_port = start_redis(self.tmp)
        exe = str(self.bindir / "camgate")
        env = dict(os.environ, CAMGATE_STORE_URL=self.pg.url)
        subprocess.run([exe, "user", "add", "admin", "--role", "admin", "--password-stdin",
                        "--data", str(self.tmp / "cli")],
                       input=f"{PASSWORD}\n".encode(), env=env, check=True, stdout=subprocess.DEVNULL)
        self.nodes = [node(self.bindir, self.tmp, n, self.pg.url, self.redis_port) for n in NODES]
        # The first migrates the database; the others then start together.
        self.nodes[0].start()
        failed = []

        def start(n):
            try:
                n.start()
            except RuntimeError as e:
                failed.append(e)

        threads = [threading.Thread(target=start, args=(n,)) for n in self.nodes[1:]]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if failed:
            raise failed[0]
        first = self.nodes[0]
        _, body = http_json("POST", f"{first.base}/auth/login", {"username": "admin", "password": PASSWORD})
        self.token = json.loads(body)["access_token"]  # valid on every node: one jwt_secret
        # Added on node 1: the others learn of it over the change feed; one of them pulls it.
        _, body = http_json("POST", f"{first.base}/api/cameras",
                            {"ip_address": "127.0.0.1", "port": self.cam.capture_port, "name": "esp32"},
                            token=self.token)
        self.camera = json.loads(body)["camera"]["id"]
        for n in self.nodes:
            wait_http(f"{n.base}/api/cameras/{self.camera}/snapshot", 20, token=self.token)
        log(f"cluster: up in {time.monotonic() - t0:.1f} s, owner {self.owner().name}")

    def stop(self):
        for n in self.nodes:  # SIGTERM to all first: they leave together
            if n.proc and n.proc.proc.poll() is None:
                n.proc.proc.send_signal(signal.SIGTERM)
        for n in self.nodes:
            n.stop()
        if self.redis:
            self.redis.stop()
        if self.pg:
            self.pg.stop()

    def roles(self):
        out = {}
        for n in self.nodes:
            try:
                out[n.name] = n.cluster_health().get("role") if n.proc else None
            except (urllib.error.URLError, OSError, ValueError):
                out[n.name] = None
        return out

    def owner(self):
        roles = self.roles()
        owners = [n for n in self.nodes if roles.get(n.name) == "owner"]
        if len(owners) != 1:
            raise RuntimeError(f"{len(owners)} nodes hold the camera's lease: {roles}")
        return owners[0]

    def stream_url(self, n):
        return f"{n.base}/api/cameras/{self.camera}/stream?access_token={self.token}"

    def upstream(self):
        """camsim's count of its stream clients (it is the ESP32: one at a time)."""
        _, body = http_json("GET", f"http://127.0.0.1:{self.cam.capture_port}/camsim/stats")
        s = json.loads(body)
        return {k: s.get(k) for k in ("stream_connections_total", "active_stream_clients",
                                      "waiting_stream_clients")}


# ---------------------------------------------------------------- 1. viewers on every node

def measure_viewers(cl, per_node, min_fps):
    a = cl.args
    argv = lambda n: [str(cl.bindir / "camgate-viewers"), "--url", cl.stream_url(n),  # noqa: E731
                      "--viewers", str(per_node), "--duration", str(a.duration), "--warmup",
                      str(a.warmup), "--min-fps", f"{min_fps:g}", "--threads", str(a.viewer_threads)]
    roles = cl.roles()
    first, rest = cl.nodes[0], cl.nodes[1:]
    others = [subprocess.Popen(argv(n), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for n in rest]
    try:
        pids = {"gateway": first.pid, "camsim": cl.cam.pid}
        pids.update({n.name: n.pid for n in rest})
        head = harness.measure_viewers(argv(first), pids, first.port)
    finally:
        outs = [json.loads(p.communicate()[0] or b"{}") for p in others]
    upstream = cl.upstream()
    per = []
    viewers_cpu = head["client"]["cpu_percent"]
    for n, r in zip(cl.nodes, [head] + outs):
        cpu = head["gateway"]["cpu_percent"] if n is first else head[n.name]["cpu_percent"]
        g = r.get("all")
        if g is None:  # a camgate-viewers that printed nothing
            per.append({"node": n.name, "role": roles.get(n.name), "viewers": per_node, "frames": 0,
                        "errors": per_node, "cpu_percent": cpu})
            continue
        if n is not first:
            viewers_cpu += r.get("client", {}).get("cpu_percent", 0)
        lat = g.get("latency_ms") or {}
        per.append({"node": n.name, "role": roles.get(n.name), "viewers": g["viewers"],
                    "viewers_ge_min_fps": g["viewers_ge_min_fps"], "frames": g["frames"],
                    "bad_frames": g["bad_frames"], "errors": r.get("errors", 0) + r.get("disconnects", 0),
                    "fps_p50": g["fps_per_viewer"]["p50"], "fps_min": g["fps_per_viewer"]["min"],
                    "age_p50_ms": lat.get("p50"), "age_p99_ms": lat.get("p99"), "cpu_percent": cpu})
    owner = next((p for p in per if p["role"] == "owner"), None)
    for p in per:
        if owner and p is not owner and p.get("age_p50_ms") is not None and owner.get("age_p50_ms") is not None:
            p["hop_p50_ms"] = round(p["age_p50_ms"] - owner["age_p50_ms"], 2)
            p["hop_p99_ms"] = round(p["age_p99_ms"] - owner["age_p99_ms"], 2)
    return {"viewers_per_node": per_node, "min_fps": min_fps, "nodes": per, "upstream": upstream,
            "camsim_cpu_percent": head["camsim"]["cpu_percent"],
            "viewers_cpu_percent": round(viewers_cpu, 1),
            # CPU of other work on the host (other builds, other benches): a disturbed run shows it
            "others_cpu_percent": round(max(0.0, head["others_cpu_percent"]
                                            - (viewers_cpu - head["client"]["cpu_percent"])), 1),
            "machine_busy_percent": head["machine_busy_percent"],
            "measured_wall_s": head["measured_wall_s"], "load_average": head["load_average"]}


# ---------------------------------------------------------------- 2. failover

def failover(cl, watcher_cls, timeout_s=15.0):
    """kill -9 of the owner while a watcher reads each other node: seconds until a frame
    captured after the kill reached each of them."""
    victim = cl.owner()
    survivors = [n for n in cl.nodes if n is not victim]
    before = cl.upstream()
    watchers = [watcher_cls(cl.stream_url(n)) for n in survivors]
    try:
        for w in watchers:
            w.start()
        deadline = time.monotonic() + 10
        while min(w.frames for w in watchers) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        if min(w.frames for w in watchers) < 5:
            raise RuntimeError("no frames on the other nodes before the kill")
        killed = time.monotonic()
        victim.kill9()
        # Stamped once it is dead: a frame captured after this came through the new owner.
        for w in watchers:
            w.fresh_after_us = int(time.time() * 1e6)
        deadline = killed + timeout_s
        while any(w.first_fresh is None for w in watchers) and time.monotonic() < deadline:
            time.sleep(0.01)
        resumed = {n.name: round(w.first_fresh - killed, 2) if w.first_fresh else None
                   for n, w in zip(survivors, watchers)}
    finally:
        for w in watchers:
            w.stop()
    time.sleep(0.5)  # let a second upstream, if any, show in camsim's counts
    after = cl.upstream()
    roles = cl.roles()
    r = {"killed": victim.name, "resumed_s": resumed,
         "resumed_s_max": max(resumed.values()) if None not in resumed.values() else None,
         "new_owner": next((k for k, v in roles.items() if v == "owner"), None),
         "upstream_before": before, "upstream_after": after,
         "new_upstream_connections": after["stream_connections_total"] - before["stream_connections_total"]}
    return r, victim


def failover_errors(r, timeout_s):
    out = []
    if r["resumed_s_max"] is None:
        out.append(f"failover: frames not back on every node within {timeout_s:g} s: {r['resumed_s']}")
    u = r["upstream_after"]
    if u["active_stream_clients"] != 1 or u["waiting_stream_clients"] != 0 or r["new_upstream_connections"] != 1:
        out.append(f"failover: not one upstream after the kill: {u}, "
                   f"{r['new_upstream_connections']} new connections")
    return out


# ---------------------------------------------------------------- 3. signaling round trips

def add_robot(cl, a, b):
    _, body = http_json("POST", f"{a.base}/api/robots", {"name": ROBOT}, token=cl.token)
    credential = json.loads(body)["credential"]
    # The robot signs in on node b (any node would do: one jwt_secret).
    _, body = http_json("POST", f"{b.base}/auth/login", {"username": ROBOT, "password": credential})
    return json.loads(body)["access_token"]


def round_trips(cl, robot_token, viewer_node, robot_node, count, out):
    rate = 100.0  # open loop, one viewer: well below any limit
    duration = count / rate
    argv = [str(cl.bindir / "camgate-signaling-load"), "--mode", "relay", "--url", viewer_node.base,
            "--robot-url", robot_node.base, "--token", cl.token, "--robot-token", robot_token,
            "--robot-id", ROBOT, "--user-id", "viewer", "--viewers", "1", "--rate", f"{rate:g}",
            "--duration", f"{duration:g}", "--warmup", "0.2", "--drain", "2", "--connect-timeout", "10"]
    if robot_node is not viewer_node:
        argv += ["--offer-retry", "0.1"]  # the robot's presence may reach the viewer's node late
    p = subprocess.run(argv, capture_output=True, text=True)
    out.write_text(p.stdout)
    try:
        r = json.loads(p.stdout)
    except ValueError:
        raise RuntimeError(f"camgate-signaling-load failed ({p.returncode}): {p.stderr[-400:]}") from None
    rtt = r.get("rtt_us", {})
    ms = lambda v: round(v / 1000, 3) if v is not None else None  # noqa: E731
    return {"viewer_node": viewer_node.name, "robot_node": robot_node.name, "rate_per_s": rate,
            "round_trips": rtt.get("samples", 0), "sent": r.get("sent"), "lost": r.get("lost"),
            "error_events": r.get("error_events"), "error_kinds": r.get("error_kinds"), "offer_retries": r.get("offer_retries"),
            "error": r.get("error"),
            "p50_ms": ms(rtt.get("p50")), "p99_ms": ms(rtt.get("p99")), "max_ms": ms(rtt.get("max")),
            "exit_code": p.returncode}


def signaling_errors(r):
    if r.get("error") or r["exit_code"] or r["lost"] or r["error_events"] or not r["round_trips"]:
        return [f"signaling {r['viewer_node']} -> {r['robot_node']}: error {r.get('error')}, "
                f"{r['lost']} lost, {r['error_events']} error events {r.get('error_kinds')}, {r['round_trips']} round trips"]
    return []


# ---------------------------------------------------------------- the scenario

def broken(r):
    return bool(r.get("errors"))


def run(args, bindir, tmp, camera, watcher_cls):
    """camera: bench/run's camsim class; watcher_cls: its stream_watcher (reads a stream,
    notes the first frame captured after fresh_after_us). Returns the scenario's result."""
    for exe in ("camgate", "camgate-camsim", "camgate-viewers", "camgate-signaling-load"):
        if not (bindir / exe).exists():
            raise RuntimeError(f"{bindir / exe} is missing: build with -DCAMGATE_BUILD_BENCH=ON")
    tmp = tmp / "cluster"
    tmp.mkdir(parents=True, exist_ok=True)
    per_node, runs = args.cluster_viewers, args.cluster_failovers
    res = {"settings": {"nodes": len(NODES), "viewers_per_node": per_node,
                        "resolution": args.cluster_resolution, "fps": args.cluster_fps,
                        "failovers": runs, "round_trips": args.cluster_round_trips},
           "errors": []}
    errors = res["errors"]
    cam = camera(bindir, tmp, args.cluster_resolution, args.cluster_fps)
    cl = cluster(args, bindir, tmp, cam)
    try:
        cam.start()
        res["settings"]["frame_kb"] = esp32.frame_kb(cam, 3 if args.smoke else 10)
        cl.start()
        min_fps = max(1.0, args.cluster_fps - 1)
        if args.wait_idle:
            harness.wait_until_idle(args.wait_idle)
        # First LIGHT viewers per node: the hop's own cost, which the full load's queues
        # (on a host the viewers share with the nodes) can hide.
        steps = [("viewers", per_node)]
        if per_node > LIGHT:
            steps.insert(0, ("viewers_light", LIGHT))
        for key, n in steps:
            log(f"cluster: {n} viewers on each of {len(NODES)} nodes")
            try:
                v = res[key] = measure_viewers(cl, n, min_fps)
                for p in v["nodes"]:
                    if not p["frames"] or p.get("bad_frames") or p["errors"]:
                        errors.append(f"{n} viewers on {p['node']}: {p['frames']} frames, "
                                      f"{p.get('bad_frames')} bad, {p['errors']} errors")
                u = v["upstream"]
                if u["stream_connections_total"] != 1 or u["active_stream_clients"] != 1:
                    errors.append(f"{n} viewers: not one upstream: {u}")
            except Exception as e:  # noqa: BLE001  the other parts still run
                errors.append(f"{n} viewers: {e}")
        fo = res["failover"] = {"runs": []}
        for i in range(runs):
            log(f"cluster: failover {i + 1} of {runs} (kill -9 of the owner)")
            try:
                r, victim = failover(cl, watcher_cls)
                fo["runs"].append(r)
                errors.extend(failover_errors(r, 15.0))
                log(f"cluster: {victim.name} killed, frames back after {r['resumed_s']} s")
                if i + 1 < runs:  # back as a relay for the next run
                    victim.start()
                    wait_http(f"{victim.base}/api/cameras/{cl.camera}/snapshot", 20, token=cl.token)
            except Exception as e:  # noqa: BLE001
                errors.append(f"failover {i + 1}: {e}")
                break
        times = [r["resumed_s_max"] for r in fo["runs"] if r["resumed_s_max"] is not None]
        fo["median_s"] = round(statistics.median(times), 2) if times else None
        fo["upstream_at_end"] = cl.upstream()
        log("cluster: signaling round trips, one node then two")
        try:
            # Two running nodes (the last one killed stays down).
            a, b = [n for n in cl.nodes if n.proc and n.proc.proc.poll() is None][:2]
            robot_token = add_robot(cl, a, b)
            sig = res["signaling"] = []
            for viewer_node, robot_node, label in ((a, a, "same"), (a, b, "cross")):
                s = round_trips(cl, robot_token, viewer_node, robot_node, args.cluster_round_trips,
                                tmp / f"signaling-{label}.json")
                sig.append(dict(s, nodes="one node" if label == "same" else "two nodes"))
                errors.extend(signaling_errors(s))
        except Exception as e:  # noqa: BLE001
            errors.append(f"signaling: {e}")
    finally:
        cl.stop()
        cam.stop()
    return res
