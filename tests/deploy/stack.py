"""The production recipe run for real on loopback: nginx from deploy/nginx/sipas.conf
in front of gunicorn with deploy/gunicorn.conf.py, a self-signed certificate.

Only the lines of the site file marked "# deploy:" are replaced (ports, paths);
everything else is the file an operator installs. Clients connect from their own
loopback addresses (127.0.0.5, 127.0.0.6, …): nginx's own address, 127.0.0.1, is
the one trusted proxy, as on a production host.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "sipas.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def nginx_binary() -> str:
    """nginx, installed from Debian's apt when missing (as root); else a skip."""
    for path in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if path and os.path.exists(path):
            return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(
            "nginx is missing and apt-get cannot install it (not root on Debian)"
        )
    # RUNLEVEL=1: the package must not start the system's own nginx on port 80.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "nginx"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(
                f"apt-get could not install nginx: {done.stderr.strip()[-300:]}"
            )
    return "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds=60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited early:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}:\n{log.read_text()[-3000:]}")


def render_site(
    ports: dict[str, int], certificate: Path, key: Path, static: Path
) -> str:
    replacements = {
        "upstream": f"server 127.0.0.1:{ports['app']};",
        "http": f"listen 127.0.0.1:{ports['http']};",
        "http6": "",
        "redirect": f"return 301 https://$host:{ports['https']}$request_uri;",
        "https": f"listen 127.0.0.1:{ports['https']} ssl http2;",
        "https6": "",
        "certificate": f"ssl_certificate {certificate};",
        "key": f"ssl_certificate_key {key};",
        "static": f"alias {static}/;",
    }
    lines, seen = [], set()
    for line in SITE.read_text().splitlines():
        marker = re.search(r"#\s*deploy:\s*(\w+)\s*$", line)
        if marker:
            name = marker.group(1)
            seen.add(name)
            indent = line[: len(line) - len(line.lstrip())]
            line = indent + replacements[name]
        lines.append(line)
    assert seen == set(replacements), f"markers in {SITE}: {sorted(seen)}"
    return "\n".join(lines) + "\n"


@dataclass
class Stack:
    ports: dict[str, int]
    tmp: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def gunicorn_log(self) -> str:
        return (self.tmp / "gunicorn-access.log").read_text()

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


def start(tmp: Path, environment: dict[str, str]) -> Stack:
    """gunicorn and nginx for the running test database; stop() ends both."""
    nginx = nginx_binary()
    ports = {name: free_port() for name in ("app", "http", "https")}
    stack = Stack(ports=ports, tmp=tmp)
    static = tmp / "static"
    env = {
        **os.environ,
        **environment,
        "STATIC_ROOT": str(static),
        "GUNICORN_BIND": f"127.0.0.1:{ports['app']}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(tmp / "gunicorn-access.log"),
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{ports['https']}",
        # As the systemd unit runs it: Prometheus in multiprocess mode.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
    }
    (tmp / "metrics").mkdir()
    python = str(ROOT / ".venv" / "bin" / "python")
    if not os.path.exists(python):
        python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    key, certificate = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    log = tmp / "gunicorn.log"
    gunicorn = str(Path(python).parent / "gunicorn")
    stack.processes.append(
        subprocess.Popen(
            [gunicorn, "sipas.wsgi:application", "--config", str(GUNICORN_CONF)],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
    )
    try:
        wait_for_port(ports["app"], stack.processes[0], log)
        (tmp / "site.conf").write_text(render_site(ports, certificate, key, static))
        (tmp / "nginx.conf").write_text(_nginx_conf(tmp))
        nginx_log = tmp / "nginx-error.log"
        stack.processes.append(
            subprocess.Popen(
                [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                stdout=nginx_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_for_port(ports["https"], stack.processes[1], nginx_log)
    except Exception:
        stack.stop()
        raise
    return stack


def _nginx_conf(tmp: Path) -> str:
    # As root, nginx's workers would run as "nobody", who cannot read pytest's
    # private temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {tmp}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/nginx-access.log;
{temp}
    include {tmp}/site.conf;
}}
"""


class Browser:
    """A client from its own loopback address, with cookies; TLS unverified
    (self-signed certificate)."""

    def __init__(self, port: int, source: str, *, tls: bool = True) -> None:
        self.port, self.source, self.tls = port, source, tls
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", headers=None):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            connection = http.client.HTTPSConnection(
                "127.0.0.1",
                self.port,
                context=context,
                timeout=30,
                source_address=(self.source, 0),
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, content

    def submit_survey(self, path: str, extra_headers=None) -> int:
        """Open the survey form and send a complete answer; the POST's status."""
        response, page = self.request("GET", path, headers=extra_headers)
        assert response.status == 200, page[:500]
        html = page.decode()
        token = re.search(r'name="token" value="([^"]+)"', html).group(1)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = {
            "csrfmiddlewaretoken": csrf,
            "token": token,
            "website": "",
            "procedure": "",
            "channel": "truc_tiep",
            "E1.1": "4",
            "E3.1": "5",
            "G": "4",
            "comment": "",
            "reply_contact": "",
        }
        origin = f"https://127.0.0.1:{self.port}"  # direct: X-Forwarded-Proto
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + path,
            **(extra_headers or {}),
        }
        response, _ = self.request("POST", path, urlencode(data).encode(), headers)
        return response.status
