"""Processes under test: start, wait for health, CPU and RSS from /proc, stop.

Standard library only, so the benchmark needs nothing beyond Python 3, wrk and Node.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"[peer] {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"[peer] FAILED: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, query, variables=None, token=None, timeout=60):
    """POST a GraphQL request; returns (status, parsed body)."""
    body = json.dumps({"query": query, "variables": variables or {}})
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/graphql", body, headers)
        res = conn.getresponse()
        raw = res.read()
    finally:
        conn.close()
    try:
        return res.status, json.loads(raw)
    except ValueError:
        return res.status, {"raw": raw.decode("utf-8", "replace")}


def children_of(pid):
    """pid and every descendant (PostGraphile's cluster workers are children)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def cpu_seconds(pid):
    """utime + stime of the process tree, in seconds (clock-tick resolution)."""
    total = 0
    for p in children_of(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def rss_mb(pid):
    """Resident set of the process tree, in MB."""
    total = 0
    for p in children_of(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Server:
    """One server process. `kind` is "rapport" (health: GET /healthz) or "postgraphile"
    (health: POST /graphql `{ __typename }`)."""

    def __init__(self, name, kind, cmd, env, port, logdir, token=None, cwd=None):
        self.name, self.kind, self.cmd, self.env = name, kind, cmd, env
        self.port, self.token, self.cwd = port, token, cwd
        self.logfile = os.path.join(logdir, f"{name}.log")
        self.proc = None

    def healthy(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            if self.kind == "rapport":
                conn.request("GET", "/healthz")
            else:
                conn.request(
                    "POST",
                    "/graphql",
                    '{"query":"{ __typename }"}',
                    {"Content-Type": "application/json"},
                )
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def start(self, timeout=120):
        """Starts the process and returns the seconds until its health check answered 200."""
        out = open(self.logfile, "ab")
        began = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            cwd=self.cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        while not self.healthy():
            if self.proc.poll() is not None:
                die(f"{self.name} exited with {self.proc.returncode}; see {self.logfile}")
            if time.perf_counter() - began > timeout:
                self.stop()
                die(f"{self.name} not healthy after {timeout} s; see {self.logfile}")
            time.sleep(0.001)
        return time.perf_counter() - began

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def rss(self):
        return rss_mb(self.proc.pid)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        # The process leads its own session (start_new_session): signal exactly that group.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
