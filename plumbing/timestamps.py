"""Times at the millisecond precision MongoDB stores, so a write's response matches later reads."""

from datetime import UTC, datetime


def truncate_to_milliseconds(moment: datetime) -> datetime:
    """Drop the microseconds MongoDB would drop."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def current_time() -> datetime:
    """Now, in UTC, at millisecond precision."""
    return truncate_to_milliseconds(datetime.now(UTC))


def in_utc(moment: datetime) -> datetime:
    """The moment in UTC, as BSON stores it; ValueError for one without an offset, or whose UTC
    date leaves the calendar (years 1 to 9999), rather than a 500."""
    if moment.tzinfo is None:
        raise ValueError("the moment has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date in UTC falls outside the years 1 to 9999") from None
