"""The Node tools in devtools/node (installed by make from its package-lock.json), run as
separate processes: mongosh, the MongoDB shell, and Mongo Express."""

import subprocess
from pathlib import Path

from devtools.processes import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "devtools" / "node" / "node_modules"
MONGOSH = NODE_MODULES / ".bin" / "mongosh"
MONGO_EXPRESS = NODE_MODULES / "mongo-express" / "app.js"


def installed(tool: Path) -> Path:
    """The tool's path; a clear error if `make` has not installed devtools/node yet."""
    if not tool.exists():
        raise RuntimeError(f"{tool.name} is missing: run `make run` or `make test` (npm ci)")
    return tool


def run_mongosh(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    """Run mongosh with ``arguments``; its output is returned, not printed."""
    return subprocess.run(
        [str(installed(MONGOSH)), "--quiet", *arguments],
        env={**environment, "MONGOSH_NO_TELEMETRY": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
