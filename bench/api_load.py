"""Measure the API from outside: uploads and insight reads of standard 12-lead ECGs.

Starts nothing itself: point it at a running server and a user's credentials, e.g.
    python -m bench.api_load --base-url http://127.0.0.1:5000 --username u --password p
Prints JSON figures; nothing here is asserted by the tests.
"""

import argparse
import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import requests

from analysis.zero_crossings import count_zero_crossings

LEAD_NAMES = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def standard_ecg_leads(samples_per_lead: int, seed: int = 1) -> list[dict]:
    """12 leads of a band-limited random walk in the int16 range, like a 10 s ECG at 500 Hz."""
    generator = np.random.default_rng(seed)
    leads = []
    for name in LEAD_NAMES:
        walk = np.cumsum(generator.integers(-40, 41, samples_per_lead))
        leads.append({"name": name, "signal": (walk - walk.mean()).astype(int).tolist()})
    return leads


def expect(response: requests.Response, status: int) -> None:
    """Stop the benchmark on any unexpected answer: figures of failed requests mean nothing."""
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.url}: {response.status_code} {response.text}"
        )


def percentiles(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def run_concurrently(task, count: int, concurrency: int) -> dict:
    """Run task(index, session) count times on `concurrency` threads; return rate and latencies."""
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
    return {"requests": count, "per_second": round(count / elapsed, 1), **percentiles(latencies)}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--samples-per-lead", type=int, default=5000)
    arguments = parser.parse_args()

    api = arguments.base_url.rstrip("/") + "/api/v1"
    login = requests.post(
        f"{api}/auth/login",
        json={"username": arguments.username, "password": arguments.password},
        timeout=30,
    )
    login.raise_for_status()
    headers = {
        "Authorization": f"Bearer {login.json()['access_token']}",
        "Content-Type": "application/json",
    }
    run = uuid.uuid4().hex[:8]
    leads = standard_ecg_leads(arguments.samples_per_lead)
    bodies = [
        json.dumps({"id": f"bench-{run}-{i}", "leads": leads}) for i in range(arguments.requests)
    ]

    def upload(index: int, session: requests.Session) -> None:
        response = session.post(f"{api}/ecgs", data=bodies[index], headers=headers, timeout=60)
        expect(response, 201)

    def read_insights(index: int, session: requests.Session) -> None:
        response = session.get(
            f"{api}/ecgs/bench-{run}-{index}/insights", headers=headers, timeout=60
        )
        expect(response, 200)

    figures = {
        "ecg": f"{len(LEAD_NAMES)} leads x {arguments.samples_per_lead} samples",
        "concurrency": arguments.concurrency,
        "uploads": run_concurrently(upload, arguments.requests, arguments.concurrency),
        "insights": run_concurrently(read_insights, arguments.requests, arguments.concurrency),
        "kernel": kernel_figures(),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
