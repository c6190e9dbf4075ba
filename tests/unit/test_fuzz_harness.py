"""`make fuzz` hands its hooks to the schemathesis CLI in a process of their own."""

import subprocess
import sys

from devtools.fuzz import Account, hooks_environment

# What schemathesis does with SCHEMATHESIS_HOOKS: execute the file as a module.
LOAD_HOOKS = """
import importlib.util, os
spec = importlib.util.spec_from_file_location("hooks", os.environ["SCHEMATHESIS_HOOKS"])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
"""


def run_with_hooks(script: str, role: str, protected: list[str], folder):
    """Run ``script`` in a process of its own, in ``folder``, with the CLI's hook environment."""
    environment = hooks_environment(
        role, "http://127.0.0.1:1", "token", Account("fuzz-logout", "secret"), protected
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_hooks_load_in_the_report_directory_the_cli_runs_in(tmp_path):
    loaded = run_with_hooks(LOAD_HOOKS, "user", ["fuzz-user"], tmp_path)
    assert loaded.returncode == 0, loaded.stderr


def test_the_harness_accounts_are_left_alone_in_any_spelling(tmp_path):
    decided = run_with_hooks(FILTER_DELETIONS, "admin", ["Fuzz-User"], tmp_path)
    assert decided.returncode == 0, decided.stderr
    assert decided.stdout.split() == ["False", "False", "True"]


# Whether the hooks let schemathesis delete each of three accounts.
FILTER_DELETIONS = """
import importlib.util, os, types
spec = importlib.util.spec_from_file_location("hooks", os.environ["SCHEMATHESIS_HOOKS"])
hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hooks)
for name in ("fuzz-user", "FUZZ-USER", "someone-else"):
    deletion = types.SimpleNamespace(
        path=hooks.USERS_PATH, method="DELETE", path_parameters={"username": name}
    )
    print(hooks.filter_case(None, deletion))
"""
