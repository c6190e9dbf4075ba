"""The compose deployment, rehearsed without Docker: the processes its containers run, started
here with the same files and the environment compose gives them.

mongod starts as the mongo image's entrypoint starts it on a new volume (root user, then
docker/mongo-init/ through mongosh), then for real with --replSet and its key file; the health
check script initiates the set; `flask init` runs as the user that may create indexes, the API
as the restricted service user; Mongo Express runs through its compose wrapper as the read-only
inspector user.
"""

import base64
import secrets
import shutil
import subprocess

import pytest
import requests
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from devtools.compose import environment_of, with_local_secrets
from devtools.inspect import start_mongo_express
from devtools.mongo_image import health_check, initialise_volume
from devtools.mongodb import Mongod
from devtools.processes import child_environment, run_init, start_app_server
from devtools.waiting import free_port, stop_process
from tests.ecg_files import ecg_like, edf_bytes
from tests.helpers import FAST_PASSWORD_HASH, Api

UNAUTHORIZED = 13
# What .env gives compose (the names; the secrets are generated below).
VARIABLES = {
    "MONGO_ROOT_USERNAME": "root",
    "ECG_DB_USERNAME": "ecg",
    "ECG_INIT_DB_USERNAME": "ecg-init",
    "INSPECTOR_DB_USERNAME": "inspector",
    "MONGO_EXPRESS_USERNAME": "inspector",
    "ADMIN_USERNAME": "admin",
}
SECRET_NAMES = [
    "secret_key",
    "mongo_root_password",
    "ecg_db_password",
    "ecg_init_db_password",
    "inspector_db_password",
    "admin_password",
    "mongo_express_password",
    "mongo_express_session_secret",
    "mongo_express_cookie_secret",
]


@pytest.fixture(scope="module")
def secrets_folder(tmp_path_factory):
    """The files compose would mount under /run/secrets."""
    folder = tmp_path_factory.mktemp("run-secrets")
    for name in SECRET_NAMES:
        (folder / name).write_text(secrets.token_urlsafe(24) + "\n")
    (folder / "mongo_replica_key").write_text(base64.b64encode(secrets.token_bytes(756)).decode())
    return folder


def compose_environment(service: str, secrets_folder, database_host: str) -> dict[str, str]:
    """The service's environment from docker-compose.yml, with local paths and addresses."""
    environment = with_local_secrets(environment_of(service, VARIABLES), secrets_folder)
    return {key: value.replace("mongo:27017", database_host) for key, value in environment.items()}


def read_secret(secrets_folder, name: str) -> str:
    return (secrets_folder / name).read_text().strip()


@pytest.fixture(scope="module")
def mongo(secrets_folder, tmp_path_factory):
    """mongod as the mongo service runs it: volume initialised by the image, then for real."""
    storage = tmp_path_factory.mktemp("mongo-data") / "db"
    port = free_port()
    environment = {
        **child_environment(),
        **compose_environment("mongo", secrets_folder, f"127.0.0.1:{port}"),
    }
    root_username = environment["MONGO_INITDB_ROOT_USERNAME"]
    initialise_volume(
        storage, root_username, read_secret(secrets_folder, "mongo_root_password"), environment
    )
    # docker/mongo/entrypoint.sh: the key, readable by its owner only.
    key_file = tmp_path_factory.mktemp("mongo-key") / "mongo-replica.key"
    shutil.copy(secrets_folder / "mongo_replica_key", key_file)
    key_file.chmod(0o400)
    member = Mongod(storage, port, key_file=key_file).start()
    yield member, environment
    member.stop()


@pytest.fixture(scope="module")
def healthy_mongo(mongo):
    """The set initiated by the compose health check, which passes only once it has a primary."""
    member, environment = mongo
    answers = []
    for _ in range(150):
        answers.append(health_check(member, environment))
        if answers[-1]:
            break
    assert answers[0] is False, "healthy before the set was even initiated"
    assert answers[-1], "the health check never passed"
    hello = member.hello()
    assert hello["setName"] == "rs0" and hello["isWritablePrimary"]
    return member


