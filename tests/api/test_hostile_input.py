"""Hostile input costs a bounded amount: each finding of the security review, replayed against a
server of its own, whose workers' peak memory (VmHWM from /proc) is read before and after.

The bounds are generous (several times what the service needs here) so that a busy machine
does not fail them; what they catch is the unbounded behaviour they replace: gigabytes of
memory, and minutes of work, for a request of a few megabytes. Elapsed times are hang
detectors, not speed targets.
"""

import http.client
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from devtools.processes import run_init, start_app_server
from devtools.waiting import free_port, stop_process
from tests.ecg_files import dicom_ecg_bytes, edf_bytes
from tests.helpers import Api, server_environment

MIB = 1024 * 1024
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("API_BASE_URL")), reason="measures the workers of a server of its own"
)


class MeasuredServer(Api):
    """A local server whose gunicorn workers can be measured."""

    master_pid: int = 0

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def memory(self, field: str) -> int:
        """The largest ``field`` of /proc/PID/status (VmRSS, VmHWM) of any worker, in bytes."""
        sizes = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            line = next(line for line in status.splitlines() if line.startswith(f"{field}:"))
            sizes.append(int(line.split()[1]) * 1024)
        return max(sizes)

    def restart_peaks(self) -> int:
        """Start each worker's peak (VmHWM) afresh from its present size, so a request's peak
        is measured whatever earlier requests reached; return the largest present size."""
        for pid in self.workers():
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        return self.memory("VmRSS")


@pytest.fixture(scope="module")
def server(database, tmp_path_factory):
    environment = server_environment(
        database.uri_for("hostile"),
        UPLOADS_PER_MINUTE="0",
        LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE="100000",
        MAX_FILE_UPLOAD_SIZE=str(64 * MIB),
        # One worker: the measured request must land where the measurement looks.
        WEB_CONCURRENCY="1",
    )
    run_init(environment)
    port = free_port()
    log = tmp_path_factory.mktemp("hostile-log") / "server.log"
    process = start_app_server(environment, port, log)
    measured = MeasuredServer(f"http://127.0.0.1:{port}", "admin", "admin-password-for-tests", True)
    measured.master_pid = process.pid
    yield measured
    stop_process(process)


@pytest.fixture(scope="module")
def token(server) -> str:
    admin = server.login(server.admin_username, server.admin_password)
    return server.new_account(admin, "target")


def measured(server: MeasuredServer, send) -> tuple[object, int, float]:
    """Send a request; return its response, the worker's peak growth and the elapsed time."""
    before = server.restart_peaks()
    started = time.monotonic()
    response = send()
    growth, elapsed = server.memory("VmHWM") - before, time.monotonic() - started
    # The figures, for `pytest -s` (the review's before/after table comes from them).
    print(f"worker peak +{growth / MIB:.0f} MiB, {elapsed:.2f} s", end=" ")
    return response, growth, elapsed


def announce_body(server: MeasuredServer, path: str, length: int, first: bytes):
    """Announce a body of ``length`` bytes, send only its start, and read the answer."""
    connection = http.client.HTTPConnection(urlsplit(server.base_url).netloc, timeout=60)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(length))
    connection.endheaders()
    connection.send(first)
    response = connection.getresponse()
    status, body = response.status, json.loads(response.read())
    connection.close()
    return status, body


def upload_json(server: MeasuredServer, token: str, body: bytes):
    headers = {"Content-Type": "application/json"}
    return server.request("POST", "/api/v1/ecgs", token, data=body, headers=headers)


def upload_file(server: MeasuredServer, token: str, name: str, content: bytes):
    return server.request(
        "POST", "/api/v1/ecgs", token, files={"file": (name, content, "application/octet-stream")}
    )


def test_a_64_mib_login_is_refused_unread(server):
    pad = b'{"username": "x", "password": "p", "pad": [' + b'{"a":1},' * 1000
    (status, body), growth, elapsed = measured(
        server, lambda: announce_body(server, "/api/v1/auth/login", 64 * MIB, pad)
    )
    assert (status, body["error"]) == (413, "request_entity_too_large")
    assert "16384 bytes" in body["message"]
    assert growth < 16 * MIB and elapsed < 10


