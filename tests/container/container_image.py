"""Builds the image (Dockerfile targets runtime and turn) and runs it with docker or
podman: /health from the host through the published port, the image's healthcheck,
a non-root user, and the TURN server accepting the credentials the gateway issues with
the shared secret (and refusing others). Minutes (the image compiles camgate), so
opt-in: CAMGATE_CONTAINER_TEST=1. Exit 77 (skipped, with the reason) otherwise or
without a working engine.
  CAMGATE_CONTAINER_ENGINE=docker|podman      default: the first whose `info` works
  CAMGATE_CONTAINER_IMAGE / _TURN_IMAGE       use these tags instead of building
  CAMGATE_CONTAINER_BUILD_ARGS                more `build` arguments (shlex)
With docker (or DOCKER_HOST on podman's socket) and `docker compose` or `docker-compose`,
it also runs the seed's `compose up -d webrtc-signaling` and gets /health."""
import base64
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import turn_client  # noqa: E402

SOURCE = os.environ.get("CAMGATE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SKIP = 77


def find_engine():
    names = [os.environ["CAMGATE_CONTAINER_ENGINE"]] if os.environ.get("CAMGATE_CONTAINER_ENGINE") else ["docker", "podman"]
    for name in names:
        try:
            if subprocess.run([name, "info"], capture_output=True, timeout=60).returncode == 0:
                return name
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ENGINE = None
SECRET = "turn-" + os.urandom(12).hex()


def sh(*args, check=True, **kw):
    r = subprocess.run([ENGINE, *args], capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{ENGINE} {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


class container_image(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.names = []
        extra = shlex.split(os.environ.get("CAMGATE_CONTAINER_BUILD_ARGS", ""))
        if ENGINE == "podman":
            extra = ["--format", "docker", *extra]  # OCI images drop HEALTHCHECK
        cls.image = os.environ.get("CAMGATE_CONTAINER_IMAGE")
        cls.turn_image = os.environ.get("CAMGATE_CONTAINER_TURN_IMAGE")
        if not cls.image:
            cls.image = "camgate:container-test"
            t = time.time()
            sh("build", "-t", cls.image, *extra, SOURCE, timeout=3600)
            print(f"built {cls.image} in {time.time() - t:.0f} s", file=sys.stderr)
        if not cls.turn_image:
            cls.turn_image = "camgate-turn:container-test"
            sh("build", "--target", "turn", "-t", cls.turn_image, *extra, SOURCE, timeout=1800)
        size = sh("image", "inspect", "--format", "{{.Size}}", cls.image).stdout.strip()
        print(f"{cls.image}: {int(size) / 1e6:.0f} MB", file=sys.stderr)
        tag = os.urandom(4).hex()
        cls.turn_port = free_port(socket.SOCK_DGRAM)
        cls.turn = f"camgate-test-turn-{tag}"
        sh("run", "-d", "--name", cls.turn, "--network", "host", cls.turn_image,
           "-n", "--log-file=stdout", "--no-cli", f"--listening-port={cls.turn_port}",
           "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--realm=camgate",
           "--use-auth-secret", f"--static-auth-secret={SECRET}",
           "--min-port=49160", "--max-port=49200")
        cls.names.append(cls.turn)
        cls.gw = f"camgate-test-{tag}"
        sh("run", "-d", "--name", cls.gw, "-p", "127.0.0.1::8080",
           "-e", f"CAMGATE_TURN_SECRET={SECRET}",
           "-e", f"CAMGATE_TURN_URLS=turn:127.0.0.1:{cls.turn_port}?transport=udp", cls.image)
        cls.names.append(cls.gw)
        published = sh("port", cls.gw, "8080").stdout.split()[0]
        cls.base = "http://127.0.0.1:" + published.rsplit(":", 1)[1]
        deadline, last = time.time() + 60, None
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(cls.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError as e:
                last = e
            time.sleep(0.5)
        logs = sh("logs", cls.gw, check=False)
        cls.tearDownClass()  # unittest skips it when setUpClass fails
        raise AssertionError(f"no /health from the container: {last}\n{logs.stdout}{logs.stderr}")

    @classmethod
    def tearDownClass(cls):
        for name in cls.names:
            subprocess.run([ENGINE, "rm", "-f", name], capture_output=True)

    def test_health_from_the_host(self):
        with urllib.request.urlopen(self.base + "/health", timeout=5) as r:
            self.assertEqual(r.status, 200)

    def test_image_healthcheck(self):
        test = sh("inspect", "--format", "{{json .Config.Healthcheck}}", self.image).stdout
        self.assertIn("camgate-healthcheck", test)
        if ENGINE == "podman":
            sh("healthcheck", "run", self.gw)  # the image's HEALTHCHECK, as the engine runs it
        else:
            sh("exec", self.gw, "camgate-healthcheck")

    def test_runs_as_camgate(self):
        self.assertEqual(sh("exec", self.gw, "id", "-un").stdout.strip(), "camgate")
        self.assertNotEqual(sh("exec", self.gw, "id", "-u").stdout.strip(), "0")
        owner = sh("exec", self.gw, "stat", "-c", "%U", "/var/lib/camgate").stdout.strip()
        self.assertEqual(owner, "camgate")

    def test_every_library_is_there(self):
        ldd = sh("exec", self.gw, "sh", "-c", "ldd /opt/camgate/bin/*").stdout
        self.assertNotIn("not found", ldd)

    def test_turn_accepts_the_gateways_credentials(self):
        sh("exec", "-i", self.gw, "camgate", "user", "add", "admin", "--role", "admin",
           "--password-stdin", "--data", "/var/lib/camgate", input="admin-password-1\n")
        req = urllib.request.Request(self.base + "/auth/login", method="POST",
                                     data=json.dumps({"username": "admin", "password": "admin-password-1"}).encode(),
                                     headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(req, timeout=5))["access_token"]
        req = urllib.request.Request(self.base + "/api/webrtc/ice-servers",
                                     headers={"Authorization": "Bearer " + token})
        servers = json.load(urllib.request.urlopen(req, timeout=5))["iceServers"]
        turn = [s for s in servers if "username" in s][0]
        result = turn_client.allocate("127.0.0.1", self.turn_port, turn["username"], turn["credential"])
        self.assertEqual(result, "success")
        wrong = base64.b64encode(os.urandom(20)).decode()
        self.assertEqual(turn_client.allocate("127.0.0.1", self.turn_port, turn["username"], wrong), 401)

    def test_compose_up_webrtc_signaling(self):
        compose = compose_command()
        if compose is None:
            self.skipTest("no `docker compose` or `docker-compose` talking to an engine")
        tag = "ctest-" + os.urandom(4).hex()
        sh("tag", self.image, f"camgate:{tag}")
        sh("tag", self.turn_image, f"camgate-turn:{tag}")
        port = free_port()
        env = dict(os.environ, CAMGATE_TAG=tag, TURN_SECRET=SECRET, TURN_HOST="127.0.0.1",
                   TURN_PORT=str(free_port(socket.SOCK_DGRAM)), CAMGATE_PORT=str(port))
        project = ["-p", tag, "-f", os.path.join(SOURCE, "compose.yaml"),
                   "--project-directory", SOURCE]
        try:
            r = subprocess.run([*compose, *project, "up", "-d", "--no-build", "webrtc-signaling"],
                               env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            deadline, status = time.time() + 60, None
            while time.time() < deadline and status != 200:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as h:
                        status = h.status
                except OSError:
                    time.sleep(0.5)
            self.assertEqual(status, 200)
            ps = subprocess.run([*compose, *project, "ps"], env=env, capture_output=True, text=True)
            self.assertIn("webrtc-signaling", ps.stdout)
            self.assertIn("turn", ps.stdout)
        finally:
            subprocess.run([*compose, *project, "down", "-v"], env=env, capture_output=True, timeout=300)
            subprocess.run([ENGINE, "rmi", f"camgate:{tag}", f"camgate-turn:{tag}"], capture_output=True)


def compose_command():
    if ENGINE != "docker":
        return None
    for cmd in (["docker", "compose"], ["docker-compose"]):
        try:
            if subprocess.run([*cmd, "version"], capture_output=True, timeout=30).returncode == 0:
                return cmd
        except OSError:
            pass
    return None


if __name__ == "__main__":
    if os.environ.get("CAMGATE_CONTAINER_TEST") != "1":
        print("container_image: skipped: set CAMGATE_CONTAINER_TEST=1 to build and run the image (minutes)")
        sys.exit(SKIP)
    ENGINE = find_engine()
    if ENGINE is None:
        print("container_image: skipped: no working container engine (docker info and podman info fail)")
        sys.exit(SKIP)
    print(f"container_image: engine {ENGINE}", file=sys.stderr)
    sys.exit(0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1)