def service_environment(service: str, healthy_mongo, secrets_folder) -> dict[str, str]:
    environment = compose_environment(service, secrets_folder, healthy_mongo.host)
    return child_environment(**environment, PASSWORD_HASH_METHOD=FAST_PASSWORD_HASH)


@pytest.fixture(scope="module")
def stack(healthy_mongo, secrets_folder, tmp_path_factory):
    """`docker compose run --rm init` as the init user, then the app as the service user."""
    output = run_init(service_environment("init", healthy_mongo, secrets_folder))
    assert "with the password from ADMIN_PASSWORD" in output
    port = free_port()
    log = tmp_path_factory.mktemp("app-log") / "app.log"
    server = start_app_server(service_environment("app", healthy_mongo, secrets_folder), port, log)
    yield Api(
        f"http://127.0.0.1:{port}",
        "admin",
        read_secret(secrets_folder, "admin_password"),
        local=True,
    )
    stop_process(server)


def as_user(healthy_mongo, secrets_folder, username: str, password_secret: str) -> MongoClient:
    password = read_secret(secrets_folder, password_secret)
    return MongoClient(
        f"mongodb://{healthy_mongo.host}/ecg?replicaSet=rs0&authSource=ecg",
        username=username,
        password=password,
        serverSelectionTimeoutMS=10_000,
    )


def test_the_health_check_never_passes_on_the_temporary_init_time_server(
    secrets_folder, tmp_path_factory, mongo
):
    _, environment = mongo
    temporary = Mongod(tmp_path_factory.mktemp("init-time") / "db", free_port(), replica_set=None)
    temporary.start()
    try:
        with temporary.client() as client:
            password = read_secret(secrets_folder, "mongo_root_password")
            client.admin.command("createUser", "root", pwd=password, roles=["root"])
        assert not health_check(temporary, environment)
    finally:
        temporary.stop()


def test_a_full_flow_runs_as_the_restricted_service_user(stack):
    admin = stack.login(stack.admin_username, stack.admin_password)
    user = stack.new_account(admin, "dr.rehearsal")
    leads = [ecg_like(2500, seed) for seed in (1, 2, 3)]
    uploaded = stack.request(
        "POST",
        "/api/v1/ecgs",
        user,
        files={"file": ("rest.edf", edf_bytes(leads), "application/octet-stream")},
        data={"id": "rehearsal"},
    )
    assert uploaded.status_code == 201, uploaded.text
    insights = stack.request("GET", "/api/v1/ecgs/rehearsal/insights", user)
    assert insights.status_code == 200 and len(insights.json()["leads"]) == 3
    exported = stack.request("GET", "/api/v1/ecgs/rehearsal/export", user)
    assert exported.status_code == 200 and exported.content.startswith(b"0       ")
    assert stack.request("DELETE", "/api/v1/ecgs/rehearsal", user).status_code == 204
    assert stack.request("GET", "/api/v1/ecgs/rehearsal", user).status_code == 404
    audit = stack.request("GET", "/api/v1/audit", admin, params={"event": "ecg.deleted"})
    deleted = audit.json()["items"]
    assert len(deleted) == 1 and deleted[0]["details"]["ecg"] != "rehearsal"


@pytest.mark.parametrize(
    "forbidden",
    [
        lambda db: db.audit.update_many({}, {"$set": {"outcome": "success"}}),
        lambda db: db.audit.delete_many({}),
        lambda db: db.drop_collection("ecgs"),
        lambda db: db.drop_collection("audit"),
        lambda db: db.audit.create_index([("at", -1)], expireAfterSeconds=1),
        lambda db: db.ecgs.create_index([("date", 1)]),
        lambda db: db.client["other"].records.insert_one({"x": 1}),
        lambda db: db.client["admin"].command("createUser", "intruder", pwd="x", roles=["root"]),
        lambda db: db.rate_limits.delete_many({}),  # only its TTL index expires counters
        lambda db: list(db.ecgs.list_indexes()),
        lambda db: db.command("collStats", "ecgs"),
    ],
    ids=[
        "update audit entries",
        "delete audit entries",
        "drop a collection",
        "drop the audit trail",
        "add a TTL index that empties the audit trail",
        "create an index",
        "write another database",
        "create a user",
        "clear the login counters",
        "list indexes",
        "read collection statistics",
    ],
)
def test_the_service_user_cannot(stack, healthy_mongo, secrets_folder, forbidden):
    with as_user(healthy_mongo, secrets_folder, "ecg", "ecg_db_password") as client:
        assert client.ecg.audit.count_documents({}) > 0  # what it may do, it can
        with pytest.raises(OperationFailure) as refused:
            forbidden(client.ecg)
    assert refused.value.code == UNAUTHORIZED


