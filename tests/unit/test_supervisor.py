"""``make run``'s supervisor (issue 16): a process that ends is started again with backoff, and
the others keep running: the worker killed, the web still answers."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from meldecentral.cli.stack import banner
from meldecentral.cli.supervisor import Supervisor, read_procfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.slow  # real processes, a second or two each


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as res:
            return res.status == 200
    except OSError:
        return False


@pytest.fixture
def running(tmp_path):
    port = _free_port()
    py = sys.executable
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"web: {py} -m http.server $PORT --bind 127.0.0.1 --directory {tmp_path}\n"
        f"# a comment\n\nworker: {py} -c 'import time; time.sleep(600)'\n"
        f"crasher: {py} -c 'raise SystemExit(3)'\n"
    )
    out = io.StringIO()
    sup = Supervisor(
        read_procfile(procfile),
        env=os.environ | {"PORT": str(port)},
        out=out,
        backoff_base=0.2,
        backoff_cap=0.8,
    )
    thread = threading.Thread(target=sup.run, kwargs={"interval": 0.05})
    thread.start()
    _wait(lambda: _answers(port), 10, "the web process")
    yield sup, port, out
    sup.stop()
    thread.join(30)
    assert not thread.is_alive()


def test_a_killed_process_is_restarted_and_the_web_stays_up(running):
    sup, port, out = running
    web, worker = sup.pid("web"), _wait(lambda: sup.pid("worker"), 5, "the worker")
    os.kill(worker, signal.SIGKILL)
    restarted = _wait(lambda: (p := sup.pid("worker")) and p != worker and p, 5, "a new worker")
    assert restarted != worker
    assert sup.pid("web") == web  # not restarted with it
    assert _answers(port)
    assert "worker  | exited with code -9; starting again in 0.2 s" in out.getvalue()


def test_a_process_that_keeps_crashing_backs_off_and_others_run_on(running):
    sup, port, out = running
    _wait(lambda: sup._by_name("crasher").restarts >= 4, 10, "restarts")
    log = out.getvalue()
    for delay in ("0.2", "0.4", "0.8"):
        assert f"crasher | exited with code 3; starting again in {delay} s" in log
    assert "starting again in 1.6 s" not in log  # the cap
    assert _answers(port)


def test_stop_ends_every_process(tmp_path):
    sup = Supervisor([("sleeper", f"{sys.executable} -c 'import time; time.sleep(600)'")])
    sup.out = io.StringIO()
    thread = threading.Thread(target=sup.run, kwargs={"interval": 0.05})
    thread.start()
    pid = _wait(lambda: sup.pid("sleeper"), 5, "the process")
    sup.stop()
    thread.join(30)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_banner_names_the_address_and_what_each_demo_account_can_do():
    text = banner(5123, "http://localhost:5123")
    assert "http://localhost:5123" in text
    assert "koordinator@demo.meldecentral.dk" in text
    assert "triage queue" in text
    assert "politi@demo.meldecentral.dk" in text and "unit_member POLICE" in text
    assert "PUBLIC_BASE_URL" not in text
    assert "PUBLIC_BASE_URL=https://meld.example.org" in banner(5000, "https://meld.example.org")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl's parent-death signal")
def test_a_killed_supervisor_takes_its_processes_with_it():
    """SIGKILL leaves the supervisor no time to stop anything; its processes, each in a
    session of its own, would run on (holding make run's port) but for the parent-death
    signal."""
    script = (
        "import io, time\n"
        "from meldecentral.cli.supervisor import Supervisor\n"
        f"sleeper = '{sys.executable} -c \"import time; time.sleep(600)\"'\n"
        "sup = Supervisor([('sleeper', sleeper)], out=io.StringIO())\n"
        "sup.start()\n"
        "print(sup.pid('sleeper'), flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    child = int(proc.stdout.readline())
    try:
        assert _alive(child)
        proc.kill()
        proc.wait(10)
        _wait(lambda: not _alive(child), 10, "the supervisor's process to end with it")
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its new parent to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
