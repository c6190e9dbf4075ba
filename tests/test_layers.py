"""The layers import only downward: read every module's imports (with ast) and hold them to it.

app.py                      the factory: wires everything
auth/ ecg/ health/ openapi/ HTTP faces
analysis/ formats/          pure analyses; file readers and writers
recordings/                 the domain: model, encoding, storage, ingest
plumbing/                   settings, database, errors, logs, ... (reachable from every layer)
"""

import ast
from pathlib import Path

import pytest

from devtools.processes import PROJECT_ROOT

FOLDERS = (
    "plumbing",
    "recordings",
    "analysis",
    "formats",
    "rendering",
    "auth",
    "ecg",
    "health",
    "openapi",
    "viewer",
)
FACES = {"app", "auth", "ecg", "health", "openapi", "viewer"}
WEB_LIBRARIES = {"flask", "flask_cors", "flask_swagger_ui", "werkzeug", "pydantic", "pydantic_core"}
# The project folders each lower layer may import, besides itself.
MAY_IMPORT = {
    "plumbing": set(),
    "recordings": {"plumbing"},
    "analysis": {"recordings"},
    "formats": {"recordings", "plumbing"},
    "rendering": {"recordings"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def project_modules() -> dict[str, set[str]]:
    """Each of the service's modules and what it imports."""
    paths = [PROJECT_ROOT / "app.py"]
    for folder in FOLDERS:
        paths += sorted((PROJECT_ROOT / folder).rglob("*.py"))
    return {module_name(path): imported_names(path) for path in paths}


MODULES = project_modules()


def top(name: str) -> str:
    return name.split(".")[0]


def reachable(module: str) -> set[str]:
    """Every name imported by ``module`` or, transitively, by the project modules it imports."""
    seen, pending, found = set(), [module], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in MODULES.get(current, ()):
            found.add(name)
            if name in MODULES:
                pending.append(name)
    return found


@pytest.mark.parametrize("folder", ["recordings", "analysis", "formats", "rendering", "plumbing"])
def test_lower_layers_import_no_face_and_only_the_layers_below(folder):
    for module, names in MODULES.items():
        if top(module) != folder:
            continue
        folders = {top(name) for name in names} & (set(FOLDERS) | FACES)
        assert folders <= {folder} | MAY_IMPORT[folder], (module, folders)


@pytest.mark.parametrize("folder", ["recordings", "analysis", "formats", "rendering"])
def test_the_domain_analyses_and_formats_never_reach_the_web_stack(folder):
    for module in MODULES:
        if top(module) == folder:
            reached = {top(name) for name in reachable(module)}
            assert not reached & (WEB_LIBRARIES | FACES), (module, reached & WEB_LIBRARIES)


def test_no_two_folders_import_each_other():
    depends: dict[str, set[str]] = {}
    for module, names in MODULES.items():
        project = {top(name) for name in names} & set(FOLDERS)
        depends.setdefault(top(module), set()).update(project - {top(module)})
    for folder, targets in depends.items():
        for target in targets:
            assert folder not in depends.get(target, set()), f"{folder} <-> {target}"


def test_the_rules_see_the_code():
    """Guard against a reader that finds nothing (the other tests would pass vacuously)."""
    assert "recordings.store" in MODULES and "pymongo" in MODULES["recordings.store"]
    assert "flask" in reachable("ecg.views")


def test_the_image_copies_every_folder_the_app_imports():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    copied = {
        part.rstrip("/")
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for part in line.split()[1:-1]
    }
    needed = {top(name) for name in reachable("app")} & set(FOLDERS)
    assert needed <= copied, needed - copied
