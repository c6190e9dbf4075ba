"""Times at the millisecond precision MongoDB stores, so a write's response matches later reads."""

from datetime import UTC, datetime


def truncate_to_milliseconds(moment: datetime) -> datetime:
    """Drop the microseconds MongoDB would drop."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def current_time() -> datetime:
    """Now, in UTC, at millisecond precision."""
    return truncate_to_milliseconds(datetime.now(UTC))
