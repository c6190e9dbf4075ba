"""Fixed-window counters in MongoDB, so limits hold across every worker and host."""

import math
import time
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.database import Database

from plumbing.errors import ApiError

WINDOW_SECONDS = 60


class RateLimits:
    """Counts events per key in one-minute windows; a TTL index deletes old windows."""

    def __init__(self, db: Database):
        self.counters = db.rate_limits

    def ensure_indexes(self) -> None:
        self.counters.create_indexes(
            [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]
        )

    def hit(self, key: str) -> int:
        """Count one event for ``key``; return the window's total."""
        window_end = datetime.fromtimestamp(current_window() * WINDOW_SECONDS + WINDOW_SECONDS, UTC)
        counter = self.counters.find_one_and_update(
            {"_id": window_key(key)},
            {
                "$inc": {"count": 1},
                "$setOnInsert": {"expires_at": window_end + timedelta(minutes=1)},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return counter["count"]

    def release(self, key: str) -> None:
        """Take back one event of ``key`` counted in this window (an attempt that succeeded)."""
        self.counters.update_one({"_id": window_key(key)}, {"$inc": {"count": -1}})


def current_window() -> int:
    return int(time.time() // WINDOW_SECONDS)


def window_key(key: str) -> str:
    return f"{key}@{current_window()}"


def too_many(what: str) -> ApiError:
    """A 429 telling the client when the current window ends."""
    retry_after = max(1, math.ceil(WINDOW_SECONDS - time.time() % WINDOW_SECONDS))
    return ApiError(
        429,
        "too_many_requests",
        f"Too many {what}; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )
