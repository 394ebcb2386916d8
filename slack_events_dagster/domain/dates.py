"""Find and resolve date/time mentions in Slack message text.

Pure functions only (no Dagster, network or database code), so the parsing rules can be tested
exhaustively and reused by any asset. Natural language is ambiguous, so the rules below are
deliberately conservative: when a phrase could reasonably mean something else it is left
unparsed ("unknown stays unknown rather than wrong").

Conventions:

* All results are tz-aware and expressed in the zone ``tz`` given to :func:`find_dates`.
  Local wall times are built with ``datetime(..., tzinfo=ZoneInfo(...))`` and normalised through
  UTC, so DST transitions are honoured: a wall time that does not exist (spring-forward gap) is
  shifted forward by the gap; an ambiguous one (fall-back) takes its first occurrence.
* Numeric dates are read as US month/day: ``12/03`` is December 3rd. Two single-digit parts
  without a year (``3/4``) are treated as a fraction, and a number pair followed by ``of``,
  ``%``, a plural noun or a status word (``8/12 pods``, ``5/10 passed``) as a count.
* Dates without a year take the occurrence nearest to the reference that is not more than
  90 days in the past ("Jan 5" said on 2026-12-30 is 2027-01-05).
* A bare weekday, ``on``/``this``/``coming`` weekday is the next occurrence on or after the
  reference's local date (same day counts); ``next <weekday>`` is that weekday in the following
  calendar week (Monday-based: said on Wednesday the 18th, "next Friday" is the 27th and
  "Friday" the 20th, matching "Friday next week"), and ``last <weekday>`` is strictly before
  it. Plural or ``every``/``each`` weekdays are recurring schedules, not dates, and are ignored.
  Lower-case weekday abbreviations (``sat``, ``sun``) only count after a preposition or
  qualifier (``on sat``), because they are common words.
* ``end of (the) week`` is the Friday on or after the reference date; ``EOD``/``COB``/``end of
  day`` is 17:00 local time; ``midnight`` is the end of the day it refers to (24:00) except as
  the start of a range (``midnight-4am``), where it is 00:00.
* ``in N weeks`` keeps the reference weekday (precision "week"); ``in N hours/minutes`` is an
  exact instant. A countdown, ``N days/weeks left`` or ``to go``, reads as ``in N days/weeks``.
* A time joins an adjacent date ("tomorrow at 15:00", "10am on Friday") into one mention. A
  time further away in the same sentence borrows the nearest preceding date's day but stays its
  own mention; a time with no date uses the reference's local date. Times next to a coarse
  mention (week/month/quarter) are absorbed without changing it, since the day is unknown.
* A weekday written right before a calendar date ("Thu Nov 26") is part of that mention; the
  calendar date wins if the two disagree.
* Zone abbreviations map to DST-aware zones (CET/CEST -> Europe/Berlin, ET -> America/New_York,
  ...) because people keep writing "CET" in summer; "14:00 CET" in July is Berlin time.
* Matched words are read through ``fold_case``, which folds the characters re.IGNORECASE
  matches to ASCII letters (dotless i, dotted capital I, long s, Kelvin sign): "Friday" spelt
  with a dotless i is Friday and "Sept 3" with a long s is September 3, as the patterns read them.
* Left unparsed on purpose: month names without a day or year ("in May"), bare hours
  ("at 3"), recurring schedules. A cross-month range ("Nov 30 - Dec 2") gives two mentions.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_events_dagster.domain.text import fold_case

__all__ = ["DateMention", "find_dates"]


@dataclass(frozen=True)
class DateMention:
    """One resolved mention; frozen so mentions can be hashed, compared and deduplicated."""

    start: datetime
    end: datetime | None
    precision: str
    source: str
    text: str
    span: tuple[int, int]


# --------------------------------------------------------------------------- vocabulary

_MONTH_NUMBERS: dict[str, int] = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_WEEKDAY_NUMBERS: dict[str, int] = {
    name: number for number, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
}
_NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
# Abbreviations map to DST-aware zones: people write "CET" or "EST" all year round.
_ZONE_ALIASES: dict[str, str] = {
    "UTC": "UTC",
    "GMT": "UTC",
    "Z": "UTC",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "BST": "Europe/London",
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "IST": "Asia/Kolkata",
}
_EOD_HOUR = 17

# --------------------------------------------------------------------------- patterns

_FLAGS = re.IGNORECASE
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DASH = r"(?:-|\u2013|\u2014)"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?![\w:])"
_NUMBER = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_AMPM = r"(?:[ap]\.m\.|[ap]\.?m\b)"
_ZONE = (
    r"(?:\s*\(?(?P<zone>(?-i:(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?"
    r"|CEST|CET|EEST|EET|BST|EDT|EST|ET|PDT|PST|PT|IST|UTC|GMT|Z"
    r"|[A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+-]+){1,2}))\)?(?![\w/]))?"
)
_EOD = (
    r"(?P<eod>eod|(?-i:COB)|end\s+of\s+(?:the\s+)?(?:business\s+)?day"
    r"|close\s+of\s+business)"
)


def _clock_atom(n: int) -> str:
    """Regex for one clock reading; numbered groups because a range holds two of them."""
    return (
        rf"(?:(?P<w{n}>noon|midday|midnight)"
        rf"|(?P<h{n}>\d{{1,2}})(?::(?P<m{n}>\d{{2}})(?::(?P<s{n}>\d{{2}}))?)?"
        rf"(?:\s*(?P<ap{n}>{_AMPM}))?)"
    )


_ISO_RE = re.compile(
    r"(?<![\w.:/-])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?(?P<off>Z|[+-]\d{2}:?\d{2})?)?"
    r"(?![\w/]|[.:-]\d)",
    _FLAGS,
)
_MONTH_DAY_RE = re.compile(
    rf"(?<![\w-])(?P<mon>{_MONTH})\b(?:\.\s*|\s+)(?P<d1>\d{{1,2}}){_ORDINAL}"
    rf"(?:\s*(?:{_DASH}|to|through|thru|until|till)\s*(?P<d2>\d{{1,2}}){_ORDINAL})?"
    rf"(?![\w/]|[.:]\d)(?:(?:,\s*|\s+){_YEAR})?",
    _FLAGS,
)
_DAY_MONTH_RE = re.compile(
    rf"(?<![\w.:/$#-])(?P<d1>\d{{1,2}}){_ORDINAL}"
    rf"(?:\s*(?:{_DASH}|to|through|thru|until|till)\s*(?P<d2>\d{{1,2}}){_ORDINAL})?"
    rf"(?:\s+of)?\s+(?P<mon>{_MONTH})\b(?!-)(?:(?:,\s*|\s+){_YEAR})?",
    _FLAGS,
)
_MONTH_YEAR_RE = re.compile(rf"(?<![\w-])(?P<mon>{_MONTH})\b\.?,?\s+{_YEAR}", _FLAGS)
# A day of the month alone, after a word that introduces a date or a weekday: "tag it on the
# 14th", "open until the 21st", "Friday the 14th" (not "the 5th attempt", nor "since the 3rd").
_DAY_OF_MONTH_RE = re.compile(
    r"(?:(?<=\bon )|(?<=\bby )|(?<=\buntil )|(?<=\btill )|(?<=\bbefore )|(?<=\bthrough )"
    r"|(?<=\bdue )"
    r"|(?<=day )(?<!today )(?<!holiday )(?<!birthday )|(?<=\bstarting )"
    # or opening a text with a comma after it ("the 14th, after that only fixes"; not "the 3rd")
    r"|(?<=day, )|(?<=\bfrom )|(?<![\s\S])(?=the\s+\d{1,2}(?:st|nd|rd|th),))"
    r"the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"
    # then the sentence goes on: not "the 2nd Thursday", "the 3rd time", "the 14th of May"
    r"(?=\s*(?:[,.;:!?)]|$)|\s+(?:at|from|to|until|till|and|or|for|so|with|in|when|by|before"
    r"|after|this|next)\b|\s+\W)",
    _FLAGS,
)
# A part of a named month: "by the end of May", "mid-June", "early March 2027", "during the
# first week of November".
_PART_OF_MONTH_RE = re.compile(
    rf"(?<![\w-])(?:(?:the\s+)?(?P<part>end|middle|start|beginning)\s+of\s+"
    r"|(?:the\s+)?(?P<week>first|second|third|fourth|last|1st|2nd|3rd|4th)\s+week\s+of\s+"
    # not the lower-case verb: "the release is running late may be the runners"
    rf"|(?P<early>early|mid|late)[\s-]+)(?-i:(?!may\b))(?P<mon>{_MONTH})\b(?:\.?,?\s+{_YEAR})?",
    _FLAGS,
)
_NUMERIC_RE = re.compile(
    r"(?<![\w/.:,$#-])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?"
    r"(?![\w/%]|[.,:]\d)"
)
# What follows "8/12" when it is a count rather than a date.
_RATIO_TAIL_RE = re.compile(
    r"\s*(?:of\b|%|x\b)"
    r"|\s+(?:ready|done|complete|completed|passed|passing|failed|failing|healthy|up|down"
    r"|left|remaining|succeeded|running|available|green|red)\b"
    r"|\s+(?!(?:this|is|was|has|does|its|as|us|plus|thus|always|unless|across)\b)[a-z]+s\b",
    _FLAGS,
)
_QUARTER_RE = re.compile(
    r"(?<![\w&])(?:(?P<y1>(?:19|20)\d{2})[\s-]?)?Q(?P<q>[1-4])"
    r"(?:(?:\s*[-/]\s*|\s+)(?P<y2>(?:19|20)\d{2})(?![\w:])|['\u2019](?P<yy>\d{2}))?(?![\w&])",
    _FLAGS,
)
_WEEKDAY_RE = re.compile(
    rf"(?<![\w-])(?:(?P<q>this\s+coming|this|next|coming|last)\s+)?(?P<wd>{_WEEKDAY})\b",
    _FLAGS,
)
_WEEKDAY_WEEK_RE = re.compile(
    rf"(?<![\w-])(?:(?P<wd1>{_WEEKDAY}),?\s+(?:of\s+)?(?P<q1>this|next)\s+week"
    rf"|(?P<q2>this|next)\s+week,?\s+(?:on\s+)?(?P<wd2>{_WEEKDAY}))\b",
    _FLAGS,
)
_RELATIVE_RE = re.compile(
    r"(?<![\w-])(?:"
    r"(?P<after>(?:the\s+)?day\s+after\s+tomorrow)"
    r"|(?P<before>(?:the\s+)?day\s+before\s+yesterday)"
    r"|(?P<today>today|tonight|this\s+(?:morning|afternoon|evening))"
    r"|(?P<tomorrow>tomorrow|tmrw)"
    r"|(?P<yesterday>yesterday)"
    rf"|(?:in|within|eta:?)\s+(?:the\s+next\s+)?(?:about\s+|around\s+|roughly\s+|~\s*)?(?P<n>{_NUMBER}|a\s+couple\s+of|a\s+few)\s+"
    r"(?P<working>(?:business|working)\s+)?(?P<unit>min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?)"
    # a countdown: "only a week left to apply", "three days to go"
    rf"|(?P<n_left>{_NUMBER}|a\s+couple\s+of|a\s+few)\s+(?P<unit_left>days?|weeks?)\s+(?:left|to\s+go)"
    r"|(?P<period_q>this|next)\s+(?P<period>week|month|quarter)"
    # "we migrate the forum this weekend", "the hack weekend is next weekend"
    r"|(?P<weekend_q>this\s+coming|this|next|coming)\s+weekend"
    r"|end\s+of\s+(?:the\s+)?(?:(?P<end_q>this|next)\s+)?(?P<end_unit>week|month|quarter|year)"
    r"|(?P<end_abbr>eow|eom|eoq|eoy)"
    r")\b",
    _FLAGS,
)
_TIME_RE = re.compile(
    rf"(?<![\w:./-])(?P<core>{_EOD}|{_clock_atom(1)})(?![\w:]|\.\d){_ZONE}", _FLAGS
)
_TIME_RANGE_RE = re.compile(
    rf"(?<![\w:./-])(?P<core>(?:(?P<btw>between)\s+)?{_clock_atom(1)}\s*"
    rf"(?(btw)and|(?:{_DASH}|to|until|till))\s*{_clock_atom(2)})(?![\w:]|\.\d){_ZONE}",
    _FLAGS,
)
_OFFSET_RE = re.compile(r"(?:UTC|GMT)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
_URL_RE = re.compile(r"<[^<>\s|]*://[^<>]*>|\b(?:https?|ftp)://[^\s<>]+|\bwww\.[^\s<>]+", _FLAGS)
# Words allowed between a date and its time for the two to form one mention.
_CONNECTOR_RE = re.compile(
    r"(?:[\s,:@(\u2013\u2014-]|\b(?:at|on|from|by|around|starting)\b)*", _FLAGS
)
# A sentence ends at ".", "!" or "?" before a blank (or the end of what is read), or at a line
# break or ";". Where they are is found once per text (see _BreakFinder).
# The most characters between a date and a time that join ("Dec 1, at 10:00"): a longer gap is
# no connector, and reading every gap in full was quadratic on a long one.
_MAX_CONNECTOR_GAP = 64
_SENTENCE_BREAK_RE = re.compile(r"[.!?](?=\s|$)|[\n;]")
_SENTENCE_END_MARKS = ".!?"
_WEEKDAY_LEAD_RE = re.compile(r"\b(?:on|by|until|till|before|after|from|since|due|for)\s+$", _FLAGS)
_RECURRING_LEAD_RE = re.compile(r"\b(?:every|each)\s+$", _FLAGS)
# A weekday in a greeting names no event: "Happy Friday!", "have an amazing Friday", "enjoy
# your Sunday", "have a great rest of your Tuesday".
_GREETING_ADJECTIVE = (
    r"(?:good|great|nice|lovely|wonderful|amazing|fantastic|relaxing|happy|productive|fun"
    r"|restful|awesome|brilliant|safe|peaceful|pleasant|super|fab|fabulous|beautiful)"
)
_GREETING_LEAD_RE = re.compile(
    rf"\b(?:happy|(?:have|wish you) an? (?:very |really )?{_GREETING_ADJECTIVE}"
    r"(?: rest of(?: your| the)?)?|enjoy(?: your| the)?(?: rest of(?: your| the)?)?)\s+$",
    _FLAGS,
)
_GREETING_REACH = 40
_IDIOM_LEAD_RE = re.compile(r"\bat\s+the\s+$", _FLAGS)
_WEEKDAY_PREFIX_GAP_RE = re.compile(r"\s*,?\s*(?:the\s+)?", _FLAGS)

# --------------------------------------------------------------------------- hints
# Each pattern above starts with a lookbehind, so a scan tries every position of the text, and on
# ordinary chat most of the time went to scans that found nothing. A hint is a short pattern found
# in every match its matcher's handler accepts, so a matcher none of whose hints is in the text
# cannot yield a candidate and its scan is skipped. Hints are searched case-sensitively in
# fold_case(text), which finds whatever the same lower-case pattern finds case-insensitively.


def _literal_union(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds any of `words`, written as a trie ("m(?:ar|ay|on)") so each position
    tries one branch per distinct letter instead of one per word: a fast "is one of them in it"."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        if "" in node:  # a word ends here; a longer one in the text means this one is in it too
            return ""
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return re.compile(pattern(trie))


# ISO dates (2026-12-01) and US numbers (12/01) have a separator between two digits; a time the
# handlers accept has minutes or am/pm when it has digits ("at 10" is no time).
_SEPARATOR_HINT = re.compile(r"\d[-/]\d")
_DAY_OF_MONTH_HINT = re.compile(r"the\s+\d{1,2}(?:st|nd|rd|th)\b")
_CLOCK_DIGIT_HINT = re.compile(r"\d(?::\d|\s*[ap]\.?m)")
# Month and weekday names are whole words (so "market" and "github" hold none), and each
# spelling starts with one of these three-letter words. The month-date hints are only searched
# once _MONTH_HINT is found, so they can afford the leading \b that rules out "Kumar 2".
_MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_HINT = re.compile(rf"{_MONTH}\b")
_MONTH_DAY_HINT = re.compile(rf"\b{_MONTH}(?:\.\s*|\s+)\d")
_DAY_MONTH_HINT = re.compile(rf"\d{_ORDINAL}\s+(?:of\s+)?{_MONTH}\b")
_MONTH_YEAR_HINT = re.compile(rf"\b{_MONTH}\b\.?,?\s+(?:19|20)\d\d")
_WEEKDAY_WORDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_HINT = re.compile(rf"{_WEEKDAY}\b")
_WEEK_HINT = re.compile("week")
_QUARTER_WORDS = ("q1", "q2", "q3", "q4")
_QUARTER_HINT = _literal_union(_QUARTER_WORDS)
# Every _RELATIVE_RE match ends with one of these words ("in 2 days" has a hint of its own, as
# "Monday" ends with "day" too).
_RELATIVE_WORDS = (
    *("today", "tonight", "tomorrow", "tmrw", "yesterday", "min", "hr", "hour", "week"),
    "weekend",
    *("morning", "afternoon", "evening"),
    *("month", "quarter", "year", "eow", "eom", "eoq", "eoy"),
)
_RELATIVE_HINT = re.compile(
    r"(?:today|tonight|tomorrow|tmrw|yesterday|morning|afternoon|evening"
    r"|min(?:ute)?s?|h(?:ou)?rs?|weeks?|weekend|month|quarter"
    r"|year|eo[wmqy])\b"
)
_DAYS_HINT = re.compile(r"\sdays?\b")
# Times without digits: noon, midday, midnight or an end-of-business-day phrase (_EOD).
_CLOCK_WORDS = ("noon", "midday", "midnight", "eod", "cob", "end", "close")
_CLOCK_WORD_HINT = re.compile(r"noon|midday|midnight|eod|cob|end\s+of|close\s+of")
# A range the handler accepts: a connector, then a complete clock reading (see _time_range).
_RANGE_HINT = re.compile(
    r"(?:-|\u2013|\u2014|to|until|till|and)\s*(?:\d{1,2}(?::\d|\s*[ap]\.?m)|noon|midday|midnight)"
)

# Broader hints, searched first: every match of a hint in _DIGIT_HINTS holds a match of
# _ANY_DIGIT_HINT and every match of one in _WORD_HINTS holds a word of _ANY_WORD_HINT, so one
# search that finds nothing rules out the whole tuple (most messages hold no hint at all).
_DIGIT_HINTS = (_SEPARATOR_HINT, _CLOCK_DIGIT_HINT, _DAY_OF_MONTH_HINT)
_ANY_DIGIT_HINT = re.compile("|".join(hint.pattern for hint in _DIGIT_HINTS))
_WORD_HINTS = (
    *(_MONTH_HINT, _QUARTER_HINT, _WEEKDAY_HINT, _WEEK_HINT, _RELATIVE_HINT, _DAYS_HINT),
    _CLOCK_WORD_HINT,
)
_ANY_WORD_HINT = _literal_union(
    (*_MONTH_WORDS, *_WEEKDAY_WORDS, *_QUARTER_WORDS, *_RELATIVE_WORDS, "day", *_CLOCK_WORDS)
)
_MONTH_DATE_HINTS = (_MONTH_DAY_HINT, _DAY_MONTH_HINT, _MONTH_YEAR_HINT)


def _present_hints(text: str) -> set[re.Pattern[str]]:
    """The hints in `text`, each searched only once a broader hint it implies was found."""
    folded = fold_case(text)
    hints: tuple[re.Pattern[str], ...] = ()
    if _ANY_DIGIT_HINT.search(folded):
        hints += _DIGIT_HINTS
    if _ANY_WORD_HINT.search(folded):
        hints += _WORD_HINTS
    found = {hint for hint in hints if hint.search(folded)}
    if _MONTH_HINT in found:  # each of these holds a month name
        found.update(hint for hint in _MONTH_DATE_HINTS if hint.search(folded))
    if (_CLOCK_DIGIT_HINT in found or _CLOCK_WORD_HINT in found) and _RANGE_HINT.search(folded):
        found.add(_RANGE_HINT)  # a range holds a clock reading
    return found


# --------------------------------------------------------------------------- internals


@dataclass
class _Context:
    """Everything a pattern handler needs to resolve a match; built once per call."""

    text: str
    reference: datetime
    today: date
    zone: tzinfo


@dataclass
class _Clock:
    """A wall-clock reading (hour may be 24 for 'end of day'), optional range end and zone."""

    hour: int
    minute: int
    second: int = 0
    until: tuple[int, int, int] | None = None
    zone: tzinfo | None = None


@dataclass
class _Candidate:
    """A date mention before time attachment; mutable because times merge into it."""

    span: tuple[int, int]
    day: date
    precision: str
    source: str
    kind: str = "other"  # "calendar" | "weekday" | "other": drives weekday-prefix merging
    end_day: date | None = None
    clock: _Clock | None = None
    instant: datetime | None = None
    taken: bool = False  # already carries a time, so an adjacent time must not merge in


@dataclass
class _TimeCandidate:
    """A clock mention waiting to be attached to a date."""

    span: tuple[int, int]
    clock: _Clock


_C = TypeVar("_C", _Candidate, _TimeCandidate)


def _load_zone(name: str) -> ZoneInfo:
    """Resolve the caller's zone, turning every lookup failure into one ValueError type."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError) as exc:
        raise ValueError(f"Unknown time zone: {name!r}") from exc


