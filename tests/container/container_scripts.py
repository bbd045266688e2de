"""The image's entrypoint and healthcheck against the real gateway, on this host (no
container engine): the entrypoint writes the config from the environment as compose
passes it, camgate starts with it on an ephemeral port, the healthcheck passes, and the
TURN credentials camgate issues are made with the TURN secret the environment gave.
Needs CAMGATE_BIN_DIR (the build's bin/) and CAMGATE_SOURCE_DIR."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

SOURCE = os.environ.get("CAMGATE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CAMGATE_BIN_DIR", os.path.join(SOURCE, "build", "bin"))
ENTRYPOINT = os.path.join(SOURCE, "container", "entrypoint.sh")
HEALTHCHECK = os.path.join(SOURCE, "container", "healthcheck.sh")
SECRET = "turn-" + os.urandom(8).hex()


def healthcheck(port):
    env = dict(os.environ, CAMGATE_HEALTH_PORT=str(port), CAMGATE_HEALTH_TIMEOUT="2")
    return subprocess.run(["bash", HEALTHCHECK], env=env, capture_output=True, text=True, timeout=10)


class container_scripts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.env = dict(os.environ, CAMGATE_BIN=os.path.join(BIN, "camgate"),
                       CAMGATE_DATA=cls.tmp.name,
                       CAMGATE_CONFIG=os.path.join(cls.tmp.name, "mounted.toml"),  # absent
                       CAMGATE_GENERATED_CONFIG=os.path.join(cls.tmp.name, "generated.toml"),
                       CAMGATE_LISTEN="127.0.0.1:0",
                       CAMGATE_TURN_SECRET=SECRET,
                       CAMGATE_TURN_URLS="turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp",
                       CAMGATE_STUN_URLS="stun:127.0.0.1:3478")
        # Any command but serve is camgate's own, with the same environment.
        subprocess.run(["sh", ENTRYPOINT, "user", "add", "admin", "--role", "admin",
                        "--password-stdin", "--data", cls.tmp.name],
                       input="admin-password-1\n", text=True, env=cls.env, check=True,
                       capture_output=True)
        cls.gw = subprocess.Popen(["sh", ENTRYPOINT, "serve", "--log-level", "info",
                                   "--web-root", os.path.join(SOURCE, "web")],
                                  env=cls.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        cls.port, deadline, seen = None, time.time() + 15, []
        while time.time() < deadline and cls.port is None:
            line = cls.gw.stdout.readline()
            if not line:
                break
            seen.append(line)
            m = re.search(r"listening on https?://[^:]+:(\d+)", line)
            if m:
                cls.port = int(m.group(1))
        if cls.port is None:
            cls.gw.kill()
            raise RuntimeError("camgate did not start through the entrypoint:\n" + "".join(seen))
        threading.Thread(target=cls.gw.stdout.read, daemon=True).start()  # keep the pipe drained

    @classmethod
    def tearDownClass(cls):
        cls.gw.terminate()
        cls.gw.wait(10)
        cls.tmp.cleanup()

    def test_healthcheck_passes_on_the_gateway(self):
        r = healthcheck(self.port)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_healthcheck_fails_without_a_200(self):
        class not_found(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(503)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), not_found)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            r = healthcheck(server.server_address[1])
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("503", r.stderr)
        finally:
            server.shutdown()
        # Nothing listening at all.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
        s.close()
        self.assertNotEqual(healthcheck(closed).returncode, 0)

    def test_turn_credentials_use_the_environment_secret(self):
        base = f"http://127.0.0.1:{self.port}"
        req = urllib.request.Request(base + "/auth/login", method="POST",
                                     data=json.dumps({"username": "admin", "password": "admin-password-1"}).encode(),
                                     headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(req, timeout=5))["access_token"]
        req = urllib.request.Request(base + "/api/webrtc/ice-servers",
                                     headers={"Authorization": "Bearer " + token})
        body = json.load(urllib.request.urlopen(req, timeout=5))
        servers = body["iceServers"] if isinstance(body, dict) else body
        turn = [s for s in servers if any(u.startswith("turn:") for u in s["urls"])]
        self.assertEqual(len(turn), 1, servers)
        self.assertEqual(turn[0]["urls"], self.env["CAMGATE_TURN_URLS"].split(","))
        # coturn's use-auth-secret: credential = base64(HMAC-SHA1(static-auth-secret, username)).
        expected = base64.b64encode(hmac.new(SECRET.encode(), turn[0]["username"].encode(),
                                             hashlib.sha1).digest()).decode()
        self.assertEqual(turn[0]["credential"], expected)
        self.assertTrue(turn[0]["username"].endswith(":admin"))
        self.assertTrue(any(s["urls"] == ["stun:127.0.0.1:3478"] for s in servers), servers)


if __name__ == "__main__":
    unittest.main(verbosity=2)
