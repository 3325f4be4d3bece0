"""config/gunicorn.py's hooks."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


def test_the_listening_line_names_the_address_when_each_worker_binds_its_own(monkeypatch):
    monkeypatch.setenv("PORT", "5123")
    hooks = runpy.run_path(str(CONFIG))
    lines: list[str] = []
    log = SimpleNamespace(info=lambda msg, *args: lines.append(msg % args))
    server = SimpleNamespace(LISTENERS=[], cfg=SimpleNamespace(bind=[hooks["bind"]]), log=log)
    hooks["when_ready"](server)
    assert lines == ["Listening at: http://0.0.0.0:5123 (a socket per worker, SO_REUSEPORT)"]
    # gunicorn's own line already has the address when it holds the sockets itself.
    lines.clear()
    hooks["when_ready"](SimpleNamespace(LISTENERS=["http://0.0.0.0:5123"], cfg=server.cfg, log=log))
    assert lines == []
