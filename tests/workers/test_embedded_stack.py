"""``make run``'s stack on the embedded default (issue 16), with real processes: SQLite, kombu's
SQLAlchemy broker, gunicorn, a Celery worker and beat under ``flask stack``'s supervisor.

After the demo load a new report is routed within seconds (the demo's past queues nothing),
and a killed worker is started again while the web keeps answering."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.soak import BODY, Stack, free_port, healthy, http, routed_at, token_for
from tests.workers.conftest import ROOT, wait_for

pytestmark = [pytest.mark.workers, pytest.mark.slow]

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """One stack for the module's tests (each start and stop of it costs seconds): the first
    test routes after the demo, the second kills its worker."""
    tmp_path = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = os.environ | {
        "MELDECENTRAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mc.sqlite'}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
        "SECRET_KEY": "embedded-stack-test-" + "x" * 20,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "LOG_FORMAT": "plain",
    }
    env.pop("REDIS_URL", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["demo", "load", "--reports", "300"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"web: {BIN}/gunicorn --config config/gunicorn.py --bind 127.0.0.1:$PORT wsgi:app\n"
        f"worker: {BIN}/celery --app workers.celery_app worker --queues urgent,normal"
        " --concurrency 1 --loglevel INFO\n"
        f"beat: {BIN}/celery --app workers.celery_app beat --loglevel INFO"
        f" --schedule {tmp_path / 'celerybeat-schedule'}\n"
    )
    stack = Stack(ROOT, [*flask, "stack", str(procfile)], env, tmp_path / "stack.log")
    stack.start()
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: healthy(base), 60, interval=0.3, what="the web server")
    try:
        yield stack, base, token_for(ROOT, env), tmp_path / "mc.sqlite"
    finally:
        stack.stop()
        print((tmp_path / "stack.log").read_text()[-3000:])


def _submit(base: str, token: str) -> str:
    status, body = http("POST", f"{base}/api/v1/reports", BODY, token)
    assert status == 201, (status, body)
    return body["reference"]


def test_after_the_demo_a_new_report_is_routed_within_seconds(embedded):
    stack, base, token, db_path = embedded
    wait_for(lambda: "is running: http://localhost:" in stack.banner, 10, what="the banner")
    start = time.monotonic()
    ref = _submit(base, token)
    wait_for(lambda: routed_at(db_path, [ref]), 15, interval=0.2, what="routing")
    print(f"routed {time.monotonic() - start:.1f} s after submission")


def test_a_killed_worker_comes_back_and_the_web_stays_up(embedded):
    stack, base, token, db_path = embedded
    first = _submit(base, token)
    wait_for(lambda: routed_at(db_path, [first]), 15, interval=0.2, what="routing")
    killed = stack.kill("worker")
    start = time.monotonic()
    down = 0

    def routed() -> bool:
        nonlocal down
        down += not healthy(base)
        return bool(routed_at(db_path, [ref]))

    ref = _submit(base, token)
    wait_for(routed, 60, interval=0.5, what="routing by the restarted worker")
    assert stack.pids["worker"] != killed
    assert down == 0
    print(f"worker killed; the next report routed after {time.monotonic() - start:.1f} s")
