"""The bench's own API and worker processes, started through bin/lib/launch on the bench's ports,
databases and Redis db."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass

from .util import BenchError, tail, warn


@dataclass
class App:
    name: str
    port: int
    proc: subprocess.Popen
    log: str
    role: str  # api | worker: what the sampler scrapes
    management_port: int  # health and metrics: never on the HTTP port

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def management_url(self):
        return "http://127.0.0.1:%d" % self.management_port

    @property
    def pid(self):
        return self.proc.pid


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            return True
    except OSError:
        return False


class Apps:
    def __init__(self, settings, app_home, log_dir):
        self.s = settings
        self.launch = str(settings.root / "bin" / "lib" / "launch")
        self.app_home = app_home
        self.log_dir = log_dir
        self.running = {}

    def __contains__(self, name):
        return name in self.running

    def __getitem__(self, name):
        return self.running[name]

    def start(self, name, port, db, app, *args, java_opts=None, extra_env=None):
        """Start one app (api or worker) against database DB and the bench's Redis db, in the background
        (JAVA_OPTS, if given, instead of the bench's). bin/lib/launch execs the JVM, so the process started
        here is the JVM itself."""
        # bin/lib/launch's rule, stated: the management port is the HTTP port + 1000.
        management_port = port + 1000
        for p in (port, management_port):
            if port_open(p):
                raise BenchError("port %d (for %s) is already in use; set BENCH_PORT_BASE to another range" % (p, name))
        env = dict(os.environ)
        env.update(
            QUARKUS_HTTP_PORT=str(port),
            QUARKUS_MANAGEMENT_PORT=str(management_port),
            QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:%d/%s" % (self.s.pg_port, db),
            QUARKUS_DATASOURCE_USERNAME="sms",
            QUARKUS_DATASOURCE_PASSWORD="sms",
            QUARKUS_REDIS_HOSTS="redis://127.0.0.1:%d/%d" % (self.s.redis_port, self.s.redis_db),
            SMS_APP_HOME=str(self.app_home),
            SMS_JAVA_OPTS=java_opts or self.s.app_java_opts,
            # The webhooks scenario's receiver is a plain http server on loopback.
            SMS_WEBHOOKS_ALLOW_HTTP="true",
            SMS_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES="true",
        )
        env.update(extra_env or {})
        cmd = [self.launch, app, *args]
        # Normal-queue workers run at a lower CPU priority, as bin/run starts them: on a shared box the express
        # worker must get the CPU first to keep its SLA while a normal backlog drains.
        if name.startswith("worker-normal") and self.s.normal_nice != 0:
            cmd = ["nice", "-n", str(self.s.normal_nice)] + cmd
        log = os.path.join(self.log_dir, name + ".log")
        with open(log, "w") as out:
            # Its own session: a Ctrl-C reaches the bench, which then stops the apps gracefully itself.
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    start_new_session=True)
        self.running[name] = App(name, port, proc, log, "worker" if app == "worker" else "api", management_port)

    def wait_ready(self, *names):
        """Wait for each app's readiness with `bin/lib/launch --wait-ready`, failing early if the app exits."""
        for name in names:
            a = self.running[name]
            waiter = subprocess.Popen([self.launch, "--wait-ready", str(a.management_port), str(self.s.start_timeout)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                while True:
                    if a.proc.poll() is not None:
                        tail(a.log)
                        del self.running[name]
                        raise BenchError("%s exited during startup (log: %s)" % (name, a.log))
                    rc = waiter.poll()
                    if rc == 0:
                        break
                    if rc is not None:
                        tail(a.log)
                        raise BenchError("%s was not ready within %d s (log: %s)" % (name, self.s.start_timeout, a.log))
                    time.sleep(0.2)
            finally:
                if waiter.poll() is None:
                    waiter.kill()
                waiter.wait()

    def stop(self, *names):
        """SIGTERM (graceful: workers finish their batch), then SIGKILL after 30 s."""
        apps = [self.running[n] for n in names if n in self.running]
        for a in apps:
            try:
                a.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        for a in apps:
            try:
                a.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                warn("%s (pid %d) did not stop within 30 s; killing it" % (a.name, a.pid))
                a.proc.kill()
                a.proc.wait()
            del self.running[a.name]

    def stop_all(self):
        self.stop(*list(self.running))

    def workers(self):
        return [n for n in ("worker-express", "worker-normal", "worker-normal2") if n in self.running]

    def metrics(self, name):
        """Prometheus text of an app (empty on failure)."""
        try:
            with urllib.request.urlopen(self.running[name].management_url + "/q/metrics", timeout=5) as r:
                return r.read().decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - a failed scrape leaves an empty file, as before
            return ""
