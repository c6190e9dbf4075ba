"""Two administrators removing each other at once leave one: the later change is refused."""

import pytest

from auth.users import ADMIN, UserStore
from plumbing.database import get_db
from recordings.store import EcgStore


@pytest.mark.parametrize(
    ("method", "changes"),
    [("PATCH", {"role": "user"}), ("PATCH", {"disabled": True}), ("DELETE", None)],
    ids=["demote", "disable", "delete"],
)
def test_two_admins_removing_each_other_at_once_leave_one(
    app, signed_in, monkeypatch, method, changes
):
    headers, first = signed_in("first-admin", ADMIN)
    signed_in("second-admin", ADMIN)
    read_admins = UserStore.enabled_admins
    removed = []

    def second_removes_first_meanwhile(store, session):
        admins = read_admins(store, session)
        if not removed:  # between this request's check and its write, once
            store.users.update_one({"_id": first.id}, {"$set": {"role": "user"}})
            removed.append(first.username)
        return admins

    monkeypatch.setattr(UserStore, "enabled_admins", second_removes_first_meanwhile)
    response = app.test_client().open(
        "/api/v1/users/second-admin", method=method, json=changes, headers=headers
    )
    assert removed
    assert response.status_code == 409, response.text
    assert response.json["error"] == "last_admin"
    with app.app_context():
        second = UserStore(get_db()).find_by_username("second-admin")
    assert (second.role, second.disabled) == (ADMIN, False)


def test_an_admin_enabled_again_during_its_deletion_is_kept_when_it_is_the_last(
    app, signed_in, monkeypatch
):
    """Found in review: only the first step, disabling, checked the rule."""
    headers, deleting = signed_in("deleting-admin", ADMIN)
    _, deleted = signed_in("deleted-admin", ADMIN)
    erase = EcgStore.delete_all_of

    def meanwhile_enabled_again_and_the_other_demoted(store, owner):
        users = get_db().users
        users.update_one({"_id": deleted.id}, {"$set": {"disabled": False}})
        users.update_one({"_id": deleting.id}, {"$set": {"role": "user"}})
        return erase(store, owner)

    monkeypatch.setattr(EcgStore, "delete_all_of", meanwhile_enabled_again_and_the_other_demoted)
    response = app.test_client().delete("/api/v1/users/deleted-admin", headers=headers)
    assert response.status_code == 409, response.text
    assert response.json["error"] == "last_admin"
    with app.app_context():
        kept = UserStore(get_db()).find_by_username("deleted-admin")
    assert (kept.role, kept.disabled) == (ADMIN, False)
