"""The compose files read as Docker Compose reads them (for the settings the rehearsal and
`make inspect` reuse): each service's environment, with ${VAR}, ${VAR:-default} and
${VAR:?message} taken from a .env-style mapping, and the secrets it is given."""

import re
from pathlib import Path

import yaml

from devtools.processes import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}"
)
SECRETS_FOLDER = "/run/secrets/"


def interpolate(value: str, variables: dict[str, str]) -> str:
    """A value with its variables substituted as Compose does."""

    def substitute(match: re.Match) -> str:
        if match[0] == "$$":
            return "$"
        name, op, argument = match["name"], match["op"], match["arg"]
        found = variables.get(name, "")
        if op == ":?" and not found:
            raise ValueError(f"{name}: {argument}")
        return found or (argument if op == ":-" else "")

    return VARIABLE.sub(substitute, value)


def services(files: list[Path] = (COMPOSE_FILE,)) -> dict:
    """The services of the compose files, later files' environments merged over earlier ones."""
    merged: dict = {}
    for path in files:
        for name, service in yaml.safe_load(path.read_text())["services"].items():
            into = merged.setdefault(name, {})
            environment = {**into.get("environment", {}), **service.get("environment", {})}
            into.update(service)
            into["environment"] = environment
    return merged


def environment_of(service: str, variables: dict[str, str], files=(COMPOSE_FILE,)) -> dict:
    """The environment compose gives ``service``."""
    declared = services(list(files))[service].get("environment", {})
    return {key: interpolate(str(value), variables) for key, value in declared.items()}


def with_local_secrets(environment: dict[str, str], secrets_folder: Path) -> dict[str, str]:
    """The environment with /run/secrets/NAME paths pointing into ``secrets_folder`` instead."""
    return {
        key: str(secrets_folder / value.removeprefix(SECRETS_FOLDER))
        if value.startswith(SECRETS_FOLDER)
        else value
        for key, value in environment.items()
    }
