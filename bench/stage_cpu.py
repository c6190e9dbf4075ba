"""Where an upload's CPU goes inside the gunicorn workers, under load, stage by stage.

    python -m bench.stage_cpu [--requests 600] [--concurrency 8] [--warm-up 100]

Serves this service as bench.side_by_side does (as ``make run`` runs it, on a fresh mongod),
but built by ``probed_app``, which wraps each stage in STAGES in every worker and adds up the
CPU time of the thread running it (``time.thread_time``: waiting, and the other threads, are
not counted). After a warm-up it sends the side-by-side benchmark's uploads and prints JSON:
each stage's CPU milliseconds per upload (a stage includes the ones listed under it, indented)
beside the workers' whole CPU per upload from /proc. py-spy draws where the time goes; this
says how much, per stage, at the load the speed aims are set at. The wrappers cost a little
themselves, so the stages add up to slightly less than the whole.
"""

import argparse
import functools
import importlib
import inspect
import json
import os
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from app import create_app
from bench.benchmark import ecg_description, machine, run_concurrently, upload_task
from bench.side_by_side import start_service

FOLDER_SETTING = "STAGE_CPU_FOLDER"
# (module, attribute, label): a function is wrapped where its callers look it up, so one
# imported by name is wrapped in the importing module.
STAGES = [
    ("gunicorn.workers.gthread", "ThreadWorker.handle", "request, in gunicorn"),
    ("flask.app", "Flask.wsgi_app", " in Flask"),
    ("auth.guards", "authenticate", "  authentication"),
    ("auth.guards", "read_token", "   the token"),
    ("auth.sessions", "SessionStore.account_and_session", "   account and session"),
    ("openapi.operation", "parse_json_body", "  the JSON body"),
    ("openapi.operation", "request_body", "   reading it"),
    ("ecg.uploads", "EcgUpload.screen_json", "   screening it"),
    ("ecg.uploads", "valid_upload", "   the typed pass"),
    ("ecg.uploads", "split_whole_body", "    one parse, signals read"),
    ("ecg.uploads", "validate_fields", "    the other fields"),
    ("ecg.views", "store_recording", "  storing the ECG"),
    ("recordings.ingest", "analyse_leads", "   the analyses"),
    ("recordings.store", "EcgWriter.commit", "   the transaction"),
    ("pymongo.synchronous.collection", "Collection.insert_one", "    inserts (ECG, audit)"),
    ("pymongo.synchronous.client_session", "ClientSession.commit_transaction", "    commit"),
    ("plumbing.request_log", "finish_request", "  the log line"),
]


class StageTotals:
    """CPU seconds per stage in this process, written to a file after each request
    (named by the process at the time, so workers forked from a preloading master write their
    own)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.lock = threading.Lock()
        self.seconds: dict[str, float] = {}

    def add(self, label: str, seconds: float) -> None:
        with self.lock:
            self.seconds[label] = self.seconds.get(label, 0.0) + seconds

    def write(self) -> None:
        path = self.folder / f"stages-{os.getpid()}.json"
        partial = path.with_suffix(".partial")
        with self.lock:  # one writer at a time, so the file never goes back to older totals
            partial.write_text(json.dumps(self.seconds))
            partial.replace(path)


def timed(function, label: str, totals: StageTotals, outermost: bool):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals.add(label, time.thread_time() - started)
            if outermost:  # after the measured span, so writing is not counted in it
                totals.write()

    return wrapper


def owner_and_name(module_name: str, attribute: str) -> tuple[object, str]:
    """The module or class holding a stage's function, and the function's name in it."""
    owner = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def stage_function(module_name: str, attribute: str) -> tuple[object, str, type | None, object]:
    """Where a stage's function is looked up (owner and name), whether it is a staticmethod or
    classmethod there (that type, else None), and the function itself."""
    owner, name = owner_and_name(module_name, attribute)
    found = inspect.getattr_static(owner, name)
    kind = type(found) if isinstance(found, staticmethod | classmethod) else None
    return owner, name, kind, found.__func__ if kind else found


def wrap_stages(totals: StageTotals) -> None:
    for index, (module_name, attribute, label) in enumerate(STAGES):
        owner, name, kind, function = stage_function(module_name, attribute)
        wrapper = timed(function, label, totals, outermost=index == 0)
        setattr(owner, name, kind(wrapper) if kind else wrapper)


def probed_app():
    """The app, with every stage of STAGES timed in this worker (gunicorn's app factory)."""
    wrap_stages(StageTotals(Path(os.environ[FOLDER_SETTING])))
    return create_app()


def read_totals(folder: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for path in folder.glob("stages-*.json"):
        for label, value in json.loads(path.read_text()).items():
            seconds[label] = seconds.get(label, 0.0) + value
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warm-up", type=int, default=100)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="stage-cpu-") as directory, ExitStack() as cleanup:
        folder = Path(directory)
        server = start_service(
            cleanup,
            folder / "service",
            app="bench.stage_cpu:probed_app()",
            **{FOLDER_SETTING: directory},
        )
        _, warm_up = upload_task(server.api, server.headers, arguments.warm_up)
        run_concurrently(warm_up, arguments.warm_up, arguments.concurrency)
        time.sleep(1)  # the last requests' totals are written after their responses
        before = read_totals(folder)
        _, upload = upload_task(server.api, server.headers, arguments.requests)
        figures = run_concurrently(upload, arguments.requests, arguments.concurrency, server.cpu_of)
        time.sleep(1)
        after = read_totals(folder)
        per_upload = {
            label: round((after[label] - before.get(label, 0.0)) * 1000 / arguments.requests, 2)
            for _, _, label in STAGES
            if label in after
        }
        print(
            json.dumps(
                {
                    "machine": machine(),
                    "ecg": ecg_description(),
                    "uploads": figures,
                    "stage_cpu_ms_per_upload": per_upload,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
