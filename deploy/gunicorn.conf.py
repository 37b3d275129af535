"""gunicorn settings for the SIPAS portal (systemd: deploy/systemd/sipas-web.service).

Loopback only: nginx (deploy/nginx/sipas.conf) terminates TLS in front of it and
is the one trusted proxy (TRUSTED_PROXIES=127.0.0.1,::1 in the environment file).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes per core, two threads each: a request mostly waits on PostgreSQL.
workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# nginx gives up after 60 s (proxy_read_timeout); so does a worker.
timeout = 60
graceful_timeout = 30
keepalive = 10
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# gunicorn's own X-Forwarded-Proto handling (Django reads it through
# SECURE_PROXY_SSL_HEADER); only from nginx on this host.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server, worker):
    """A worker that exits leaves its Prometheus files for the others to sum; tell
    prometheus_client it is gone (multiprocess mode, PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
