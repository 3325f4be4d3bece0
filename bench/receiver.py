"""A local webhook receiver for benchmarks: records when each report's alert arrives.

By default it runs as a process of its own (``python -m bench.receiver``), so that the
benchmark's own work (reading results, the memory sampler) cannot hold up its clock: in one
process, a handler thread waits for the interpreter lock before it notes the arrival. Each
arrival is appended to a file as "reference<TAB>unix time" the moment it is read;
``arrivals`` reads what was added since. ``Receiver(in_process=True)`` serves from a thread of
this process instead (bench/profile.py, which counts the receiver's CPU with the routing's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _server(record) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            now = time.time()
            record(json.loads(body).get("reference"), now)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


class Receiver:
    def __init__(self, in_process: bool = False):
        self._arrivals: dict[str, float] = {}
        self._requests = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._server: ThreadingHTTPServer | None = None
        if in_process:
            self._server = _server(self._record)
            port = self._server.server_port
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        else:
            folder = Path(tempfile.mkdtemp(prefix="mc-receiver-"))
            self._file = folder / "arrivals.tsv"
            self._file.touch()
            self._offset = 0
            port_file = folder / "port"
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "bench.receiver", str(self._file), str(port_file)],
                cwd=Path(__file__).resolve().parent.parent,
            )
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError("the webhook receiver did not start")
                time.sleep(0.05)
            port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{port}/alerts"

    def _record(self, ref: str | None, now: float) -> None:
        with self._lock:
            self._requests += 1
            self._arrivals.setdefault(ref, now)

    def _read(self) -> None:
        if self._proc is None:
            return
        with open(self._file, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        end = data.rfind(b"\n") + 1  # a line still being written waits for the next read
        self._offset += end
        for line in data[:end].decode().splitlines():
            ref, _, at = line.partition("\t")
            self._record(ref, float(at))

    @property
    def arrivals(self) -> dict[str, float]:
        self._read()
        return self._arrivals

    @property
    def requests(self) -> int:
        self._read()
        return self._requests

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description="webhook receiver process (bench.receiver)")
    parser.add_argument("out", help="file to append 'reference<TAB>time' lines to")
    parser.add_argument("port_file", help="file to write the chosen port to")
    args = parser.parse_args()
    out = open(args.out, "a", buffering=1)  # line-buffered: each arrival is written at once
    lock = threading.Lock()

    def record(ref: str | None, now: float) -> None:
        with lock:
            out.write(f"{ref}\t{now:.6f}\n")

    server = _server(record)
    tmp = args.port_file + ".tmp"
    Path(tmp).write_text(str(server.server_port))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
