"""Checks the container files against each other, without a container engine:
Dockerfile, compose.yaml, .dockerignore, .env.example and container/*.sh.
python3 container_files.py [SOURCE_DIR]  (exit 0: every invariant holds)"""
import base64
import fnmatch
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import unittest

import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))


def read(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return f.read()


def dockerfile_stages(text):
    """[(base, name, [(INSTRUCTION, args)])] with continuation lines joined."""
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, args = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.I)
            stages.append((m.group(1), m.group(2), []))
        elif stages:
            stages[-1][2].append((instr, args.strip()))
    return stages


def ignore_patterns():
    pats = []
    for line in read(".dockerignore").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pats.append(line.rstrip("/"))
    return pats


def ignored(path, patterns):
    """Docker's rules, enough for these patterns: a match on the path or on any parent."""
    parts = path.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        for p in patterns:
            if p.startswith("**/"):
                if fnmatch.fnmatchcase(parts[i - 1], p[3:]):
                    return True
            elif fnmatch.fnmatchcase(prefix, p):
                return True
    return False


def env_example():
    values = {}
    for line in read(".env.example").splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition("=")
            values[k.strip()] = v.strip()
    return values


def interpolate(value, env):
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}."""
    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == ":-":
            return arg
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return ""
    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)


class container_files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stages = dockerfile_stages(read("Dockerfile"))
        cls.runtime = cls.stages[-1]
        cls.compose = yaml.safe_load(read("compose.yaml"))
        cls.services = cls.compose["services"]
        cls.env = env_example()

    def runtime_instr(self, name):
        return [a for i, a in self.runtime[2] if i == name]

    def test_stages_bases(self):
        by_name = {s[1]: s for s in self.stages}
        self.assertEqual(self.runtime[1], "runtime", "the default target is the last stage")
        self.assertEqual(self.runtime[0], "debian:12-slim")
        self.assertEqual(by_name["builder"][0], "debian:12")
        self.assertEqual(by_name["turn"][0], "debian:12-slim")
        self.assertTrue(any("coturn" in a for i, a in by_name["turn"][2] if i == "RUN"))
        builder_runs = " ".join(a for i, a in by_name["builder"][2] if i == "RUN")
        self.assertIn("scripts/install-deps --build-only", builder_runs)
        self.assertIn("-DCAMGATE_BUILD_TESTS=OFF", builder_runs)
        self.assertIn("cmake --install build --prefix /opt/camgate", builder_runs)

    def test_runtime_runs_as_non_root(self):
        users = self.runtime_instr("USER")
        self.assertTrue(users, "runtime stage has no USER")
        self.assertNotIn(users[-1].split(":")[0], ("root", "0"))
        turn_users = [a for i, a in self.stages[1][2] if i == "USER"]
        self.assertTrue(turn_users and turn_users[-1] not in ("root", "0"))

    def test_healthcheck_gets_health(self):
        hc = self.runtime_instr("HEALTHCHECK")
        self.assertEqual(len(hc), 1)
        self.assertIn('CMD ["camgate-healthcheck"]', hc[0])
        copies = self.runtime_instr("COPY")
        self.assertIn("container/healthcheck.sh /usr/local/bin/camgate-healthcheck", copies)
        self.assertRegex(read("container/healthcheck.sh"), r"GET /health HTTP/1\.1")
        self.assertNotIn("curl", " ".join(a for i, a in self.runtime[2] if i == "RUN"))

    def test_entrypoint_serves(self):
        self.assertEqual(self.runtime_instr("ENTRYPOINT"), ['["camgate-entrypoint"]'])
        self.assertEqual(self.runtime_instr("CMD"), ['["serve"]'])
        self.assertIn('serve --config "$config" --data "$data"', read("container/entrypoint.sh"))

    def test_ports_consistent(self):
        self.assertEqual(self.runtime_instr("EXPOSE"), ["8080"])
        self.assertIn("CAMGATE_LISTEN:-0.0.0.0:8080", read("container/entrypoint.sh"))
        self.assertIn("CAMGATE_HEALTH_PORT:-8080", read("container/healthcheck.sh"))
        for name in ("camgate", "webrtc-signaling"):
            ports = self.services[name]["ports"]
            self.assertEqual([interpolate(p, self.env).split(":")[-1] for p in ports], ["8080"])
        turn_port = self.env["TURN_PORT"]
        cmd = [interpolate(a, self.env) for a in self.services["turn"]["command"]]
        self.assertIn(f"--listening-port={turn_port}", cmd)
        urls = interpolate(self.services["camgate"]["environment"]["CAMGATE_TURN_URLS"], self.env)
        for url in urls.split(","):
            self.assertRegex(url, rf"^turn:[^:]+:{turn_port}\?transport=(udp|tcp)$")

    def test_data_volume(self):
        self.assertEqual(self.runtime_instr("VOLUME"), ["/var/lib/camgate"])
        for name in ("camgate", "webrtc-signaling"):
            self.assertEqual(self.services[name]["volumes"], ["camgate-data:/var/lib/camgate"])
        self.assertIn("camgate-data", self.compose["volumes"])

    def test_services_and_profiles(self):
        s = self.services
        self.assertNotIn("profiles", s["camgate"])
        self.assertNotIn("profiles", s["turn"])
        self.assertEqual(s["webrtc-signaling"]["profiles"], ["seed"])
        # The seed's service is the gateway itself: same image, build, ports, data, secret.
        for key in ("image", "build", "ports", "volumes", "environment"):
            self.assertEqual(s["webrtc-signaling"][key], s["camgate"][key], key)
        self.assertEqual(s["camgate"]["build"]["target"], "runtime")
        self.assertEqual(s["turn"]["build"]["target"], "turn")
        for name in ("postgres", "redis"):
            self.assertEqual(s[name]["profiles"], ["cluster"])

    def test_turn_secret_wired_on_both_sides(self):
        # compose: both sides read TURN_SECRET from .env.
        cmd = self.services["turn"]["command"]
        self.assertIn("--use-auth-secret", cmd)
        secret_args = [a for a in cmd if a.startswith("--static-auth-secret=")]
        self.assertEqual(len(secret_args), 1)
        self.assertRegex(secret_args[0], r"=\$\{TURN_SECRET[:}]")
        env = self.services["camgate"]["environment"]
        self.assertRegex(env["CAMGATE_TURN_SECRET"], r"^\$\{TURN_SECRET[:}]")
        # Without TURN_SECRET compose refuses to start either side.
        with self.assertRaises(KeyError):
            interpolate(env["CAMGATE_TURN_SECRET"], {})
        with self.assertRaises(KeyError):
            interpolate(secret_args[0], {})
        # The entrypoint puts it into [webrtc] turn_secret, the key camgate reads.
        secret = "s3cr3t $ecret-" + base64.b16encode(os.urandom(8)).decode()
        interpolated = {k: interpolate(v, dict(self.env, TURN_SECRET=secret)) for k, v in env.items()}
        coturn_secret = interpolate(secret_args[0], dict(self.env, TURN_SECRET=secret)).split("=", 1)[1]
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "camgate.toml")
            run_env = dict(os.environ, **interpolated, CAMGATE_BIN="true",
                           CAMGATE_CONFIG=os.path.join(tmp, "none.toml"), CAMGATE_GENERATED_CONFIG=out)
            subprocess.run(["sh", os.path.join(ROOT, "container/entrypoint.sh")], env=run_env, check=True)
            with open(out, "rb") as f:
                cfg = tomllib.load(f)
        self.assertEqual(cfg["webrtc"]["turn_secret"], coturn_secret)
        self.assertEqual(cfg["webrtc"]["turn_urls"], interpolated["CAMGATE_TURN_URLS"].split(","))
        self.assertEqual(cfg["webrtc"]["stun_urls"], [interpolated["CAMGATE_STUN_URLS"]])
        self.assertEqual(cfg["server"]["listen"], "0.0.0.0:8080")
        config_src = read("src/core/config.cpp")
        for key in ("turn_secret", "turn_urls", "stun_urls", "listen"):
            self.assertIn(f'"{key}"', config_src)

    def test_entrypoint_writes_the_store_and_cluster_keys(self):
        env = {"CAMGATE_STORE_URL": "postgresql://camgate:pw@db/camgate",
               "CAMGATE_JWT_SECRET": "j" * 40,
               "CAMGATE_CLUSTER_REDIS": "redis://:pw@cache:6379",
               "CAMGATE_NODE_ID": "gw-2",
               "CAMGATE_CLUSTER_SECRET_FILE": "/run/secrets/cluster",
               "CAMGATE_ADVERTISE_URL": "http://10.0.0.12:8080"}
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "camgate.toml")
            run_env = dict(os.environ, **env, CAMGATE_BIN="true",
                           CAMGATE_CONFIG=os.path.join(tmp, "none.toml"), CAMGATE_GENERATED_CONFIG=out)
            subprocess.run(["sh", os.path.join(ROOT, "container/entrypoint.sh")], env=run_env, check=True)
            with open(out, "rb") as f:
                cfg = tomllib.load(f)
            self.assertEqual(cfg["store"]["url"], env["CAMGATE_STORE_URL"])
            self.assertEqual(cfg["auth"]["jwt_secret"], env["CAMGATE_JWT_SECRET"])
            self.assertEqual(cfg["cluster"], {"redis": env["CAMGATE_CLUSTER_REDIS"], "node_id": "gw-2",
                                              "secret_file": "/run/secrets/cluster",
                                              "advertise_url": env["CAMGATE_ADVERTISE_URL"]})
            # Without them, no such sections: a single node on SQLite.
            plain = {k: v for k, v in run_env.items() if k not in env}
            subprocess.run(["sh", os.path.join(ROOT, "container/entrypoint.sh")], env=plain, check=True)
            with open(out, "rb") as f:
                cfg = tomllib.load(f)
            self.assertEqual(sorted(cfg), ["server", "webrtc"])
        config_src = read("src/core/config.cpp")
        for key in ("url", "jwt_secret", "redis", "node_id", "secret_file", "advertise_url"):
            self.assertIn(f'"{key}"', config_src)

    def test_entrypoint_refuses_unescaped_values(self):
        with tempfile.TemporaryDirectory() as tmp:
            run_env = dict(os.environ, CAMGATE_BIN="true", CAMGATE_TURN_SECRET='a"b',
                           CAMGATE_CONFIG=os.path.join(tmp, "none.toml"),
                           CAMGATE_GENERATED_CONFIG=os.path.join(tmp, "out.toml"))
            r = subprocess.run(["sh", os.path.join(ROOT, "container/entrypoint.sh")], env=run_env,
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 64)
        self.assertIn("CAMGATE_TURN_SECRET", r.stderr)

    def test_copy_sources_exist_and_are_not_ignored(self):
        patterns = ignore_patterns()
        count = 0
        for base, name, instrs in self.stages:
            for instr, args in instrs:
                if instr not in ("COPY", "ADD") or args.startswith("--from"):
                    continue
                words = [w for w in args.split() if not w.startswith("--")]
                for src in words[:-1]:
                    count += 1
                    self.assertTrue(os.path.exists(os.path.join(ROOT, src)), f"{src} is missing")
                    self.assertFalse(ignored(src, patterns), f"{src} is in .dockerignore")
        self.assertGreater(count, 5)

    def test_dockerignore_keeps_secrets_and_builds_out(self):
        patterns = ignore_patterns()
        for path in (".git/config", ".env", "build/bin/camgate", "build-tsan/x",
                     "tests/js/node_modules/x", "web/node_modules/x"):
            self.assertTrue(ignored(path, patterns), path)
        self.assertFalse(ignored("web/index.html", patterns))
        self.assertIn(".env", read(".gitignore").split())

    def test_env_example_covers_compose(self):
        used = set(re.findall(r"\$\{(\w+)", read("compose.yaml")))
        self.assertEqual(used - set(self.env), set(), ".env.example lacks these")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
