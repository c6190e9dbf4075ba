import numpy as np
from werkzeug.security import check_password_hash

from auth.users import ADMIN, USER, UserStore
from plumbing.database import get_db
from plumbing.timestamps import current_time
from recordings.model import LeadSummary
from recordings.store import EcgStore


def admin_document(app):
    with app.app_context():
        return get_db().users.find_one({"username": "admin"})


def test_creates_the_indexes_every_query_relies_on(app, runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db = get_db()
        user_indexes = {index["name"]: index for index in db.users.list_indexes()}
        ecg_indexes = {tuple(index["key"]): index for index in db.ecgs.list_indexes()}
    assert user_indexes["username_1"]["unique"]  # the order of the pages
    in_any_case = user_indexes["username_in_any_case"]
    assert in_any_case["unique"] and in_any_case["collation"]["strength"] == 2
    assert ecg_indexes[("owner", "id")]["unique"]
    assert ("owner", "created_at", "_id") in ecg_indexes


def test_usernames_differing_only_in_case_stop_init_with_what_to_do(app, runner):
    with app.app_context():
        users = get_db().users
        users.drop_indexes()  # as a deployment from before the rule was
        for name in ("DrJones", "drjones"):
            users.insert_one({"username": name, "role": USER, "disabled": False})
    result = runner.invoke(args=["init"])
    assert result.exit_code != 0
    assert "differ only in case" in result.output
    assert "Traceback" not in result.output


def test_creates_the_admin_with_the_configured_password(app, runner):
    app.config.update(ADMIN_USERNAME="admin", ADMIN_PASSWORD="configured-password")
    result = runner.invoke(args=["init"])
    assert "password from ADMIN_PASSWORD" in result.output
    assert "configured-password" not in result.output
    document = admin_document(app)
    assert document["role"] == ADMIN and not document["disabled"]
    assert check_password_hash(document["password_hash"], "configured-password")


def test_generates_and_prints_a_password_once_when_none_is_configured(app, runner):
    app.config.update(ADMIN_PASSWORD="")
    first = runner.invoke(args=["init"])
    password = first.output.split("generated password: ")[1].split()[0]
    assert check_password_hash(admin_document(app)["password_hash"], password)
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0
    assert "generated password" not in second.output


def test_repeating_init_changes_nothing(app, runner):
    app.config.update(ADMIN_PASSWORD="first-password")
    runner.invoke(args=["init"])
    before = admin_document(app)
    app.config.update(ADMIN_PASSWORD="second-password")
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0
    assert "already exists" in result.output
    assert admin_document(app) == before


def test_keeps_existing_data(app, runner):
    runner.invoke(args=["init"])
    with app.app_context():
        get_db().ecgs.insert_one({"owner": "someone", "id": "kept"})
        UserStore(get_db()).create("clinician", "hash", "user")
    runner.invoke(args=["init"])
    with app.app_context():
        assert get_db().ecgs.count_documents({"id": "kept"}) == 1
        assert get_db().users.count_documents({}) == 2


def test_refuses_an_unusable_admin_password(app, runner):
    app.config.update(ADMIN_PASSWORD="short")
    result = runner.invoke(args=["init"])
    assert result.exit_code != 0
    assert "ADMIN_PASSWORD" in result.output
    assert admin_document(app) is None


def test_sweep_reports_what_it_removed(runner):
    runner.invoke(args=["init"])
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0
    assert "Removed 0 orphaned signal chunks and 0 ECGs of deleted accounts" in result.output


def test_sweep_erases_and_audits_the_ecgs_of_a_deleted_account(app, runner):
    runner.invoke(args=["init"])
    with app.app_context():
        late = UserStore(get_db()).create("late-uploader", "not-a-hash", USER)
        with EcgStore(get_db()).writer(late.id, "late") as writer:
            writer.append(0, np.arange(100, dtype=np.int32))
            writer.commit(current_time(), 500.0, [LeadSummary("I", 100, {}, None)])
        UserStore(get_db()).delete("late-uploader")  # the upload committed after the deletion
    result = runner.invoke(args=["sweep"])
    assert "and 1 ECGs of deleted accounts" in result.output, result.output
    with app.app_context():
        assert get_db().ecgs.count_documents({"owner": late.id}) == 0
        entry = get_db().audit.find_one({"event": "ecg.deleted"})
    assert (entry["actor"], entry["details"]) == ("flask sweep", {"ecgs_of_deleted_accounts": 1})


def test_init_audits_the_admin_it_creates(app, runner):
    """Found in review: the first account, an administrator, appeared in no audit entry."""
    runner.invoke(args=["init"])
    with app.app_context():
        entry = get_db().audit.find_one({"event": "user.created"})
    assert (entry["actor"], entry["details"]["target"]) == ("flask init", "admin")


def test_a_changed_audit_retention_stops_init_with_what_to_do(app, runner):
    """Found in review: the audit trail's TTL index, made with the old retention, conflicted
    with the new one, and init stopped with a traceback."""
    assert runner.invoke(args=["init"]).exit_code == 0
    app.config["AUDIT_RETENTION_DAYS"] += 1
    result = runner.invoke(args=["init"])
    assert result.exit_code == 1, result.output
    assert "AUDIT_RETENTION_DAYS" in result.output and "collMod" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