@pytest.mark.parametrize(
    "forbidden",
    [
        lambda db: db.ecgs.find_one(),
        lambda db: db.signal_chunks.find_one(),
        lambda db: db.sessions.find_one(),
        lambda db: db.users.update_many({}, {"$set": {"role": "admin"}}),
        lambda db: db.users.delete_many({}),
        lambda db: db.audit.find_one(),
    ],
    ids=[
        "read ECGs",
        "read signals",
        "read sessions",
        "change accounts",
        "delete accounts",
        "read the audit trail",
    ],
)
def test_the_init_user_only_indexes_and_adds_the_first_admin(
    stack, healthy_mongo, secrets_folder, forbidden
):
    """Found in review: it held every privilege of the service's besides its own."""
    with as_user(healthy_mongo, secrets_folder, "ecg-init", "ecg_init_db_password") as client:
        assert client.ecg.users.count_documents({}) > 0  # what it may do, it can
        with pytest.raises(OperationFailure) as refused:
            forbidden(client.ecg)
    assert refused.value.code == UNAUTHORIZED


@pytest.fixture(scope="module")
def mongo_express(healthy_mongo, secrets_folder, stack):
    environment = {
        **child_environment(),
        **compose_environment("mongo-express", secrets_folder, healthy_mongo.host),
        "VCAP_APP_HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }
    process = start_mongo_express(environment)
    yield f"http://127.0.0.1:{environment['PORT']}", environment
    stop_process(process)


def test_mongo_express_demands_its_basic_auth_credentials(mongo_express, secrets_folder):
    url, environment = mongo_express
    assert requests.get(f"{url}/", timeout=30).status_code == 401
    wrong = ("inspector", "not-the-password")
    assert requests.get(f"{url}/", auth=wrong, timeout=30).status_code == 401
    right = ("inspector", read_secret(secrets_folder, "mongo_express_password"))
    page = requests.get(f"{url}/db/ecg/", auth=right, timeout=30)
    assert page.status_code == 200 and "audit" in page.text and "accounts" in page.text
    accounts = requests.get(f"{url}/db/ecg/accounts", auth=right, timeout=30)
    assert accounts.status_code == 200 and "password_hash" not in accounts.text


def test_mongo_express_sees_only_the_services_database(mongo_express, secrets_folder):
    url, _ = mongo_express
    right = ("inspector", read_secret(secrets_folder, "mongo_express_password"))
    admin_database = requests.get(f"{url}/db/admin/", auth=right, timeout=30, allow_redirects=False)
    assert admin_database.status_code != 200


def test_the_user_mongo_express_connects_as_reads_no_password_hash_and_cannot_write(
    mongo_express, healthy_mongo, secrets_folder
):
    _, environment = mongo_express
    assert environment["INSPECTOR_DB_USERNAME"] == "inspector"
    assert environment["ME_CONFIG_MONGODB_ENABLE_ADMIN"] == "false"
    with as_user(healthy_mongo, secrets_folder, "inspector", "inspector_db_password") as client:
        accounts = list(client.ecg.accounts.find())
        assert accounts and all("password_hash" not in account for account in accounts)
        client.ecg.audit.find_one()  # the rest it may read (refused, this would raise)
        for forbidden in (
            lambda db: db.users.find_one(),  # the password hashes
            lambda db: db.users.insert_one({"username": "intruder"}),
            lambda db: db.users.update_many({}, {"$set": {"role": "admin"}}),
            lambda db: db.ecgs.delete_many({}),
        ):
            with pytest.raises(OperationFailure) as refused:
                forbidden(client.ecg)
            assert refused.value.code == UNAUTHORIZED


def test_no_secret_reaches_a_process_command_line(mongo_express, secrets_folder):
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    for name in SECRET_NAMES:
        assert read_secret(secrets_folder, name) not in listing, name
