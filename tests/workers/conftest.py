"""A real stack for worker tests: a private Redis (so a test may stop and start it), a fresh
PostgreSQL database, Celery worker and beat processes, and the web app in process.

Needs redis-server and PostgreSQL on this machine; without them these tests skip and say why
(CI sets MC_REQUIRE_REDIS=1 and MC_REQUIRE_PG=1, which makes that a failure).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
FLASK = str(Path(sys.executable).with_name("flask"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: _ping(client), 10, what="redis")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def _ping(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


class CeleryProcess:
    def __init__(self, args: list[str], env: dict, log: Path):
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [CELERY, "--app", "workers.celery_app", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def restart_if_exited(self) -> bool:
        """Start it again if it has exited, as the supervisor does in production (make run's,
        or the Procfile runner's); True if it had."""
        if self.proc is not None and self.proc.poll() is not None:
            self.start()
            return True
        return False

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self, sig=signal.SIGKILL) -> None:
        """Kill the whole process group (main process and pool children)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None


@pytest.fixture(scope="session")
def redis_binary():
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed"
        if os.environ.get("MC_REQUIRE_REDIS"):
            pytest.fail(reason)
        pytest.skip(reason)


class RelayProcess(CeleryProcess):
    """``flask --app wsgi outbox-relay``, the production relay (OUTBOX_RELAY=process)."""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [FLASK, "--app", "wsgi", "outbox-relay"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed stack test's report carries the last lines of its processes' logs: what the
    worker, beat and relay did is most of what there is to know about such a failure."""
    report = yield
    stack = item.funcargs.get("stack") if report.when == "call" and report.failed else None
    if stack is not None:
        for name in ("worker", "beat", "relay"):
            if text := getattr(stack, name).tail(60):
                report.sections.append((f"{name} log, last lines", text))
    return report


@pytest.fixture
def stack(redis_binary, pg_database, monkeypatch, tmp_path, request):
    """Yields an object with .app (in-process web app), .redis, .worker, .beat, .relay, .env.

    The app relays its outbox with a thread of its own (OUTBOX_RELAY=thread), so that a test
    needs no relay process; a test marked ``relay_process`` gets production's way instead: the
    app only commits, and ``.relay`` (started by the test) publishes."""
    from flask_migrate import upgrade

    from meldecentral import create_app
    from meldecentral.extensions import db
    from tests.database import reset

    workdir = Path(tempfile.mkdtemp(prefix="mc-stack-", dir=tmp_path))
    server = RedisServer(workdir)
    server.start()
    env = {
        **os.environ,
        "MELDECENTRAL_ENV": "production",
        "DATABASE_URL": pg_database,
        "REDIS_URL": server.url,
        "SECRET_KEY": "worker-tests-" + "x" * 20,
        "PUBLIC_BASE_URL": "http://meldecentral.test",
        "OUTBOX_SWEEP_AFTER_SECONDS": "2",
        "OUTBOX_SWEEP_EVERY_SECONDS": "1",
        "OUTBOX_REPUBLISH_AFTER_SECONDS": "8",
        # A compressed schedule, all of it countdowns: tests without beat (no sweeper) see
        # every retry; test_outage.py has its longer waits wait in the database.
        "DELIVERY_RETRY_SCHEDULE": "0.2,0.4,0.8,1,2",
        "DELIVERY_COUNTDOWN_MAX_SECONDS": "2",
        "DELIVERY_SWEEP_EVERY_SECONDS": "1",
        "DELIVERY_SWEEP_GRACE_SECONDS": "3",
        # A killed worker's alerts are sent again by the sweeper once its lease runs out: soon.
        "DELIVERY_SEND_LEASE_SECONDS": "5",
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        # One client address submits everything here: lift the per-address limit.
        "RATELIMIT_SUBMIT": "1000000/minute",
        "OUTBOX_RELAY": "process" if request.node.get_closest_marker("relay_process") else "thread",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app("production", {"SESSION_COOKIE_SECURE": False})
    with app.app_context():
        upgrade()
    reset(app)

    class Stack:
        pass

    s = Stack()
    s.app, s.redis, s.env, s.workdir = app, server, env, workdir
    s.worker = CeleryProcess(
        [
            "worker",
            "--queues",
            "urgent,normal",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"w{free_port()}@%h",
        ],
        env,
        workdir / "worker.log",
    )
    s.beat = CeleryProcess(
        ["beat", "--loglevel", "INFO", "--schedule", str(workdir / "beat-schedule")],
        env,
        workdir / "beat.log",
    )
    s.relay = RelayProcess([], env, workdir / "relay.log")
    ctx = app.app_context()
    ctx.push()
    try:
        yield s
    finally:
        db.session.remove()
        ctx.pop()
        s.worker.stop()
        s.beat.stop()
        s.relay.stop()
        server.stop()
        with app.app_context():
            db.engine.dispose()
