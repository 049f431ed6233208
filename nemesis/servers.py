"""The simulator's own Redis and PostgreSQL: private ports, data under the run's folder, never the shared ones."""

import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

from smsbench.redis import Redis
from smsbench.util import BenchError


_TAKEN = set()


def free_port():
    """A port free now, below Linux's ephemeral range (32768 and up): a port the kernel hands out for outgoing
    connections can be taken by any process between this check and the app's bind (seen on a busy machine).
    The port + 1000 is free and reserved too: an app started on this port serves health and metrics there
    (smsbench's Apps and bin/lib/launch give it that management port)."""
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(20000, 31000)
        if port in _TAKEN or port + 1000 in _TAKEN:
            continue
        if not all(_bindable(p) for p in (port, port + 1000)):
            continue
        _TAKEN.update((port, port + 1000))
        return port


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _wait(what, probe, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        if time.monotonic() > deadline:
            raise BenchError("%s did not come up within %d s" % (what, timeout))
        time.sleep(0.1)


class PrivateRedis:
    """redis-server as the platform ships it: AOF on, fsync every second, noeviction."""

    def __init__(self, folder):
        self.dir = os.path.join(folder, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "redis.log"), "a")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--appendonly",
             "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        # Loading a large AOF takes a moment; LOADING errors until then.
        _wait("redis-server on %d" % self.port, lambda: self.client(timeout=2).call("PING") == "PONG", 60)

    def kill(self):
        """SIGKILL: no shutdown, no final fsync."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def client(self, timeout=30):
        return Redis(self.port, 0, timeout=timeout)

    def call(self, *args):
        c = self.client()
        try:
            return c.call(*args)
        finally:
            c.close()


class PrivatePostgres:
    """A cluster of its own (initdb, trust auth) with the role and database the apps expect. As root it runs
    as the postgres user, which PostgreSQL requires."""

    def __init__(self):
        # A folder of the machine's temporary folder, which the postgres user can reach even when the checkout
        # sits where it cannot (/root); removed by cleanup().
        self.top = tempfile.mkdtemp(prefix="nemesis-pg-")
        os.chmod(self.top, 0o711)
        self.dir = os.path.join(self.top, "pg")
        self.port = free_port()
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not versions:
            raise BenchError("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)")
        self.bin = versions[-1]
        self.root = os.geteuid() == 0

    def cleanup(self, keep_to=None):
        """Remove the cluster's folder; with KEEP_TO, copy its server log there first."""
        if keep_to:
            try:
                shutil.copy(os.path.join(self.dir, "pg.log"), os.path.join(keep_to, "postgres.log"))
            except OSError:
                pass
        shutil.rmtree(self.top, ignore_errors=True)

    def psql_bin(self):
        return os.path.join(self.bin, "psql")

    def _run(self, *cmd):
        full = list(cmd)
        if self.root:
            full = ["runuser", "-u", "postgres", "--"] + full
        p = subprocess.run(full, capture_output=True, text=True, cwd="/", stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise BenchError("failed: %s\n%s%s" % (" ".join(full), p.stdout, p.stderr))
        return p.stdout

    def init(self):
        os.makedirs(self.dir)
        if self.root:
            shutil.chown(self.dir, "postgres")
        self._run(os.path.join(self.bin, "initdb"), "-D", os.path.join(self.dir, "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        self._run(self.psql_bin(), "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                  "CREATE ROLE sms LOGIN PASSWORD 'sms'", "-c", "CREATE DATABASE sms OWNER sms")

    def start(self):
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-w", "-t", "120", "-l",
                  os.path.join(self.dir, "pg.log"), "-o",
                  "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" % (self.port, self.dir),
                  "start")

    def stop(self, mode="fast"):
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", mode, "-w", "-t",
                  "120", "stop")

    def running(self):
        p = subprocess.run(([ "runuser", "-u", "postgres", "--"] if self.root else [])
                           + [os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "status"],
                           capture_output=True, cwd="/")
        return p.returncode == 0
