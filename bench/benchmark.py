"""Measure a running ECG service from outside and print JSON figures.

Starts nothing itself: point it at a running server and a user's credentials, e.g.
    python -m bench.benchmark --base-url http://127.0.0.1:5000 --username u --password p \
        [--server-pid GUNICORN_MASTER_PID] [--mongod-pid PID] [--mongodb-uri URI] \
        [--edf-hours 24]
(``bench.side_by_side`` starts this service and the reference implementation on fresh servers
and runs it against both.) Figures: uploads/s and latency percentiles of 12-lead ECGs at a
given concurrency, insight reads/s, the CPU milliseconds per request of the app's processes
(with --server-pid) and of mongod (with --mongod-pid) from /proc, the ingest time of an EDF
file (3 leads, 250 Hz) and the workers' peak RSS above idle while ingesting it (with
--server-pid, on the same machine), bytes per stored sample from MongoDB's collection
statistics (with --mongodb-uri), and the zero-crossing kernel's samples/s beside np.copy's.
Nothing here is asserted by the tests.
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import edfio
import numpy as np
import requests
from pymongo import MongoClient

from analysis.zero_crossings import count_zero_crossings
from devtools import accounts
from devtools.accounts import bearer, expect  # expect: figures of failed requests mean nothing

LEAD_NAMES = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


SAMPLING_FREQUENCY = 500


def standard_ecg_leads(samples_per_lead: int, seed: int = 1) -> list[dict]:
    """12 ECG-like leads at 500 Hz (beats at 75 bpm, each lead its own amplitude, noise and a
    wandering baseline), so every analysis does its real work, beat detection included."""
    generator = np.random.default_rng(seed)
    t = np.arange(samples_per_lead) / SAMPLING_FREQUENCY
    beats = np.arange(0.4, t[-1] + 1, 0.8)
    following = np.searchsorted(beats, t)
    nearest = beats[np.clip(following, 0, beats.size - 1)]
    previous = beats[np.clip(following - 1, 0, beats.size - 1)]
    offset = np.where(np.abs(t - nearest) < np.abs(t - previous), t - nearest, t - previous)
    shape = 1000 * np.exp(-((offset / 0.012) ** 2)) + 200 * np.exp(-(((offset - 0.25) / 0.05) ** 2))
    leads = []
    for name in LEAD_NAMES:
        wander = 150 * np.sin(2 * np.pi * generator.uniform(0.1, 0.3) * t)
        noise = generator.normal(0, 15, samples_per_lead)
        signal = generator.uniform(-1, 1) * shape + wander + noise
        leads.append({"name": name, "signal": np.round(signal).astype(int).tolist()})
    return leads


def percentiles(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def process_tree_cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of the processes and of their children (gunicorn's workers)."""
    total_ticks = 0
    for pid in pids:
        for member in [pid, *worker_pids(pid)]:
            # Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name.
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
            total_ticks += int(fields[11]) + int(fields[12])
    return total_ticks / os.sysconf("SC_CLK_TCK")


def cpu_meter(cpu_of: dict[str, list[int]] | None) -> Callable[[], dict[str, float]]:
    """Start counting; the function returned gives the CPU seconds each named list of pids
    (and their children) has spent since."""
    cpu_of = cpu_of or {}
    before = {name: process_tree_cpu_seconds(pids) for name, pids in cpu_of.items()}
    return lambda: {
        name: process_tree_cpu_seconds(pids) - before[name] for name, pids in cpu_of.items()
    }


def run_concurrently(task, count: int, concurrency: int, cpu_of: dict | None = None) -> dict:
    """Run task(index, session) count times on `concurrency` threads; return rate, latencies
    and, for each named list of pids in ``cpu_of``, the CPU milliseconds per request."""
    cpu_spent = cpu_meter(cpu_of)
    local = threading.local()
    latencies: list[float] = []

    def timed(index: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        task(index, local.session)
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(timed, range(count)))
    elapsed = time.perf_counter() - started
    cpu = {
        f"{name}_cpu_ms_per_request": round(seconds * 1000 / count, 2)
        for name, seconds in cpu_spent().items()
    }
    return {
        "requests": count,
        "per_second": round(count / elapsed, 1),
        **percentiles(latencies),
        **cpu,
    }


