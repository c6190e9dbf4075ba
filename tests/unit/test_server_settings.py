"""gunicorn.conf.py, read as gunicorn reads it."""

import gc
import runpy
from pathlib import Path

import pytest

SETTINGS = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_each_worker_freezes_what_it_built_at_start_up_out_of_the_collectors_reach():
    settings = runpy.run_path(str(SETTINGS))
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_workers_and_threads_are_the_measured_defaults_unless_overridden(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings = runpy.run_path(str(SETTINGS))
    assert (settings["worker_class"], settings["workers"], settings["threads"]) == ("gthread", 2, 2)
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert runpy.run_path(str(SETTINGS))["workers"] == 4


@pytest.mark.parametrize("name", ["WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"])
@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_a_count_below_one_stops_the_server_naming_the_setting(monkeypatch, name, value):
    """Found in review: 0 workers were taken (the server then answers nobody), and a timeout of
    0 never replaces a hung worker."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=name):
        runpy.run_path(str(SETTINGS))
