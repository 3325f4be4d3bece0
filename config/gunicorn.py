"""gunicorn settings; each can be overridden on the command line or by GUNICORN_CMD_ARGS.

gthread workers: a request spends most of its time waiting for PostgreSQL or Redis, so a few
threads per process keep a core busy without the memory of more processes. Size: one process
per core (WEB_CONCURRENCY), four threads each (WEB_THREADS); more processes only if a core is
idle under load. docs/operations.md has the reasoning and the measured figures.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5  # behind a proxy that reuses connections; keep it below the proxy's idle timeout
# A listening socket per worker (SO_REUSEPORT), so that the kernel spreads new connections over
# the workers. With one shared socket, the worker that wakes first accepts a burst of
# connections; kept alive, they stay with it, and under load one process (one core: the GIL)
# serves them all while the other idles (measured: docs/operations.md, "gunicorn"). The cost: a
# worker that exits (max_requests, a deploy) resets connections still waiting in its own accept
# queue, unless the kernel hands them on (Linux 5.14+: sysctl net.ipv4.tcp_migrate_req=1).
# GUNICORN_REUSE_PORT=0 goes back to one shared socket.
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "1") != "0"
# Recycle a worker now and then (a slow leak cannot grow for ever); jitter so that they do not
# all restart at once. Not too often: a new worker loads the app (1-2 s of a core) and resets
# connections in its predecessor's accept queue (what restarting every 5000 requests cost
# under load: docs/operations.md).
max_requests = 50000
max_requests_jitter = 5000
# The heartbeat file on tmpfs: a container's disk under load cannot make workers look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108  # nosec B108
# Requests larger than this are refused before the app reads them (the app's own limits,
# MAX_CONTENT_LENGTH and MAX_JSON_BODY, are lower).
limit_request_line = 4094
limit_request_fields = 100
accesslog = "-"
# The access line (meldecentral/access_log.py): method, path without the query string (it may
# carry a reference or filters), status, bytes, duration, request id; not the client's address.
logger_class = "meldecentral.access_log.AccessLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's own lines (errors, access) as JSON too, like the app's (meldecentral/logs.py).
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "meldecentral.logs.JsonFormatter"}},
        "handlers": {
            "error": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        # The app adds its own JSON handler to the root logger (meldecentral/logs.py).
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges must not be summed any more."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """With reuse_port each worker binds its own socket, so gunicorn's "Listening at:" line has
    no address; say where it listens."""
    if server.LISTENERS:
        return
    addresses = ", ".join(f"http://{address}" for address in server.cfg.bind)
    server.log.info("Listening at: %s (a socket per worker, SO_REUSEPORT)", addresses)
