"""psql against the bench's databases, and creating them."""

import os
import shutil
import subprocess
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from .util import BenchError, say


class Psql:
    """psql as role sms on 127.0.0.1 (trust or password sms), stopping at the first error."""

    def __init__(self, psql_bin, port):
        self.bin = psql_bin
        self.port = str(port)

    def _env(self):
        env = dict(os.environ)
        env.update(PGPASSWORD="sms", PGCONNECT_TIMEOUT="10", PGOPTIONS="-c client_min_messages=warning")
        return env

    def run(self, db, *args, sql=None, check=True):
        """psql ARGS on DB (SQL, if given, on stdin); its output, or BenchError with psql's message."""
        cmd = [self.bin, "-X", "-w", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", self.port,
               "-U", "sms", "-d", db, *args]
        p = subprocess.run(cmd, input=sql, capture_output=True, text=True, env=self._env())
        if p.returncode != 0 and check:
            raise BenchError("psql on %s failed: %s" % (db, p.stderr.strip() or "exit %d" % p.returncode))
        return p.stdout

    def run_many(self, db, scripts, jobs, progress=None):
        """Each SQL script in its own psql session, JOBS at a time (PROGRESS(i) after each); the first failure
        raises BenchError once the scripts already running have ended, and the rest are not started."""
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(self.run, db, sql=s): i for i, s in enumerate(scripts)}
            pending = set(futures)
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        f.result()
                        if progress:
                            progress(futures[f])
            except BaseException:
                for f in pending:
                    f.cancel()
                raise

    def val(self, db, query):
        """One value from a query."""
        return self.run(db, "-Atc", query).strip()

    def can_connect(self, db):
        return subprocess.run([self.bin, "-X", "-w", "-q", "-h", "127.0.0.1", "-p", self.port, "-U", "sms",
                               "-d", db, "-Atc", "SELECT 1"], capture_output=True, env=self._env()).returncode == 0

    def _superuser(self):
        """A psql command line that connects as superuser, found as bin/lib/services.sh finds it: TCP as
        postgres, else peer authentication as the postgres OS user (runuser as root, else sudo)."""
        local = ["env", "-u", "PGHOST", "-u", "PGHOSTADDR", self.bin, "-X", "-w", "-p", self.port]
        candidates = [[self.bin, "-X", "-w", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres"]]
        if os.geteuid() == 0:
            candidates.append(["runuser", "-u", "postgres", "--"] + local)
        elif shutil.which("sudo"):
            candidates.append(["sudo", "-u", "postgres"] + local)
        env = dict(os.environ, PGCONNECT_TIMEOUT="5")
        for cmd in candidates:
            p = subprocess.run(cmd + ["-d", "postgres", "-Atqc", "SELECT 1"], capture_output=True, env=env, cwd="/")
            if p.returncode == 0:
                return cmd
        return None

    def ensure_db(self, name):
        """Create database NAME owned by sms unless it exists."""
        if self.can_connect(name):
            return
        su = self._superuser()
        if su is None:
            raise BenchError("cannot connect to PostgreSQL as superuser to create database %s; create it yourself: "
                             "CREATE DATABASE %s OWNER sms" % (name, name))
        sql = ("SELECT 'CREATE DATABASE %s OWNER sms' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '%s') \\gexec\n"
               % (name, name))
        p = subprocess.run(su + ["-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1"], input=sql, capture_output=True,
                           text=True, env=dict(os.environ, PGCONNECT_TIMEOUT="5"), cwd="/")
        if p.returncode != 0:
            raise BenchError("creating database %s failed: %s" % (name, p.stderr.strip()))
        say("PostgreSQL: created database %s (owner sms)" % name)