def kernel_figures(samples: int = 10_000_000) -> dict:
    """Zero-crossing samples/s beside plain memory bandwidth (np.copy), in the same run."""
    signal = np.random.default_rng(2).integers(-2000, 2000, samples).astype(np.int16)
    started = time.perf_counter()
    count_zero_crossings(signal)
    kernel_seconds = time.perf_counter() - started
    started = time.perf_counter()
    np.copy(signal)
    copy_seconds = time.perf_counter() - started
    return {
        "zero_crossings_samples_per_second": round(samples / kernel_seconds),
        "np_copy_samples_per_second": round(samples / copy_seconds),
    }


def write_edf(path: Path, hours: float, frequency: int = 250, leads: int = 3) -> int:
    """An EDF file of ECG-like int16 leads (a 10 s stretch of beats repeated, with noise of its
    own everywhere, so beat detection and quality checks do their real work); returns its
    sample count."""
    samples = int(hours * 3600 * frequency)
    t = np.arange(10 * frequency) / frequency
    beat_times = np.arange(0.4, 10, 0.8)  # 75 bpm
    template = sum(
        800 * np.exp(-(((t - b) / 0.012) ** 2)) + 150 * np.exp(-(((t - b - 0.25) / 0.05) ** 2))
        for b in beat_times
    )
    signals = []
    for seed in range(leads):
        noise = np.random.default_rng(seed).normal(0, 8, samples).astype(np.float32)
        lead = np.resize(template.astype(np.float32) * (1 - 0.2 * seed), samples) + noise
        signals.append(
            edfio.EdfSignal.from_digital(
                np.round(lead).astype(np.int16), frequency, label=f"ECG {seed + 1}"
            )
        )
    edfio.Edf(signals, starttime=dt.time(8, 0)).write(path)
    return samples * leads


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the master's children."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def edf_ingest_figures(
    api: str,
    headers: dict,
    hours: float,
    master_pid: int | None,
    leads: int = 3,
    cpu_of: dict | None = None,
) -> dict:
    """Upload a long EDF file; time it, watch the workers' memory meanwhile, and count the CPU
    seconds of each named list of pids in ``cpu_of``."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "holter.edf"
        samples = write_edf(path, hours, leads=leads)
        pids = worker_pids(master_pid) if master_pid else []
        idle = {pid: rss_bytes(pid) for pid in pids}
        peak = dict(idle)
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                for pid in pids:
                    peak[pid] = max(peak[pid], rss_bytes(pid))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        cpu_spent = cpu_meter(cpu_of)
        started = time.perf_counter()
        with open(path, "rb") as file:
            response = requests.post(
                f"{api}/ecgs",
                files={"file": ("holter.edf", file, "application/octet-stream")},
                headers={"Authorization": headers["Authorization"]},
                timeout=600,
            )
        seconds = time.perf_counter() - started
        cpu = {f"{name}_cpu_seconds": round(spent, 2) for name, spent in cpu_spent().items()}
        done.set()
        watcher.join()
        expect(response, 201)
        figures = {
            "hours": hours,
            "samples": samples,
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "ingest_seconds": round(seconds, 2),
            "samples_per_second": round(samples / seconds),
            **cpu,
        }
        if pids:
            figures["worker_peak_rss_above_idle_mb"] = round(
                max(peak[pid] - idle[pid] for pid in pids) / 2**20, 1
            )
        return figures


def storage_figures(mongodb_uri: str) -> dict:
    """Bytes per stored sample: the chunk and ECG collections' storage over all samples."""
    with MongoClient(mongodb_uri) as client:
        db = client.get_default_database(default="ecg")
        samples = sum(
            lead["number_of_samples"]
            for ecg in db.ecgs.find({}, {"leads.number_of_samples": 1})
            for lead in ecg["leads"]
        )
        stats = {name: db.command("collStats", name) for name in ("signal_chunks", "ecgs")}
        stored = sum(stat["storageSize"] for stat in stats.values())
        return {
            "samples": samples,
            "storage_bytes": stored,
            "bytes_per_sample": round(stored / samples, 3) if samples else None,
        }


