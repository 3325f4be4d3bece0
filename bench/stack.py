"""Start the production stack on this machine for a benchmark: a fresh PostgreSQL database,
Redis, gunicorn, Celery workers for the urgent and normal queues, and beat (which runs the
outbox relay).

Only loopback addresses are used. Everything started here is stopped by ``Stack.stop``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get(
    "MC_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(
        self,
        *,
        web_workers: int = 2,
        normal_concurrency: int = 2,
        urgent_concurrency: int = 1,
        extra_env: dict | None = None,
    ):
        self.db_name = f"mc_bench_{secrets.token_hex(3)}"
        self.db_url = (
            sa.engine.make_url(PG_ADMIN)
            .set(database=self.db_name)
            .render_as_string(hide_password=False)
        )
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="mc-bench-"))
        self.procs: dict[str, subprocess.Popen] = {}
        (self.workdir / "metrics").mkdir()
        self.env = {
            **os.environ,
            "MELDECENTRAL_ENV": "production",
            "DATABASE_URL": self.db_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": secrets.token_hex(32),
            "PUBLIC_BASE_URL": self.base,
            "WEB_CONCURRENCY": str(web_workers),
            "OUTBOX_SWEEP_AFTER_SECONDS": "5",
            "OUTBOX_SWEEP_EVERY_SECONDS": "2",
            # One client address sends everything here: lift the per-address limits, a minute's
            # and a day's as in production (they are still counted in Redis on every request).
            "RATELIMIT_SUBMIT": "1000000/minute;100000000/day",
            "RATELIMIT_OPEN311_READ": "1000000/minute",
            # A backlog of 20,000 takes minutes: do not republish what is merely queued.
            "OUTBOX_REPUBLISH_AFTER_SECONDS": "3600",
            "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "metrics"),
            # The dashboard timed as computed on every request, not as served from the web
            # process's cache (its times still come from the table the workers keep).
            "DASHBOARD_CACHE_SECONDS": "0",
            **(extra_env or {}),
        }
        self.web_workers = web_workers
        self.normal_concurrency = normal_concurrency
        self.urgent_concurrency = urgent_concurrency

    def flask(self, *args: str) -> str:
        out = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout

    def prepare(self) -> None:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        self.flask("db", "upgrade")
        self.flask("demo", "load", "--reports", "0")

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.workdir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(
        self,
        app: str = "wsgi:app",
        name: str = "web",
        ready: str = "/readyz",
        port: int | None = None,
    ) -> str:
        """gunicorn with config/gunicorn.py; ``app`` may be the ceiling (bench.ceiling_app:app),
        served the same way, on ``port`` (a second server beside the first) or the stack's own.
        Returns the server's base URL."""
        base = f"http://127.0.0.1:{port}" if port else self.base
        self._spawn(
            name,
            [
                str(BIN / "gunicorn"),
                "--config",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{port or self.port}",
                "--access-logfile",
                "/dev/null",
                "--workers",
                str(self.web_workers),
                app,
            ],
        )
        if ready:
            self.wait_http(base + ready)
        return base

    def stop_process(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def start_workers(self, queues: tuple[str, ...] = ("urgent", "normal")) -> None:
        celery = str(BIN / "celery")
        common = [
            "--app",
            "workers.celery_app",
            "worker",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if "urgent" in queues:
            self._spawn(
                "worker-urgent",
                [
                    celery,
                    *common,
                    "--queues",
                    "urgent",
                    # One task at a time in the main process (as in the Procfile): the memory
                    # of one process instead of a main process and a pool process.
                    *(
                        ["--pool", "solo"]
                        if self.urgent_concurrency == 1
                        else ["--concurrency", str(self.urgent_concurrency)]
                    ),
                    "-n",
                    "urgent@%h",
                ],
            )
        if "normal" in queues:
            self._spawn(
                "worker-normal",
                [
                    celery,
                    *common,
                    "--queues",
                    "normal",
                    "--concurrency",
                    str(self.normal_concurrency),
                    "-n",
                    "normal@%h",
                ],
            )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "--app",
                "workers.celery_app",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(self.workdir / "beat-schedule"),
            ],
        )

    def wait_http(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer in {timeout}s; see {self.workdir}")

    def pids(self) -> dict[str, list[int]]:
        """Each process kind's pids, children included (for memory readings)."""
        out = {}
        for name, proc in list(self.procs.items()):
            children = subprocess.run(
                ["pgrep", "-g", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
            out[name] = [int(p) for p in children] or [proc.pid]
        return out

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": self.db_name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db_name}"'))
        admin.dispose()