def _zone_from_text(name: str) -> tzinfo | None:
    """Zone named next to a time in the message; None when it is not a real zone."""
    if name in _ZONE_ALIASES:
        return ZoneInfo(_ZONE_ALIASES[name])
    offset = _OFFSET_RE.fullmatch(name)
    if offset:
        hours, minutes = int(offset["h"]), int(offset["m"] or 0)
        if hours > 14 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if offset["sign"] == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@lru_cache(maxsize=4096)  # a long message repeats its dates; each costs two zone conversions
def _at(day: date, hour: int, minute: int, second: int, source: tzinfo, target: tzinfo) -> datetime:
    """Wall time in `source` expressed in `target`; the UTC round trip normalises DST gaps."""
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=source)
    return local.astimezone(UTC).astimezone(target)


def _month_number(name: str) -> int:
    """Month number from any accepted spelling ("Sept", "december", "sept" with a long s)."""
    return _MONTH_NUMBERS[fold_case(name[:3])]


def _weekday_number(name: str) -> int:
    """Weekday number (Monday=0) from any accepted spelling ("Thurs", "friday", "FRİDAY")."""
    return _WEEKDAY_NUMBERS[fold_case(name[:3])]


def _safe_date(year: int, month: int, day: int) -> date | None:
    """A date, or None for impossible ones like Feb 30, so handlers can bail out quietly."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _infer_year(month: int, day: int, today: date) -> date | None:
    """Occurrence nearest to `today` that is at most 90 days old (leap days look ahead)."""
    oldest = today - timedelta(days=90)
    best: date | None = None
    for year in range(today.year - 1, today.year + 5):
        candidate = _safe_date(year, month, day)
        if candidate is None or candidate < oldest:
            continue
        if best is None or abs((candidate - today).days) < abs((best - today).days):
            best = candidate
    return best


def _calendar_day(month: int, day: int, year: int | None, today: date) -> date | None:
    """Explicit years are kept; missing ones are inferred from the reference."""
    if year is not None:
        return _safe_date(year, month, day)
    return _infer_year(month, day, today)


def _last_day_of_month(year: int, month: int) -> date:
    """Last calendar day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    """First day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@lru_cache(maxsize=256)
def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    first_month = 3 * quarter - 2
    return date(year, first_month, 1), _last_day_of_month(year, first_month + 2)


def _quarter_of(day: date) -> int:
    """Calendar quarter (1-4) containing `day`."""
    return (day.month - 1) // 3 + 1


def _monday(day: date) -> date:
    """Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


