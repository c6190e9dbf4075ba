"""What a careful read of the compose files against the images' documentation checks."""

import re

import pytest
import yaml

from devtools.compose import interpolate
from devtools.nginx import NO_BALANCER
from devtools.processes import PROJECT_ROOT

FILES = ["docker-compose.yml", "docker-compose.replica-set.yml"]
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|_KEY\b")
SECRET_VARIABLE = re.compile(r"\$\{?\w*(PASSWORD|SECRET|_KEY\b)")


def services(name: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / name).read_text())["services"]


@pytest.mark.parametrize("name", FILES)
def test_no_secret_sits_in_an_environment_or_a_health_check(name):
    """Secrets reach containers as files; `docker inspect` and `ps` show neither."""
    for service_name, service in services(name).items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_WORDS.search(key):
                assert key.endswith("_FILE") and str(value).startswith("/run/secrets/"), (
                    service_name,
                    key,
                )
            assert not SECRET_VARIABLE.search(str(value)), (service_name, key, value)
        health_check = " ".join((service.get("healthcheck") or {}).get("test", []))
        assert not SECRET_VARIABLE.search(health_check), service_name


def test_every_built_image_is_built_never_pulled():
    for name, service in services("docker-compose.yml").items():
        if "build" in service:
            assert service.get("pull_policy") == "build", name


def test_init_does_not_inherit_the_http_health_check_it_never_serves():
    assert services("docker-compose.yml")["init"]["healthcheck"] == {"disable": True}


@pytest.mark.parametrize("name", FILES)
def test_ports_are_published_on_loopback_only(name):
    for service_name, service in services(name).items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (service_name, port)


def test_mongo_runs_as_a_replica_set_with_a_key_in_both_files():
    base = services("docker-compose.yml")["mongo"]["command"]
    assert base[:3] == ["mongod", "--replSet", "rs0"] and "--keyFile" in base
    for member in ("mongo-2", "mongo-3"):
        assert services("docker-compose.replica-set.yml")[member]["command"] == base


def test_the_health_check_runs_the_script_that_waits_for_a_primary():
    test = services("docker-compose.yml")["mongo"]["healthcheck"]["test"]
    assert test[-1] == "/opt/ecg-mongo/healthcheck.js"
    script = (PROJECT_ROOT / "docker" / "mongo" / "healthcheck.js").read_text()
    assert "hello.primary" in script and "isreplicaset" in script


def test_mongo_express_connects_read_only_without_admin_mode():
    environment = services("docker-compose.yml")["mongo-express"]["environment"]
    assert environment["ME_CONFIG_MONGODB_ENABLE_ADMIN"] == "false"
    assert "INSPECTOR_DB_USERNAME" in environment
    assert "ME_CONFIG_MONGODB_URL" not in environment  # built from the secret file at start
    assert environment["ME_SESSION_SECRET_FILE"].startswith("/run/secrets/")


@pytest.mark.parametrize(
    ("value", "variables", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": "x"}, "x"),
        ("a$$b", {}, "a$b"),
        ("mongodb://${U:-ecg}@mongo", {}, "mongodb://ecg@mongo"),
    ],
)
def test_variables_are_substituted_as_compose_does(value, variables, expected):
    assert interpolate(value, variables) == expected


def test_a_required_variable_that_is_missing_stops_with_its_message():
    with pytest.raises(ValueError, match="set X in .env"):
        interpolate("${X:?set X in .env}", {})


def test_the_app_is_reached_only_through_the_buffering_proxy():
    stack = services("docker-compose.yml")
    assert "ports" not in stack["app"]
    assert stack["app"]["environment"]["PROXY_COUNT"] == "1"
    proxy = stack["proxy"]
    assert proxy["environment"]["ECG_UPSTREAM"] == "app:5000"
    assert "./docker/nginx/templates:/etc/nginx/templates:ro" in proxy["volumes"]
    template = (PROJECT_ROOT / "docker/nginx/templates/ecg-service.conf.template").read_text()
    # The image substitutes only what the environment defines: nginx would refuse the rest.
    assert set(re.findall(r"\$\{(\w+)\}", template)) <= set(proxy["environment"])
    # The image's own configuration logs every request line, path included (found in review).
    assert "access_log off;" in template
    # Without a balancer named, the rehearsal renders what compose renders.
    assert interpolate(proxy["environment"]["BALANCER_ADDRESSES"], {}) == NO_BALANCER