def log_in(api: str, username: str, password: str) -> dict:
    """The headers of the benchmark's requests, with a fresh access token."""
    return request_headers(accounts.log_in(api, username, password))


def request_headers(token: str) -> dict:
    return {**bearer(token), "Content-Type": "application/json"}


def upload_task(
    api: str, headers: dict, count: int, samples_per_lead: int = 5000
) -> tuple[str, Callable[[int, requests.Session], None]]:
    """The run's id and a task uploading its ``index``-th ECG, ``bench-<run>-<index>``, of
    ``count`` made in advance (building a body is not the server's time)."""
    run = uuid.uuid4().hex[:8]
    leads = standard_ecg_leads(samples_per_lead)
    bodies = [
        json.dumps(
            {"id": f"bench-{run}-{i}", "sampling_frequency": SAMPLING_FREQUENCY, "leads": leads}
        )
        for i in range(count)
    ]

    def upload(index: int, session: requests.Session) -> None:
        response = session.post(f"{api}/ecgs", data=bodies[index], headers=headers, timeout=60)
        expect(response, 201)

    return run, upload


def request_figures(
    api: str,
    headers: dict,
    count: int,
    concurrency: int,
    samples_per_lead: int = 5000,
    cpu_of: dict | None = None,
) -> dict:
    """``count`` 12-lead uploads, then reads of their insights, each at ``concurrency``."""
    run, upload = upload_task(api, headers, count, samples_per_lead)

    def read_insights(index: int, session: requests.Session) -> None:
        response = session.get(
            f"{api}/ecgs/bench-{run}-{index}/insights", headers=headers, timeout=60
        )
        expect(response, 200)

    return {
        "ecg": ecg_description(samples_per_lead),
        "concurrency": concurrency,
        "uploads": run_concurrently(upload, count, concurrency, cpu_of),
        "insights": run_concurrently(read_insights, count, concurrency, cpu_of),
    }


def ecg_description(samples_per_lead: int = 5000) -> str:
    return f"{len(LEAD_NAMES)} leads x {samples_per_lead} samples at {SAMPLING_FREQUENCY} Hz"


def machine() -> str:
    return f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--samples-per-lead", type=int, default=5000)
    parser.add_argument("--edf-hours", type=float, default=24, help="0 to skip the EDF ingest")
    parser.add_argument("--edf-leads", type=int, default=3, help="leads of the EDF file")
    parser.add_argument(
        "--server-pid", type=int, help="gunicorn master's pid, for the app's CPU and RSS"
    )
    parser.add_argument("--mongod-pid", type=int, help="mongod's pid, for its CPU")
    parser.add_argument(
        "--mongodb-uri",
        help="the server's database, for storage figures, as a user that may read ECGs and their "
        "statistics (find, collStats: the inspector user; the service's may not)",
    )
    arguments = parser.parse_args()

    api = arguments.base_url.rstrip("/") + "/api/v1"
    headers = log_in(api, arguments.username, arguments.password)
    cpu_of = {
        name: [pid]
        for name, pid in (("app", arguments.server_pid), ("mongod", arguments.mongod_pid))
        if pid
    }
    figures = {
        "machine": machine(),
        **request_figures(
            api,
            headers,
            arguments.requests,
            arguments.concurrency,
            arguments.samples_per_lead,
            cpu_of,
        ),
    }
    if arguments.edf_hours > 0:
        figures["edf_ingest"] = edf_ingest_figures(
            api, headers, arguments.edf_hours, arguments.server_pid, arguments.edf_leads, cpu_of
        )
    if arguments.mongodb_uri:
        figures["storage"] = storage_figures(arguments.mongodb_uri)
    figures["kernel"] = kernel_figures()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
