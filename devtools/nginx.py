"""The compose stack's nginx, run here from Debian's nginx with the same server template."""

import re
import shutil
import subprocess
from pathlib import Path

from devtools.processes import PROJECT_ROOT
from devtools.waiting import stop_process, wait_for_http

TEMPLATE = PROJECT_ROOT / "docker" / "nginx" / "templates" / "ecg-service.conf.template"
NO_BALANCER = "192.0.2.255/32"  # docker-compose.yml's default: a documentation address (RFC 5737)
# The official image's main configuration, reduced to what a local run needs: its paths and
# process settings differ here, the server block (the template) does not. Like the image's, it
# logs every request line, unless the template says otherwise.
MAIN_CONFIGURATION = """\
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder}/access.log;
    default_type application/octet-stream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/ecg-service.conf;
}}
"""


def render(template: str, variables: dict[str, str]) -> str:
    """Substitute ${NAME} for the given names only, as the image's envsubst step does."""
    return re.sub(r"\$\{(\w+)\}", lambda match: variables.get(match[1], match[0]), template)


def nginx_binary() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise RuntimeError("nginx is missing: apt-get install nginx (make test does, as root)")
    return binary


def start_nginx(
    folder: Path, upstream: str, port: int, balancer: str = NO_BALANCER
) -> subprocess.Popen:
    """nginx on 127.0.0.1:``port`` in front of ``upstream`` (host:port), trusting the
    X-Forwarded-For of connections from ``balancer``; waits for /healthz."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o777)  # nginx's workers run as nobody when started as root
    variables = {"ECG_UPSTREAM": upstream, "NGINX_PORT": str(port), "BALANCER_ADDRESSES": balancer}
    server = render(TEMPLATE.read_text(), variables)
    (folder / "ecg-service.conf").write_text(server)
    (folder / "nginx.conf").write_text(MAIN_CONFIGURATION.format(folder=folder))
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, f"nginx on port {port}")
    except BaseException:
        stop_process(process)
        raise
    return process
