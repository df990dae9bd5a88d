"""Publication dates: text as a page wrote it in, an absolute UTC instant and its precision out.

Absolute dates (ISO 8601, RFC 2822, "6 Jul 2025", "Jul 6, 2025") are read as
written; a date without a time is that day at 00:00 UTC with "day" precision,
a time without a zone is taken as UTC. Relative ages ("4 days ago", "an hour
ago", "yesterday") only make sense against the moment the page was saved: they
are resolved against that moment and marked "approximate". Anything else stays
unknown (None): a date is never guessed.
"""

from __future__ import annotations

import email.utils
import functools
import re
from datetime import UTC, datetime, timedelta

MINUTE, HOUR, DAY, APPROXIMATE = "minute", "hour", "day", "approximate"
PRECISIONS = (MINUTE, HOUR, DAY, APPROXIMATE)

Dated = tuple[datetime, str]  # an aware UTC instant and its precision

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::\d{2}(?:[.,]\d+)?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)
_DAY_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y/%m/%d")
_UNITS = {
    "second": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    # Calendar months and years vary; an approximate age does not need them exact.
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
_AGO = re.compile(
    r"^(?P<count>an?|one|\d{1,4})\s+(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?"
    r"|days?|weeks?|months?|years?)\s+ago$",
    re.IGNORECASE,
)
_NOW = re.compile(r"^(?:just now|now|moments? ago)$", re.IGNORECASE)
_YESTERDAY = re.compile(r"^yesterday$", re.IGNORECASE)
_RELATIVE_BOUND = re.compile(r"^(?P<count>\d{1,5})\s*(?P<unit>[mhdw])$", re.IGNORECASE)
_BOUND_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


# Distinct date texts remembered: a folder's pages repeat the same few ("4 days ago"),
# and each one that is no absolute date first fails every strptime format.
DATE_TEXTS_CACHED = 4096


@functools.lru_cache(maxsize=DATE_TEXTS_CACHED)
def parse_absolute(text: str) -> Dated | None:
    """An absolute date or date-time as written, or None."""
    text = text.strip()
    if not text:
        return None
    match = _ISO.match(text)
    if match:
        return _from_iso(match)
    try:
        parsed = email.utils.parsedate_to_datetime(text)  # RFC 2822, as feeds write it
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return _utc(parsed), MINUTE
    bare = re.sub(r"\s+", " ", text.replace(",", " ").replace(".", " ")).strip()
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(bare, fmt).replace(tzinfo=UTC), DAY
        except ValueError:
            continue
    return None


def _from_iso(match: re.Match[str]) -> Dated | None:
    try:
        day = datetime.strptime(match["date"], "%Y-%m-%d")
    except ValueError:
        return None
    if match["hour"] is None:
        return day.replace(tzinfo=UTC), DAY
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        return None
    stamp = day.replace(hour=hour, minute=minute)
    zone = (match["zone"] or "Z").upper()
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        stamp -= offset if zone[0] == "+" else -offset
    return stamp.replace(tzinfo=UTC), MINUTE if match["minute"] is not None else HOUR


def _utc(value: datetime) -> datetime:
    """Aware in UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_relative(text: str, saved: datetime) -> Dated | None:
    """A relative age ("4 days ago", "yesterday") as an approximate instant before `saved`."""
    text = text.strip()
    if _NOW.match(text):
        return _utc(saved).replace(microsecond=0), APPROXIMATE
    if _YESTERDAY.match(text):
        return _utc(saved).replace(microsecond=0) - timedelta(days=1), APPROXIMATE
    match = _AGO.match(text)
    if not match:
        return None
    count = match["count"].lower()
    n = 1 if count in ("a", "an", "one") else int(count)
    unit = match["unit"].lower().rstrip("s")
    return _utc(saved).replace(microsecond=0) - n * _UNITS[unit], APPROXIMATE


def resolve(published: str, saved: datetime | None) -> Dated | None:
    """The instant a page's date text stands for: absolute as written, relative from `saved`."""
    absolute = parse_absolute(published)
    if absolute is not None or saved is None:
        return absolute
    return parse_relative(published, saved)


def parse_bound(text: str, now: datetime, end: bool = False) -> datetime:
    """A date filter bound: an ISO date or date-time, or an age such as "7d", "24h", "2w".

    A bare day given as an upper bound (`end`) includes that whole day. ValueError
    when the text is neither.
    """
    text = text.strip()
    relative = _RELATIVE_BOUND.match(text)
    if relative:
        return _utc(now) - int(relative["count"]) * _BOUND_UNITS[relative["unit"].lower()]
    match = _ISO.match(text)
    parsed = _from_iso(match) if match else None
    if parsed is None:
        raise ValueError(
            f"'{text}' is not a date: use an ISO date such as 2025-07-06 "
            "(or 2025-07-06T14:00Z), or an age such as 7d, 24h, 30m or 2w"
        )
    instant, precision = parsed
    return instant + timedelta(days=1) if end and precision == DAY else instant


def iso(value: datetime | None) -> str | None:
    """The JSON form: ISO 8601 with its UTC offset."""
    return value.isoformat() if value is not None else None


def from_iso(value: str | None) -> datetime | None:
    """Back from `iso` (saved indexes)."""
    return datetime.fromisoformat(value) if value else None


def day_label(value: datetime, precision: str | None) -> str:
    """ "6 Jul 2025", with the time ("6 Jul 2025 14:05 UTC") when it is known to the minute."""
    day = f"{value.day} {value:%b %Y}"
    if precision == MINUTE:
        return f"{day} {value:%H:%M} UTC"
    if precision == HOUR:
        return f"{day} {value:%H}:00 UTC"
    return day


# Units an age is said in, largest first; months and years as calendars round them.
_AGE_UNITS = (
    ("year", timedelta(days=365)),
    ("month", timedelta(days=30)),
    ("week", timedelta(weeks=1)),
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("minute", timedelta(minutes=1)),
)


def age_words(age: timedelta) -> str:
    """An age as people say it, in its largest whole unit: "4 days", "an hour", "a year"."""
    for unit, size in _AGE_UNITS:
        n = int(age / size)
        if n >= 1:
            one = "an" if unit == "hour" else "a"
            return f"{one} {unit}" if n == 1 else f"{n} {unit}s"
    return "under a minute"


def date_label(
    value: datetime | None, precision: str | None, published: str | None, now: datetime
) -> str:
    """A card's one date, as people say it: "6 Jul 2025" (with the time when the page gave
    it); "about 4 days ago", counted from `now`, for an age the page gave relative to when
    it was saved (its day is only approximate); the page's own text when it cannot be known.
    """
    if value is None:
        return published or ""
    if precision == APPROXIMATE:
        age = _utc(now) - value
        return f"about {age_words(age)} ago" if age >= timedelta(minutes=1) else "just now"
    return day_label(value, precision)


def date_fields(published: str, saved: datetime | None) -> dict[str, datetime | str | None]:
    """Article keyword arguments for a page's date text (empty when it cannot be known)."""
    resolved = resolve(published, saved)
    if resolved is None:
        return {}
    return {"date": resolved[0], "date_precision": resolved[1]}
