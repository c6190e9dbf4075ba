"""Two administrators removing each other at once leave one: the later change is refused."""

import pytest

from auth.users import ADMIN, UserStore
from plumbing.database import get_db


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
