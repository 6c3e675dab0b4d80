"""Date expressions in a sentence, resolved against the publication date (contract §4)."""

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from catalogue.extract.rules import rules


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    date: dt.date
    precision: str  # day, month, season, year


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    r = rules()
    # Month and weekday names count only capitalised ("may" is a verb).
    month = "|".join(sorted((m.capitalize() for m in r.months), key=len, reverse=True))
    weekday = "|".join(w.capitalize() for w in r.weekdays)
    season = "|".join(r.seasons)
    flags = re.IGNORECASE
    return [
        ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
        ("day_month", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{month})\.?(?:,?\s+(?P<y>\d{{4}}))?\b")),
        ("month_day", re.compile(rf"\b(?P<month>{month})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?")),
        ("month", re.compile(rf"\b(?i:in|during|since|by|early|late|mid|mid-|until|from|last|this)\s+(?:early\s+|late\s+|mid-?)?(?P<month>{month})\b(?:\s+(?P<y>\d{{4}})|\s+(?:of\s+)?(?P<rel>last|this|next)\s+year)?")),
        ("season", re.compile(rf"\b(?P<rel>last|this|next|in|during|in\s+the|early|late|earlier\s+this)\s+(?P<season>{season})\b(?:\s+(?:of\s+)?(?P<y>\d{{4}}))?", flags)),
        ("season_year", re.compile(rf"\b(?P<season>{season})\s+(?:of\s+)?(?P<y>\d{{4}})\b", flags)),
        ("weekday", re.compile(rf"\b(?:(?P<rel>(?i:on|last|this|next))\s+)?(?P<weekday>{weekday})\b")),
        ("relative", re.compile(r"\b(?P<rel>yesterday|today|last\s+year|this\s+year|earlier\s+this\s+year|last\s+month|this\s+month|earlier\s+this\s+month)\b", flags)),
        # "reported on Wednesday that … had been carried out on the previous day": the day before the date
        # written before it in the sentence (find_dates), else before the publication.
        ("day_before", re.compile(r"\b(?:the\s+)?(?:previous|preceding)\s+day\b|\bthe\s+day\s+before\b(?!\s+\w)", flags)),
        ("year", re.compile(r"\b(?:in|during|since|by|early|late|mid-?)\s+(?P<y>(?:19|20)\d{2})\b(?!\s*(?:km|kilomet|miles|kg|tonnes|people))", flags)),
    ]


# What each kind of date expression holds at the least: a sentence lacking it is not searched for that kind.
_NEEDS = {
    "iso": ("digit",), "day_month": ("digit", "month"), "month_day": ("digit", "month"), "month": ("month",),
    "season": ("season",), "season_year": ("season", "digit"), "weekday": ("weekday",), "relative": ("relative",),
    "day_before": ("day",),
    "year": ("digit",),
}


@cache
def _ingredients() -> dict[str, re.Pattern[str]]:
    r = rules()
    return {
        "digit": re.compile(r"\d"),
        "month": re.compile("|".join(m.capitalize() for m in r.months)),
        "weekday": re.compile("|".join(w.capitalize() for w in r.weekdays)),
        "season": re.compile("|".join(r.seasons), re.IGNORECASE),
        "relative": re.compile("yesterday|today|year|month", re.IGNORECASE),
        "day": re.compile("day", re.IGNORECASE),
    }


def _year_for(month: int, day: int, published: dt.date) -> int:
    """The most recent such date not after publication (articles report the past)."""
    try:
        candidate = dt.date(published.year, month, day)
    except ValueError:
        return published.year
    return published.year if candidate <= published + dt.timedelta(days=1) else published.year - 1


