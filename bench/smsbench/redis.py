"""A minimal Redis client over a plain socket (RESP2): the few commands the bench sends itself.

The load itself comes from redis-benchmark and `redis-cli --pipe`; this client only prepares and reads state
(FLUSHDB, XLEN, INFO, SCRIPT LOAD, the accept-script probe) and feeds the sampler.
"""

import socket


class RedisError(Exception):
    pass


class Redis:
    def __init__(self, port, db, timeout=60):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.call("SELECT", str(db))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            items, error = [], None
            for _ in range(max(n, 0)):
                # read every element even after an error one, so the connection stays in step
                try:
                    items.append(self._read())
                except RedisError as e:
                    error = error or e
            if error:
                raise error
            return items
        raise ValueError("bad RESP reply: %r" % line)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self._read()

    def xlen(self, key):
        return self.call("XLEN", key)

    def info_field(self, section, field):
        return info_field(self.call("INFO", section), field)


def info_field(info, field):
    for line in info.splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    return None
