"""Soak test of ``make run`` on the embedded default (issue 16): a steady trickle of reports,
the Celery worker killed once along the way; every report must be routed and the web never
down. Loopback only, bounded in time; prints one line of figures (JSON).

    .venv/bin/python -m bench.soak --root /tmp/fresh-clone --minutes 60 --kill-at 20

``--root`` is the checkout to run (a fresh clone, so that ``make run`` starts from nothing);
``--make`` the command that starts it there (default ``make run``). The script reads the
clone's SQLite file to see when each report was routed, and finds the worker's pid in the
supervisor's output (``worker | started (pid N)``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTED = re.compile(r"^(\w+)\s*\| started \(pid (\d+)\)")
BODY = {
    "category": "HAERVAERK",
    "text": "Graffiti på muren ved legepladsen i nat (soak).",
    "lat": 55.6960,
    "lon": 12.5450,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as res:  # noqa: S310 - loopback
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def healthy(base: str) -> bool:
    try:
        return http("GET", f"{base}/healthz")[0] == 200
    except OSError:
        return False


class Stack:
    """``make run`` (or any command printing the supervisor's lines) in its own process group,
    its output kept in a log file and scanned for the processes' pids."""

    def __init__(self, root: Path, command: list[str], env: dict, log: Path):
        self.root, self.command, self.env, self.log = root, command, env, log
        self.pids: dict[str, int] = {}
        self.banner = ""
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            self.command,
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with open(self.log, "a") as out:
            for line in self.proc.stdout:
                out.write(line)
                if m := STARTED.match(line):
                    self.pids[m.group(1)] = int(m.group(2))
                if "is running: http" in line:
                    self.banner = line.strip()

    def kill(self, name: str) -> int:
        pid = self.pids[name]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def routed_at(db_path: Path, references: list[str]) -> dict[str, float]:
    """reference -> seconds from the report's creation to its routing decision."""
    if not references:
        return {}
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        marks = ",".join("?" * len(references))
        rows = conn.execute(
            "SELECT r.reference, min(julianday(d.created_at)) - julianday(r.created_at) "
            "FROM report r JOIN routing_decision d ON d.report_id = r.id "
            f"WHERE r.reference IN ({marks}) GROUP BY r.id",
            references,
        ).fetchall()
    return {ref: days * 86400 for ref, days in rows}


def token_for(root: Path, env: dict, email: str = "gadeplan@demo.meldecentral.dk") -> str:
    # The clone's own environment (``make run`` made it), not the one running this script.
    own = root / ".venv" / "bin" / "flask"
    flask = str(own if own.exists() else Path(sys.executable).with_name("flask"))
    out = subprocess.run(  # noqa: S603 - our own command line
        [flask, "--app", "wsgi", "tokens", "create", "--email", email, "--name", "soak"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def soak(args) -> dict:
    root = Path(args.root).resolve()
    port = args.port or free_port()
    env = os.environ | {"PORT": str(port)}
    base = f"http://127.0.0.1:{port}"
    stack = Stack(root, args.make.split(), env, Path(args.log))
    stack.start()
    started = time.monotonic()
    while not healthy(base):
        if time.monotonic() - started > args.start_timeout:
            stack.stop()
            raise SystemExit(f"make run did not answer within {args.start_timeout} s")
        time.sleep(0.5)
    answered_after = time.monotonic() - started
    token = token_for(root, env)
    submitted: list[str] = []
    failed_submits = 0
    health_checks = health_failures = 0
    killed = None
    begin = time.monotonic()
    end = begin + args.minutes * 60
    next_at = begin
    while time.monotonic() < end:
        if killed is None and time.monotonic() - begin >= args.kill_at * 60:
            killed = {"pid": stack.kill("worker"), "at_s": round(time.monotonic() - begin)}
        status, body = http("POST", f"{base}/api/v1/reports", BODY, token)
        if status == 201:
            submitted.append(body["reference"])
        else:
            failed_submits += 1
        health_checks += 1
        health_failures += not healthy(base)
        next_at += args.interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    # Stragglers: a task the killed worker had taken comes back through the outbox sweeper.
    db_path = root / "instance" / "meldecentral.sqlite"
    drain_until = time.monotonic() + args.drain
    while time.monotonic() < drain_until:
        done = routed_at(db_path, submitted)
        if len(done) == len(submitted):
            break
        health_checks += 1
        health_failures += not healthy(base)
        time.sleep(2)
    done = routed_at(db_path, submitted)
    stack.stop()
    latencies = sorted(done.values())
    return {
        "minutes": args.minutes,
        "answered_after_s": round(answered_after, 1),
        "banner": stack.banner,
        "submitted": len(submitted),
        "submit_failures": failed_submits,
        "routed": len(done),
        "unrouted": len(submitted) - len(done),
        "routing_s_median": round(statistics.median(latencies), 2) if latencies else None,
        "routing_s_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 2)
        if latencies
        else None,
        "routing_s_max": round(latencies[-1], 2) if latencies else None,
        "health_checks": health_checks,
        "health_failures": health_failures,
        "worker_killed": killed,
        "worker_restarted_as": stack.pids.get("worker"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".")
    parser.add_argument("--make", default="make run")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--kill-at", type=float, default=None, help="minutes; default: halfway")
    parser.add_argument("--drain", type=float, default=180, help="seconds to wait at the end")
    parser.add_argument("--start-timeout", type=float, default=900)
    parser.add_argument("--log", default="soak.log")
    args = parser.parse_args()
    if args.kill_at is None:
        args.kill_at = args.minutes / 2
    print(json.dumps(soak(args)))


if __name__ == "__main__":
    main()
