"""A small process supervisor for ``make run``: the Procfile's processes, each restarted with
backoff when it ends, the others left running.

honcho (and foreman) stop every process when one exits, so one crashed worker took the web
server down with it (issue 16). supervisord or circus would do, but are not dependencies of
the app; this is the part of them ``make run`` needs, standard library only.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Linux's prctl, looked up now: the child calls it between fork and exec, where it should do as
# little as it can (no lookup, no import).
try:
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):
    _PRCTL = None
_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """In the child before its command runs: SIGTERM when the supervisor ends, however it ends
    (SIGKILL, a crash), so that no process is left running without it. Each child has a
    session of its own (Ctrl-C reaches only the supervisor), so nothing else would reach it."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor ended before the line above
        os._exit(1)


def read_procfile(path: str | Path) -> list[tuple[str, str]]:
    """``name: command`` lines; blank lines and ``#`` comments are skipped."""
    out = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        out.append((name.strip(), command.strip()))
    return out


@dataclass
class Process:
    name: str
    command: str
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_exits: int = 0  # exits in a row that came soon after a start
    start_at: float = 0.0  # when to start it (again)
    restarts: int = 0


class Supervisor:
    """Starts the processes, each in a process group of its own (a Celery worker's pool
    children go with it), prefixes their output with their names, and restarts one that ends:
    after ``backoff_base`` seconds, doubling per quick exit in a row up to ``backoff_cap``; a
    process that ran ``stable_after`` seconds starts over at ``backoff_base``."""

    def __init__(
        self,
        processes: list[tuple[str, str]],
        *,
        env: dict | None = None,
        cwd: str | Path | None = None,
        out: IO[str] | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        stable_after: float = 60.0,
    ):
        self.processes = [Process(name, command) for name, command in processes]
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.out = out or sys.stdout
        self.backoff_base, self.backoff_cap, self.stable_after = (
            backoff_base,
            backoff_cap,
            stable_after,
        )
        self._write_lock = threading.Lock()
        self._stopping = threading.Event()
        self._width = max((len(p.name) for p in self.processes), default=0)

    def say(self, name: str, line: str) -> None:
        with self._write_lock:
            self.out.write(f"{name.ljust(self._width)} | {line.rstrip()}\n")
            self.out.flush()

    def pid(self, name: str) -> int | None:
        proc = self._by_name(name)
        return proc.popen.pid if proc.popen and proc.popen.poll() is None else None

    def _by_name(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def _start(self, proc: Process) -> None:
        # exec: the shell becomes the command, so its pid is the process group's leader.
        proc.popen = subprocess.Popen(  # noqa: S603 - the commands are the repository's Procfile
            ["/bin/sh", "-c", f"exec {proc.command}"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # Only the prctl, resolved at import: safe beside the output threads.
            preexec_fn=functools.partial(_end_with, os.getpid()) if _PRCTL else None,
            text=True,
            errors="replace",
        )
        proc.started_at = time.monotonic()
        threading.Thread(target=self._pump, args=(proc.name, proc.popen), daemon=True).start()
        self.say(proc.name, f"started (pid {proc.popen.pid})")

    def _pump(self, name: str, popen: subprocess.Popen) -> None:
        for line in popen.stdout:
            self.say(name, line)

    def start(self) -> None:
        for proc in self.processes:
            self._start(proc)

    def poll(self) -> None:
        """Notice processes that ended and start those whose backoff has passed."""
        now = time.monotonic()
        for proc in self.processes:
            if proc.popen is not None and proc.popen.poll() is not None:
                code = proc.popen.returncode
                _kill_group(proc.popen.pid, signal.SIGKILL)  # its orphans, if any
                proc.popen = None
                if now - proc.started_at >= self.stable_after:
                    proc.quick_exits = 0
                delay = min(self.backoff_cap, self.backoff_base * 2**proc.quick_exits)
                proc.quick_exits += 1
                proc.start_at = now + delay
                self.say(proc.name, f"exited with code {code}; starting again in {delay:g} s")
            if proc.popen is None and not self._stopping.is_set() and now >= proc.start_at:
                proc.restarts += 1
                self._start(proc)

    def run(self, tick: Callable[[], None] | None = None, interval: float = 0.2) -> None:
        """Start everything, supervise until ``stop`` is called, then stop everything."""
        self.start()
        try:
            while not self._stopping.wait(interval):
                self.poll()
                if tick:
                    tick()
        finally:
            self.stop_all()

    def stop(self) -> None:
        self._stopping.set()

    def stop_all(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        running = [p for p in self.processes if p.popen and p.popen.poll() is None]
        for proc in running:
            # The leader only: a Celery worker or gunicorn stops its own children gracefully;
            # signalled too, they die mid-task. The group is killed after the timeout.
            _signal(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(proc.name, "did not stop in time; killed")
            _kill_group(proc.popen.pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
