"""The beats endpoint serves at most 100 000 beats a request, and says so past that."""

import numpy as np

from auth.sessions import SessionStore
from auth.tokens import ACCESS, issue_token
from auth.users import USER, UserStore
from plumbing.database import get_db
from plumbing.timestamps import current_time
from recordings.model import LeadSummary
from recordings.store import EcgStore
from tests.helpers import TEST_SECRET


def test_more_than_100000_beats_in_a_range_is_a_400_naming_the_limit(app):
    with app.app_context():
        db = get_db()
        user = UserStore(db).create("many-beats", "not-a-hash", USER)
        session_id, _ = SessionStore(db).start(user.id, 3600)
        with EcgStore(db).writer(user.id, "many") as writer:
            writer.append(0, np.zeros(250_000, dtype=np.int32))
            writer.append_beats(np.arange(0, 250_000, 2))  # 125 000 beats
            lead = LeadSummary("II", 250_000, {}, None)
            writer.commit(current_time(), 500.0, [lead], {"analysis_version": "test"})
    token = issue_token(ACCESS, str(user.id), session_id, TEST_SECRET, 600)
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    everything = client.get("/api/v1/ecgs/many/beats", headers=headers)
    assert everything.status_code == 400
    assert everything.json["error"] == "range_too_large" and "100000" in everything.json["message"]
    at_the_limit = client.get("/api/v1/ecgs/many/beats?start=0&stop=200000", headers=headers)
    assert at_the_limit.status_code == 200 and len(at_the_limit.json["beats"]) == 100_000