def _resolve(kind: str, match: re.Match[str], published: dt.date | None) -> tuple[dt.date, str] | None:
    r = rules()
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if kind == "iso":
        return dt.date(int(groups["y"]), int(groups["m"]), int(groups["d"])), "day"
    if kind in ("day_month", "month_day"):
        month, day = r.months[groups["month"].casefold()], int(groups["d"])
        if year is None:
            if published is None:
                return None
            year = _year_for(month, day, published)
        return dt.date(year, month, day), "day"
    if kind == "month":
        month = r.months[groups["month"].casefold()]
        if year is None and groups.get("rel") and published is not None:
            year = published.year + {"last": -1, "this": 0, "next": 1}[groups["rel"].casefold()]
        if year is None:
            if published is None:
                return None
            year = published.year if month <= published.month else published.year - 1
        return dt.date(year, month, 1), "month"
    if kind in ("season", "season_year"):
        first_month = r.seasons[groups["season"].casefold()]
        if year is None:
            if published is None:
                return None
            relation = (groups.get("rel") or "").casefold()
            season_over = published.month >= first_month + 3 or (first_month == 12 and published.month < 3)
            if relation == "next":
                year = published.year if published.month < first_month else published.year + 1
            elif relation.startswith("this") or relation.startswith("earlier"):
                year = published.year
            else:
                year = published.year if season_over and published.month >= first_month else published.year - 1
        return dt.date(year, first_month, 1), "season"
    if kind == "weekday":
        if published is None:
            return None
        relation = (groups.get("rel") or "").casefold()
        if relation == "next":
            return None
        target = r.weekdays[groups["weekday"].casefold()]
        back = (published.weekday() - target) % 7
        if relation == "last" and back == 0:
            back = 7
        return published - dt.timedelta(days=back), "day"
    if kind == "relative":
        if published is None:
            return None
        relation = " ".join(groups["rel"].casefold().split())
        if relation == "yesterday":
            return published - dt.timedelta(days=1), "day"
        if relation == "today":
            return published, "day"
        if relation.endswith("this year"):
            return dt.date(published.year, 1, 1), "year"
        if relation == "last year":
            return dt.date(published.year - 1, 1, 1), "year"
        if relation.endswith("this month"):
            return published.replace(day=1), "month"
        if relation == "last month":
            previous = published.replace(day=1) - dt.timedelta(days=1)
            return previous.replace(day=1), "month"
    if kind == "day_before":
        return (published - dt.timedelta(days=1), "day") if published else None
    if kind == "year" and year is not None:
        return dt.date(year, 1, 1), "year"
    return None


@cache
def _dateline_patterns() -> list[re.Pattern[str]]:
    """What a text may open with to date itself: "date 2022-04-21", "Published: 14 March 2024", "SEOUL, Nov 1,
    2023 (Reuters) -", "Nov 1, 2023 -". The date is one of find_dates's (day, month and year)."""
    month = "|".join(sorted((m.capitalize() for m in rules().months), key=len, reverse=True))
    day = (rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{month})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
           rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{month})\.?,?\s+\d{{4}})")
    label = r"(?i:date|dated|published|posted|updated|last\s+updated)(?:\s+on)?\s*:?\s*"
    # A place in capitals or capitalised words, then a comma: "SEOUL,", "Washington, D.C.,"
    place = (r"(?!(?:On|In|By|At|Since|From|Until|After|Before|During|Last|This|Early|Late|Earlier)\b)"
             r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}(?:,\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})?,\s+")
    # The date line ends with a dash, a colon or the line's end, after an optional "(Reuters)".
    end = r"(?=\s*(?:\([^()\n]{1,40}\)\s*)?(?:[-—–|:]|\n|$))"
    return [re.compile(rf"\s*{label}(?P<date>{day})"),  # a labelled date, on its own line or not
            re.compile(rf"\s*(?:{place})?(?P<date>{day}){end}")]  # a dateline, with its place or without


@dataclass(frozen=True)
class Dateline:
    end: int  # where the date line's date ends: a date found before this is the report's, not an event's
    date: dt.date | None  # the date it gives, when it gives a year (or the publication date gives one)


def dateline(text: str, published: dt.date | None) -> Dateline | None:
    """The date a text opens with ("SEOUL, Nov 1 (Reuters) -"): the publication date when the document gives
    none, so that "on Wednesday" resolves against it."""
    head = text[:160]
    for pattern in _dateline_patterns():
        match = pattern.match(head)
        if match is None:
            continue
        found = find_dates(match.group("date"), match.start("date"), published)
        dated = found[0] if found and found[0].precision == "day" else None
        return Dateline(match.end("date"), dated.date if dated else None)
    return None


def find_dates(text: str, offset: int, published: dt.date | None) -> list[FoundDate]:
    """Dates in text (offsets shifted by offset), most precise first where two overlap."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    before: set[int] = set()  # which of found are "the previous day"
    present = {name for name, pattern in _ingredients().items() if pattern.search(text)}
    for kind, pattern in _patterns():
        if not present.issuperset(_NEEDS[kind]):
            continue
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            try:
                resolved = _resolve(kind, match, published)
            except (ValueError, KeyError):
                continue
            if resolved is None:
                continue
            taken.append((match.start(), match.end()))
            found.append(FoundDate(offset + match.start(), offset + match.end(), *resolved))
            if kind == "day_before":
                before.add(len(found) - 1)
    found = sorted(found, key=lambda d: d.start) if not before else _days_before(found, before)
    return found


def _days_before(found: list[FoundDate], before: set[int]) -> list[FoundDate]:
    """Each "previous day" is the day before the nearest day-precise date written before it, if any."""
    marked = sorted(((d, n in before) for n, d in enumerate(found)), key=lambda pair: pair[0].start)
    result: list[FoundDate] = []
    for date, is_before in marked:
        anchor = next((d for d in reversed(result) if d.precision == "day"), None)
        if is_before and anchor is not None:
            date = FoundDate(date.start, date.end, anchor.date - dt.timedelta(days=1), "day")
        result.append(date)
    return result