def _on_or_after(today: date, weekday: int) -> date:
    """Next `weekday` counting today."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


# --------------------------------------------------------------------------- date handlers


def _iso(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """ISO dates, optionally with a T-separated time and a Z/offset suffix."""
    day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if day is None:
        return None
    candidate = _Candidate(match.span(), day, "day", "explicit", kind="calendar")
    if match["h"] is not None:
        hour, minute, second = int(match["h"]), int(match["mi"]), int(match["s"] or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        zone = _zone_from_text(match["off"].upper()) if match["off"] else None
        if match["off"] and zone is None:
            return None
        candidate.clock = _Clock(hour, minute, second, zone=zone)
        candidate.taken = True
    return candidate


def _day_range(match: re.Match[str], ctx: _Context, month: int) -> tuple[date, date | None] | None:
    """Start and optional end day of "Dec 1-3" / "1-3 Dec"; None for impossible input."""
    year = int(match["year"]) if match["year"] else None
    start = _calendar_day(month, int(match["d1"]), year, ctx.today)
    if start is None:
        return None
    if match["d2"] is None:
        return start, None
    last = int(match["d2"])
    if last <= start.day:
        return None
    end = _safe_date(start.year, start.month, last)
    return (start, end) if end is not None else None


def _named_month_day(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """Dates with a month name in either order, with optional range and year."""
    resolved = _day_range(match, ctx, _month_number(match["mon"]))
    if resolved is None:
        return None
    start, end = resolved
    return _Candidate(match.span(), start, "day", "explicit", kind="calendar", end_day=end)


def _day_of_month(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """ "on the 14th": the next such day, today's month first, as a weekday is the next one."""
    day, today = int(match["d"]), ctx.today
    for months in (0, 1, 2):  # "the 31st" in April is in May
        first = _add_months(today, months)
        found = _safe_date(first.year, first.month, day)
        if found is not None and found >= today:
            return _Candidate(match.span(), found, "day", "relative", kind="calendar")
    return None