def test_64_mib_of_tiny_leads_is_refused_before_any_is_built(server, token):
    lead = b'{"name":"L","signal":[1]},'
    body = b'{"leads":[' + lead * (60 * MIB // len(lead)) + b'{"name":"M","signal":[1]}]}'
    response, growth, elapsed = measured(server, lambda: upload_json(server, token, body))
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "leads"
    # The body itself is held once (60 MiB); nothing of its 2.4 million objects is built.
    assert growth < 3 * len(body) and elapsed < 30


def test_a_valid_upload_near_the_body_limit_costs_a_few_times_its_size(server, token):
    # Two leads of 4.5 M samples of five or six characters each: about 58 MiB of JSON.
    samples = np.random.default_rng(3).integers(-9999, 9999, 9_000_000, dtype=np.int32)
    leads = [
        {"name": name, "signal": part.tolist()}
        for name, part in zip("AB", np.split(samples, 2), strict=True)
    ]
    body = json.dumps({"id": "near-the-limit", "leads": leads}).encode()
    del leads
    response, growth, _ = measured(server, lambda: upload_json(server, token, body))
    assert response.status_code == 201, response.text
    # A Python int per sample took 25 times the body (1.4 GiB here); the typed pass reads the
    # samples into int32 arrays beside the text, and the analyses copy a block at a time
    # (measured: 2.2 times the body).
    assert growth < 4 * len(body)


def test_a_valid_upload_of_one_digit_samples_is_read_in_bounded_memory(server, token):
    # 29 M samples of two characters each ("1,"): the densest valid JSON of samples, where a
    # parser's bookkeeping per number outweighs the text (simdjson's for the whole lead at once:
    # 18.8 times the body; numpy's reader 8.6), and int32 samples take twice the text.
    body = b'{"id": "dense", "leads": [{"name": "I", "signal": [' + b"1," * 29_000_000 + b"1]}]}"
    response, growth, _ = measured(server, lambda: upload_json(server, token, body))
    assert response.status_code == 201, response.text
    # Measured: 4.5 times the body (the body, a copy of the lead's text, the samples).
    assert growth < 6 * len(body)


def wfdb_header(signals: int, label: str = "II") -> str:
    lines = [f"rec {signals} 360 1000"]
    lines += [f"rec.dat 16 200/mV 16 0 0 0 0 {label}" for _ in range(signals)]
    return "\n".join(lines) + "\n"


def edf_with_channels(channels: int) -> bytes:
    """An EDF header announcing ``channels`` signals of one record of one sample each."""
    main = b"0       " + b" " * 80 + b" " * 80 + b"01.05.24" + b"10.30.00"
    main += str(256 * (channels + 1)).ljust(8).encode() + b" " * 44
    main += b"1       " + b"1       " + str(channels).ljust(4).encode()
    fields = [(b"ECG", 16), (b"", 80), (b"uV", 8), (b"-100", 8), (b"100", 8)]
    fields += [(b"-32768", 8), (b"32767", 8), (b"", 80), (b"1", 8), (b"", 32)]
    signal_part = b"".join(value.ljust(width) * channels for value, width in fields)
    return main + signal_part + b"\x00\x00" * channels


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rec.hea", wfdb_header(3000).encode()),
        ("many.edf", edf_with_channels(1500)),
        ("many.dcm", dicom_ecg_bytes(np.zeros((10, 1500), dtype=np.int16))),
    ],
    ids=["WFDB, 3000 signals of one label", "EDF, 1500 channels", "DICOM, 1500 channels"],
)
def test_thousands_of_channels_are_refused_before_any_is_named(server, token, name, content):
    files = [("file", (name, content, "application/octet-stream"))]
    if name.endswith(".hea"):
        files.append(("file", ("rec.dat", b"\x00" * 6000, "application/octet-stream")))
    response, growth, elapsed = measured(
        server, lambda: server.request("POST", "/api/v1/ecgs", token, files=files)
    )
    assert response.status_code == 415, response.text
    assert "at most 64" in response.json()["message"]
    assert elapsed < 20 and growth < 64 * MIB


def zip_of(members: dict[str, bytes | tuple[int, bytes]]) -> bytes:
    """A zip; a member given as (size, unit) holds ``unit`` repeated up to ``size`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            if isinstance(content, tuple):
                size, unit = content
                with archive.open(name, "w", force_zip64=True) as member:
                    for _ in range(size // len(unit)):
                        member.write(unit)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"rec.hea": (512 * MIB, b"#" * MIB)}, "header is larger than"),
        (
            {"rec.hea": wfdb_header(2), "rec.dat": (256 * MIB, b"\x00" * MIB)},
            "inflates to more than",
        ),
        ({f"m{index}.dat": b"" for index in range(25_000)} | {"rec.hea": wfdb_header(1)}, "more"),
    ],
    ids=["a header inflating to 512 MiB", "data inflating 250 times", "25000 members"],
)
def test_a_zip_is_held_to_its_limits_before_anything_is_inflated(server, token, members, expected):
    content = zip_of(members)
    response, growth, elapsed = measured(
        server, lambda: upload_file(server, token, "bomb.zip", content)
    )
    assert response.status_code in (400, 415), response.text
    message = response.json()["message"]
    assert expected in message and tempfile.gettempdir() not in message
    assert growth < 2 * len(content) + 32 * MIB and elapsed < 30


def test_a_file_with_valid_channels_still_uploads(server, token):
    leads = [np.zeros(2500, dtype=np.int16) for _ in range(3)]
    assert upload_file(server, token, "ok.edf", edf_bytes(leads)).status_code == 201