def _month_year(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """Month plus year ("December 2026"): the year makes a bare month name safe to read."""
    day = date(int(match["year"]), _month_number(match["mon"]), 1)
    return _Candidate(match.span(), day, "month", "explicit")


_WEEK_INDEX = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
}


def _part_of_month(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """The day a part of a month stands for: its last day for "end of" and "late"; else the week
    from the 1st ("early", "start of", "beginning of") or from the 15th ("mid"), which is not past
    while it lasts ("release planned for early March", said on March 3)."""
    month = _month_number(match["mon"])
    part = fold_case(match["part"] or match["early"] or match["week"])
    year = int(match["year"]) if match["year"] else None
    middle = _calendar_day(month, 15, year, ctx.today)  # the month nearest the message
    if middle is None:
        return None
    if match["week"]:  # "the first week of November" starts on the 1st, "the last" 7 days before
        if part == "last":
            first = _last_day_of_month(middle.year, month) - timedelta(days=6)
        else:
            first = middle.replace(day=1 + 7 * _WEEK_INDEX[part])
        return _Candidate(match.span(), first, "week", "explicit")
    if part in ("end", "late"):
        return _Candidate(match.span(), _last_day_of_month(middle.year, month), "day", "explicit")
    day = middle if part in ("mid", "middle") else middle.replace(day=1)
    return _Candidate(match.span(), day, "week", "explicit")


def _numeric(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """US month/day numbers, rejecting fractions and counts that look like dates."""
    month, day_number, year_text = int(match["m"]), int(match["d"]), match["y"]
    if year_text is None:
        if len(match["m"]) == 1 and len(match["d"]) == 1:
            return None
        if _RATIO_TAIL_RE.match(ctx.text, match.end()):
            return None
        year = None
    else:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if not 1 <= month <= 12:
        return None
    day = _calendar_day(month, day_number, year, ctx.today)
    if day is None:
        return None
    return _Candidate(match.span(), day, "day", "explicit", kind="calendar")


def _quarter(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """Q1..Q4; a bare quarter that already ended this year means next year's."""
    quarter = int(match["q"])
    if match["y1"] or match["y2"]:
        year = int(match["y1"] or match["y2"])
    elif match["yy"]:
        year = 2000 + int(match["yy"])
    else:
        year = ctx.today.year
        if _quarter_bounds(year, quarter)[1] < ctx.today:
            year += 1
    first, last = _quarter_bounds(year, quarter)
    return _Candidate(match.span(), first, "quarter", "explicit", end_day=last)


def _weekday(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """Weekday names with an optional this/next/last qualifier."""
    name, qualifier = match["wd"], fold_case(match["q"] or "")
    before = ctx.text[max(0, match.start() - 12) : match.start()]
    if _RECURRING_LEAD_RE.search(before):
        return None
    if not qualifier and _is_greeting(ctx.text, match.start(), match.end()):
        return None
    is_abbreviation = not fold_case(name).endswith("day")
    if (
        is_abbreviation
        and name[0].islower()
        and not qualifier
        and not _WEEKDAY_LEAD_RE.search(before)
    ):
        return None
    weekday = _weekday_number(name)
    today = ctx.today
    if qualifier == "next":
        day = _monday(today) + timedelta(days=7 + weekday)
    elif qualifier == "last":
        day = today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    else:
        day = _on_or_after(today, weekday)
    return _Candidate(match.span(), day, "day", "relative", kind="weekday")


def _is_greeting(text: str, start: int, end: int) -> bool:
    """Whether the weekday at [start, end) is the day a greeting wishes a good time for: "Happy
    Friday!", "have an amazing Friday", not "a great Friday meetup" (a weekday before a noun)."""
    if re.match(r"\s*[a-z]", text[end : end + 2]) and not re.match(
        r"\s*(?:everyone|everybody|all|folks|y'all|team|friends|and|to)\b", text[end : end + 12]
    ):
        return False
    return _GREETING_LEAD_RE.search(text, max(0, start - _GREETING_REACH), start) is not None


def _weekday_of_week(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """A weekday inside a named week ("Tuesday next week", "next week on Tuesday")."""
    name = match["wd1"] or match["wd2"]
    qualifier = fold_case(match["q1"] or match["q2"])
    monday = _monday(ctx.today) + timedelta(days=7 if qualifier == "next" else 0)
    day = monday + timedelta(days=_weekday_number(name))
    return _Candidate(match.span(), day, "day", "relative")


def _relative(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    """Words resolved purely from the reference: today, in 3 days, next week, EOM..."""
    today, span = ctx.today, match.span()
    offsets = {"after": 2, "before": -2, "today": 0, "tomorrow": 1, "yesterday": -1}
    for group, offset in offsets.items():
        if match[group]:
            return _Candidate(span, today + timedelta(days=offset), "day", "relative")
    if match["n"]:
        return _in_n_units(match, ctx)
    if match["n_left"]:
        return _in_n_units(match, ctx, "n_left", "unit_left")
    if match["weekend_q"]:
        return _weekend(match, today)
    if match["period"]:
        shift = 1 if fold_case(match["period_q"]) == "next" else 0
        period = fold_case(match["period"])
        if period == "week":
            day = _monday(today) + timedelta(days=7 * shift)
            return _Candidate(span, day, "week", "relative")
        if period == "month":
            return _Candidate(span, _add_months(today, shift), "month", "relative")
        first_month = _add_months(date(today.year, 3 * _quarter_of(today) - 2, 1), 3 * shift)
        first, last = _quarter_bounds(first_month.year, _quarter_of(first_month))
        return _Candidate(span, first, "quarter", "relative", end_day=last)
    if match["end_abbr"]:
        unit = {"w": "week", "m": "month", "q": "quarter", "y": "year"}[
            fold_case(match["end_abbr"][2])
        ]
        shift = 0
    else:
        unit = fold_case(match["end_unit"])
        shift = 1 if fold_case(match["end_q"] or "") == "next" else 0
    return _Candidate(span, _end_of(unit, shift, today), "day", "relative")


def _weekend(match: re.Match[str], today: date) -> _Candidate:
    """This weekend (the one under way on a Saturday or Sunday) or next weekend: Saturday to
    Sunday."""
    saturday = _monday(today) + timedelta(days=5)
    if fold_case(match["weekend_q"]) == "next":
        saturday += timedelta(days=7)
    start = max(saturday, today)
    return _Candidate(match.span(), start, "day", "relative", end_day=saturday + timedelta(days=1))


def _in_n_units(
    match: re.Match[str], ctx: _Context, number: str = "n", units: str = "unit"
) -> _Candidate | None:
    """In (about) N, a couple of or a few minutes/hours/days/weeks (or N days/weeks left); sub-day
    units are exact instants."""
    raw = fold_case(match[number])
    if raw.startswith("a") and raw[1:2].isspace():  # "a couple of" is two, "a few" about three
        count = 2 if "couple" in raw else 3
    else:
        count = _NUMBER_WORDS.get(raw) or int(raw)
    unit = fold_case(match[units])
    span = match.span()
    if unit.startswith(("min", "h")):
        delta = timedelta(minutes=count) if unit.startswith("min") else timedelta(hours=count)
        instant = (ctx.reference.astimezone(UTC) + delta).astimezone(ctx.zone)
        return _Candidate(span, instant.date(), "datetime", "relative", instant=instant, taken=True)
    if unit.startswith("day") and match["working"]:
        return _Candidate(span, _after_working_days(ctx.today, count), "day", "relative")
    if unit.startswith("day"):
        return _Candidate(span, ctx.today + timedelta(days=count), "day", "relative")
    return _Candidate(span, ctx.today + timedelta(weeks=count), "week", "relative")


def _after_working_days(today: date, count: int) -> date:
    """The day `count` working days (Monday to Friday) after `today`: "within 2 business days"
    of a Friday is the Tuesday."""
    weeks, rest = divmod(count, 5)
    day = today + timedelta(weeks=weeks)
    while rest > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            rest -= 1
    return day


def _end_of(unit: str, shift: int, today: date) -> date:
    """Last working day of the week (Friday) or last day of a month/quarter/year."""
    if unit == "week":
        return _on_or_after(today, 4) + timedelta(days=7 * shift)
    if unit == "month":
        first = _add_months(today, shift)
        return _last_day_of_month(first.year, first.month)
    if unit == "quarter":
        first = _add_months(date(today.year, 3 * _quarter_of(today) - 2, 1), 3 * shift)
        return _quarter_bounds(first.year, _quarter_of(first))[1]
    return date(today.year + shift, 12, 31)


_DateHandler = Callable[[re.Match[str], _Context], _Candidate | None]
# (pattern, handler, hints): the scan runs when one of the hints is in the text.
_DATE_MATCHERS: tuple[tuple[re.Pattern[str], _DateHandler, tuple[re.Pattern[str], ...]], ...] = (
    (_ISO_RE, _iso, (_SEPARATOR_HINT,)),
    (_MONTH_DAY_RE, _named_month_day, (_MONTH_DAY_HINT,)),
    (_DAY_MONTH_RE, _named_month_day, (_DAY_MONTH_HINT,)),
    (_MONTH_YEAR_RE, _month_year, (_MONTH_YEAR_HINT,)),
    (_DAY_OF_MONTH_RE, _day_of_month, (_DAY_OF_MONTH_HINT,)),
    (_PART_OF_MONTH_RE, _part_of_month, (_MONTH_HINT,)),
    (_NUMERIC_RE, _numeric, (_SEPARATOR_HINT,)),
    (_QUARTER_RE, _quarter, (_QUARTER_HINT,)),
    (_WEEKDAY_RE, _weekday, (_WEEKDAY_HINT,)),
    (_WEEKDAY_WEEK_RE, _weekday_of_week, (_WEEK_HINT,)),
    (_RELATIVE_RE, _relative, (_RELATIVE_HINT, _DAYS_HINT)),
)

# --------------------------------------------------------------------------- time handlers


def _read_atom(match: re.Match[str], n: int) -> tuple[int, int, int, str | None, bool] | None:
    """(hour, minute, second, meridiem, complete) of clock atom n, or None if impossible.

    A bare number ("10" in "10-11am") is incomplete: it only becomes a time by borrowing the
    meridiem of the other end of a range.
    """
    word = match[f"w{n}"]
    if word:
        return (0 if fold_case(word) == "midnight" else 12, 0, 0, None, True)
    hour, minutes_text = int(match[f"h{n}"]), match[f"m{n}"]
    minute, second = int(minutes_text or 0), int(match[f"s{n}"] or 0)
    meridiem = match[f"ap{n}"]
    if minute > 59 or second > 59:
        return None
    if meridiem:
        return (hour, minute, second, fold_case(meridiem[0]), True) if 1 <= hour <= 12 else None
    if minutes_text is None:
        return (hour, 0, 0, None, False) if 1 <= hour <= 12 else None
    return (hour, minute, second, None, True) if hour <= 23 else None


def _to_24h(hour: int, meridiem: str | None) -> int:
    """12h reading to 24h ("12am" is 0, "12pm" is 12); 24h readings pass through."""
    if meridiem is None:
        return hour
    return hour % 12 + (12 if meridiem == "p" else 0)


def _time_span_and_zone(match: re.Match[str]) -> tuple[tuple[int, int], tzinfo | None]:
    """Span and zone of a time match; an unknown zone name is left out of the span."""
    if match["zone"] is None:
        return match.span(), None
    zone = _zone_from_text(match["zone"])
    if zone is None:
        return (match.start(), match.end("core")), None
    return match.span(), zone


def _single_time(match: re.Match[str], ctx: _Context) -> _TimeCandidate | None:
    """One clock time, "noon"/"midnight" or an end-of-business-day phrase."""
    span, zone = _time_span_and_zone(match)
    if match["eod"]:
        before = ctx.text[max(0, match.start() - 10) : match.start()]
        if fold_case(match["eod"]).startswith("end") and _IDIOM_LEAD_RE.search(before):
            return None  # "at the end of the day" is an idiom, not a deadline
        return _TimeCandidate(span, _Clock(_EOD_HOUR, 0, zone=zone))
    atom = _read_atom(match, 1)
    if atom is None or not atom[4]:
        return None
    hour, minute, second, meridiem, _ = atom
    if match["w1"] and fold_case(match["w1"]) == "midnight":
        hour = 24  # a lone "midnight" closes the day it refers to
    return _TimeCandidate(span, _Clock(_to_24h(hour, meridiem), minute, second, zone=zone))


def _time_range(match: re.Match[str], ctx: _Context) -> _TimeCandidate | None:
    """Clock ranges: "02:00-04:00", "10-11am", "between 9 am and noon"."""
    first, second = _read_atom(match, 1), _read_atom(match, 2)
    if first is None or second is None or not second[4]:
        return None
    end_hour = _to_24h(second[0], second[3])
    if match["w2"] and fold_case(match["w2"]) == "midnight":
        end_hour = 24
    if first[4]:
        start_hour = _to_24h(first[0], first[3])
    elif second[3] is None:
        return None
    else:
        start_hour = _to_24h(first[0], second[3])
        if start_hour * 60 > end_hour * 60 + second[1]:
            start_hour = _to_24h(first[0], "a" if second[3] == "p" else "p")
    span, zone = _time_span_and_zone(match)
    clock = _Clock(start_hour, first[1], first[2], (end_hour, second[1], second[2]), zone)
    return _TimeCandidate(span, clock)


_TimeHandler = Callable[[re.Match[str], _Context], _TimeCandidate | None]
_TIME_MATCHERS: tuple[tuple[re.Pattern[str], _TimeHandler, tuple[re.Pattern[str], ...]], ...] = (
    (_TIME_RE, _single_time, (_CLOCK_DIGIT_HINT, _CLOCK_WORD_HINT)),
    (_TIME_RANGE_RE, _time_range, (_RANGE_HINT,)),
)

# --------------------------------------------------------------------------- assembly


def _scan(
    pattern: re.Pattern[str],
    handler: Callable[[re.Match[str], _Context], _C | None],
    ctx: _Context,
) -> Iterator[_C]:
    """Every accepted match, including overlapping ones, so the longest can win later."""
    position = 0
    while (match := pattern.search(ctx.text, position)) is not None:
        candidate = handler(match, ctx)
        if candidate is not None:
            yield candidate
        position = match.start() + 1


def _select(candidates: list[_C], blocked: list[tuple[int, int]], length: int) -> list[_C]:
    """Longest-first non-overlapping choice, so "day after tomorrow" beats "tomorrow".

    Taken characters are marked in a mask of the text's `length`, so each check reads only the
    candidate's own span (a sorted list of spans cost a shift per insertion: quadratic on a
    long message full of dates).
    """
    taken = bytearray(length + 1)
    for start, end in blocked:
        taken[start:end] = b"\x01" * (end - start)
    chosen: list[_C] = []
    for candidate in sorted(candidates, key=lambda c: (c.span[0] - c.span[1], c.span[0])):
        start, end = candidate.span
        if taken.find(1, start, end) >= 0:
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.span)


def _merge_weekday_prefixes(text: str, dates: list[_Candidate]) -> list[_Candidate]:
    """Fold "Thu" into a directly following "Nov 26": one event, one mention."""
    merged: list[_Candidate] = []
    for candidate in dates:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.kind == "weekday"
            and candidate.kind == "calendar"
            and _WEEKDAY_PREFIX_GAP_RE.fullmatch(text, previous.span[1], candidate.span[0])
        ):
            candidate.span = (previous.span[0], candidate.span[1])
            merged[-1] = candidate
        else:
            merged.append(candidate)
    return merged


def _absorb(target: _Candidate, time: _TimeCandidate) -> None:
    """Merge an adjacent time into a date; coarse dates keep their value, only the span grows."""
    target.span = (min(target.span[0], time.span[0]), max(target.span[1], time.span[1]))
    target.taken = True
    if target.precision == "day":
        target.clock = time.clock


class _BreakFinder:
    """Whether text[start:end] holds a sentence break, as _SENTENCE_BREAK_RE.search(text, start,
    end) says, from the breaks found in one pass (that search, from each time back to the date
    before it, was quadratic on a long message of times)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [match.start() for match in _SENTENCE_BREAK_RE.finditer(text)]

    def between(self, start: int, end: int) -> bool:
        if end <= start:
            return False
        if self.text[end - 1] in _SENTENCE_END_MARKS:  # the end of what is read follows it
            return True
        index = bisect.bisect_left(self.breaks, start)
        return index < len(self.breaks) and self.breaks[index] < end


def _attach_times(
    ctx: _Context, dates: list[_Candidate], times: list[_TimeCandidate]
) -> list[_Candidate]:
    """Give every time a day; return the times that stay separate mentions."""
    text = ctx.text
    breaks = _BreakFinder(text)
    separate: list[_Candidate] = []
    index = 0  # first date ending after the current time; spans only grow into gaps
    for time in times:
        while index < len(dates) and dates[index].span[1] <= time.span[0]:
            index += 1
        previous = dates[index - 1] if index > 0 else None
        following = dates[index] if index < len(dates) else None
        if (
            previous is not None
            and not previous.taken
            and time.span[0] - previous.span[1] <= _MAX_CONNECTOR_GAP
            and _CONNECTOR_RE.fullmatch(text, previous.span[1], time.span[0])
        ):
            _absorb(previous, time)
        elif (
            following is not None
            and not following.taken
            and following.span[0] - time.span[1] <= _MAX_CONNECTOR_GAP
            and _CONNECTOR_RE.fullmatch(text, time.span[1], following.span[0])
        ):
            _absorb(following, time)
        elif previous is not None and not breaks.between(previous.span[1], time.span[0]):
            if previous.precision == "day":
                separate.append(
                    _Candidate(time.span, previous.day, "day", previous.source, clock=time.clock)
                )
        else:
            separate.append(_Candidate(time.span, ctx.today, "day", "relative", clock=time.clock))
    return separate


def _to_mention(ctx: _Context, candidate: _Candidate) -> DateMention:
    """Turn a resolved candidate into the public, tz-aware value."""
    zone = ctx.zone
    text = ctx.text[candidate.span[0] : candidate.span[1]]
    if candidate.instant is not None:
        return DateMention(
            candidate.instant, None, "datetime", candidate.source, text, candidate.span
        )
    clock = candidate.clock
    if clock is None:
        start = _at(candidate.day, 0, 0, 0, zone, zone)
        end = _at(candidate.end_day, 0, 0, 0, zone, zone) if candidate.end_day else None
        return DateMention(start, end, candidate.precision, candidate.source, text, candidate.span)
    source_zone = clock.zone or zone
    start = _at(candidate.day, clock.hour, clock.minute, clock.second, source_zone, zone)
    end = None
    last_day = candidate.end_day or candidate.day
    if clock.until is not None:
        end = _at(last_day, *clock.until, source_zone, zone)
        if end <= start:  # "22:00-02:00" runs past midnight
            end = _at(last_day + timedelta(days=1), *clock.until, source_zone, zone)
    elif candidate.end_day is not None:
        end = _at(last_day, clock.hour, clock.minute, clock.second, source_zone, zone)
    return DateMention(start, end, "datetime", candidate.source, text, candidate.span)


def find_dates(text: str, reference: datetime, tz: str = "UTC") -> list[DateMention]:
    """All date/time mentions in `text`, resolved against `reference` in the zone `tz`.

    `reference` is the message time and must be tz-aware; relative phrases ("tomorrow",
    "next Friday") are resolved from its local date in `tz`. The result is sorted by span and
    non-overlapping; every datetime is expressed in `tz`. See the module docstring for the
    interpretation rules (US month/day numbers, weekday and year inference, time attachment).

    Raises ValueError when `tz` is not a known IANA zone or `reference` is naive.
    """
    zone = _load_zone(tz)
    if reference.tzinfo is None or reference.utcoffset() is None:
        raise ValueError("reference must be a timezone-aware datetime")
    local_reference = reference.astimezone(zone)
    hints = _present_hints(text)
    if not hints:
        return []
    date_matchers = [
        (p, handler) for p, handler, needs in _DATE_MATCHERS if not hints.isdisjoint(needs)
    ]
    time_matchers = [
        (p, handler) for p, handler, needs in _TIME_MATCHERS if not hints.isdisjoint(needs)
    ]
    if not date_matchers and not time_matchers:
        return []
    ctx = _Context(text, local_reference, local_reference.date(), zone)
    date_candidates = [
        candidate
        for pattern, handler in date_matchers
        for candidate in _scan(pattern, handler, ctx)
    ]
    time_candidates = [
        candidate
        for pattern, handler in time_matchers
        for candidate in _scan(pattern, handler, ctx)
    ]
    if not date_candidates and not time_candidates:
        return []
    blocked = (
        [match.span() for match in _URL_RE.finditer(text)]
        if "://" in text or "www." in fold_case(text)  # every _URL_RE match holds one of them
        else []
    )
    dates = _merge_weekday_prefixes(text, _select(date_candidates, blocked, len(text)))
    times = _select(time_candidates, blocked + [d.span for d in dates], len(text))

    separate = _attach_times(ctx, dates, times)
    mentions = [_to_mention(ctx, candidate) for candidate in dates + separate]
    return sorted(mentions, key=lambda mention: mention.span)
