"""TitleBlock.similar must give exactly the pairs brute-force token_sort_ratio gives."""

import json
import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from slack_events_dagster.domain.similarity import TitleBlock, TitleShape, title_words
from slack_events_dagster.settings import PROJECT_ROOT

Pair = tuple[int, int]

# Few words, so shared words, reorderings and identical titles are frequent; some longer than the
# character caps, some outside a-z/0-9, some mixing word characters with rapidfuzz's edge cases.
WORDS = [
    "deploy", "api", "v2.14.0", "v2.14.1", "release", "payments-api", "freeze", "retro", "a",
    "ab", "ba", "abc", "e", "ee", "eeeeeeeeeeeeeeeeeeeeeeeeeeeee", "zzzzzzzz", "café", "straße",
    "日本", "ω", "x1", "🚀", "–", "#42", "\u0100",
]  # fmt: skip
# What str.split() splits on, what it does not, and what rapidfuzz treats differently (U+0085
# and U+00A0 only separate words in strings holding a character above U+00FF).
SEPARATORS = [
    " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680",
    "\u2003", "\u2028", "\u202f", "\u3000", "\u200b", "\u180e", "\ufeff", "-", "",
]  # fmt: skip
THRESHOLDS = [0.0, 0.3, 0.5, 0.6, 2 / 3, 0.7, 0.75, 0.7999999, 0.8, 0.8000001, 0.9, 0.95, 1.0]


@st.composite
def _vocabulary_title(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=7))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words) + 1))
    title = separators[0]
    for word, separator in zip(words, separators[1:], strict=False):
        title += word + separator
    return title


TITLES = st.one_of(
    _vocabulary_title(),
    st.text(st.sampled_from([*"abce é日", *(s for s in SEPARATORS if len(s) == 1)]), max_size=12),
    st.text(max_size=10),  # anything, surrogates and controls included
    st.builds(lambda w, n: " ".join([w] * n), st.sampled_from(WORDS), st.integers(1, 40)),
    st.builds(lambda c, n: c * n, st.sampled_from([*"eqé日 ", "\xa0", "ab"]), st.integers(0, 60)),
)


@st.composite
def _title_sets(draw: st.DrawFn) -> list[str]:
    titles = draw(st.lists(TITLES, min_size=1, max_size=10))
    return titles + draw(st.lists(st.sampled_from(titles), max_size=4))  # duplicates


@st.composite
def _searches(draw: st.DrawFn, size: int) -> tuple[list[int], int, int]:
    """rows (any positions, repeats allowed) and a column range [low, high), possibly empty."""
    rows = draw(
        st.one_of(
            st.just(list(range(size))),
            st.lists(st.integers(0, size - 1), max_size=size + 2),
        )
    )
    low, high = draw(st.integers(0, size)), draw(st.integers(0, size))
    if draw(st.booleans()):
        low, high = 0, size
    return rows, low, high


def _has_words(title: str) -> bool:
    """Whether rapidfuzz finds a word in the title (token_set_ratio scores a wordless title 0,
    even against itself; token_sort_ratio rates two wordless titles 100, and the block never
    returns them)."""
    return fuzz.token_set_ratio(title, title) > 0


def _brute_force(
    titles: Sequence[str], threshold: float, rows: Sequence[int], low: int, high: int
) -> list[Pair]:
    """Every pair scored (pairs with a wordless title, which score 0, left out)."""
    return sorted(
        (r, c)
        for r in rows
        for c in range(low, high)
        if _has_words(titles[r])
        and _has_words(titles[c])
        and fuzz.token_sort_ratio(titles[r], titles[c]) / 100.0 >= threshold
    )


def _similar(
    titles: Sequence[str], threshold: float, rows: Sequence[int], low: int, high: int
) -> list[Pair]:
    shapes = [TitleShape.of(title) for title in titles]
    return sorted(TitleBlock(shapes, threshold).similar(rows, low, high))


def _all_pairs(titles: Sequence[str], threshold: float) -> tuple[list[Pair], list[Pair]]:
    """(TitleBlock's pairs, brute force's pairs) over every row and column."""
    everything = list(range(len(titles)))
    return (
        _similar(titles, threshold, everything, 0, len(titles)),
        _brute_force(titles, threshold, everything, 0, len(titles)),
    )


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_similar_pairs_are_exactly_the_brute_force_pairs(data: st.DataObject) -> None:
    """The bound never rules out a pair that passes, whatever the titles, threshold, rows and
    columns."""
    titles = data.draw(_title_sets())
    threshold = data.draw(st.one_of(st.sampled_from(THRESHOLDS), st.floats(0, 1)))
    rows, low, high = data.draw(_searches(len(titles)))
    assert _similar(titles, threshold, rows, low, high) == _brute_force(
        titles, threshold, rows, low, high
    )


def _letters(alphabet: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.text(alphabet, min_size=1, max_size=9), min_size=1, max_size=4)


@st.composite
def _reordered_pairs(draw: st.DrawFn) -> list[str]:
    """Two titles sharing words in any order, plus a few words of their own from one alphabet:
    the score and the character bound are close, so the scorer decides."""
    shared = draw(_letters("abcdefghijkl"))
    first, second = draw(_letters("abcmnop")), draw(_letters("abcmnop0123"))
    pair = [" ".join(draw(st.permutations([*shared, *words]))) for words in (first, second)]
    return pair + draw(st.lists(TITLES, max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.one_of(_reordered_pairs(), _title_sets()), st.data())
def test_scores_landing_on_the_threshold_are_decided_as_brute_force_decides(
    titles: list[str], data: st.DataObject
) -> None:
    """The threshold set to a pair's own score, a float step either side or a hair below: the
    float margins must send such pairs to the scorer, and a score just above the threshold
    must pass."""
    position = st.integers(0, len(titles) - 1)
    i, j = data.draw(st.tuples(position, position) | st.just((0, min(1, len(titles) - 1))))
    score = fuzz.token_sort_ratio(titles[i], titles[j]) / 100.0
    threshold = data.draw(
        st.one_of(
            st.sampled_from([score, math.nextafter(score, 0.0), math.nextafter(score, 1.0)]),
            st.sampled_from([1e-12, 1e-9, 2e-9, 1e-6, 1e-4, 1e-3]).map(lambda d: score - d),
        )
    )
    threshold = min(max(threshold, 0.0), 1.0)
    found, expected = _all_pairs(titles, threshold)
    assert found == expected


def test_tokens_split_exactly_where_rapidfuzz_splits() -> None:
    """Every code point that str.split() or rapidfuzz treats as a separator, in strings stored
    one, two and four bytes a character (rapidfuzz keeps U+0085 and U+00A0 inside words in
    the narrow ones)."""
    wrong = []
    for marker in ("", "\u0100", "\U0001f680"):
        for code in range(0x3100):
            character = chr(code)
            if 0xD800 <= code <= 0xDFFF or character in "ab" or character in marker:
                continue
            title = f"a{character}b{marker}"
            splits = fuzz.token_sort_ratio(title, f"b{marker} a") == 100
            words = title_words(title)
            if words != (["a", f"b{marker}"] if splits else [title]):
                wrong.append((marker, hex(code), words))
    assert not wrong


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        # Narrow strings: rapidfuzz sees one word "zz\xa0aa", sorted after "mm" (87.5 against
        # "mm zz-aa"); str.split() would sort "aa mm zz" and miss the pair ...
        (["zz\xa0aa mm", "mm zz-aa"], [(0, 1)]),
        # ... and merge "mm\xa0aa" with "mm aa" (100), which rapidfuzz rates 40.
        (["mm\xa0aa", "mm aa"], []),
        # A title of one non-breaking space is one word to rapidfuzz, so it matches itself.
        (["\xa0", "\xa0", "\x85"], [(0, 1)]),
        # ... but with a character above U+00FF in the string, U+00A0 separates words.
        (["qa\xa0retro ω", "retro qa ω"], [(0, 1)]),
        (["retro\xa0qa", "qa retro"], []),
    ],
)
def test_non_breaking_spaces_are_words_where_rapidfuzz_says_so(
    titles: list[str], expected: list[Pair]
) -> None:
    """Regression: tokens came from str.split(), which always splits at U+0085 and U+00A0."""
    found, brute = _all_pairs(titles, 0.8)
    assert found == brute
    assert [(r, c) for r, c in found if r < c] == expected


@pytest.mark.parametrize(
    ("first", "second", "score"),
    [
        ("abcde", "abcdf", 0.8),  # exactly 0.8: one substitution in ten characters
        ("ab cd", "cd ab e", 5 / 6),  # reordered words, one extra
        ("deploy api", "api deploy", 1.0),  # word order does not count
        ("retro retro", "retro", 0.625),  # repeated words count
        ("e" * 50, "e" * 49 + "q", 0.98),  # more "e"s than the character caps count
        ("é" * 40 + " 日本", "é" * 40 + " 日", 1 - 1 / 85),  # overflowing the "other" bin
    ],
)
def test_scores_on_the_threshold_are_decided_by_the_score(
    first: str, second: str, score: float
) -> None:
    """Pairs whose score is the threshold, a float step either side or a hair below it (so
    that it passes) are decided by the score, not by a bound."""
    actual = fuzz.token_sort_ratio(first, second) / 100.0
    assert actual == pytest.approx(score)
    nearby = (math.nextafter(actual, 0.0), math.nextafter(actual, 2.0), actual - 1e-6)
    for threshold in (actual, score, *nearby, actual - 1e-4):
        found, expected = _all_pairs([first, second], min(threshold, 1.0))
        assert found == expected


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.8, 1.0])
def test_wordless_titles_are_never_similar(threshold: float) -> None:
    """Empty and whitespace-only titles score 0 (brute force passes them at threshold 0, the
    block never returns them)."""
    titles = ["", " ", "\t\n\u2003", "deploy api", "deploy api"]
    found, expected = _all_pairs(titles, threshold)
    assert found == expected
    assert all(r >= 3 and c >= 3 for r, c in found)


def test_no_rows_or_no_columns_find_nothing() -> None:
    """Empty row lists and empty or inverted column ranges."""
    titles = ["deploy api", "deploy api"]
    assert _similar(titles, 0.8, [], 0, 2) == []
    assert _similar(titles, 0.8, [0, 1], 1, 1) == []
    assert _similar(titles, 0.8, [0, 1], 2, 0) == []
    assert TitleBlock([], 0.8).similar([], 0, 0) == []


HAND_WRITTEN = [
    "release payments-api v2.14.0 on thursday",
    "payments-api v2.14.0 release thursday 14:00",
    "payments-api v2.14.1 release thursday",
    "deployed payments-api v2.13.3 to prod",
    "deployed payments-api v2.13.4 to prod",
    "code freeze starts next friday",
    "code\xa0freeze starts next friday",
    "code freeze starts friday – only pay-tagged blockers",
    "sprint 47 retro tomorrow at 15:00 utc",
    "sprint 47 retro at 15:00",
    "sprint 48 planning monday 10:00",
    "design review for the ledger v2 partitioning on monday at 10:00 utc",
    "ledger v2 partitioning design review",
    "checkout redesign planned for december 1st",
    "launch moved to december 3rd",
    "checkout redesign launch moved to december 3rd",
    "incident: webhooks-worker backlog growing",
    "incident resolved: webhooks-worker backlog",
    "fraud-rules service handover",
    "handing over the fraud-rules service",
    "",
    "   ",
    "🚀 release payments-api v2.14.0",
    "release\xa0payments-api\xa0v2.14.0",
]


def _export_titles() -> list[str]:
    """First lines of the sample export's messages, lower-cased, as titles might read."""
    lines: dict[str, None] = {}
    for path in sorted((PROJECT_ROOT / "sample_data" / "slack_export").glob("*/*.json")):
        for message in json.loads(path.read_text()):
            text = message.get("text", "").strip()
            if text:
                lines[text.splitlines()[0][:90].lower()] = None
    return list(lines)[:110]


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9, 1.0])
def test_realistic_titles(threshold: float) -> None:
    """Titles as events get them: the block and brute force agree, and there is something
    to agree on (below 1.0 some pairs of different titles pass, most pairs do not)."""
    titles = [*_export_titles(), *HAND_WRITTEN]
    assert len(titles) >= 100
    found, expected = _all_pairs(titles, threshold)
    assert found == expected
    different_titles = [(r, c) for r, c in found if r < c]
    assert len(found) < len(titles) ** 2 // 4
    assert different_titles if threshold < 1.0 else not different_titles


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(HAND_WRITTEN), min_size=1, max_size=40), st.data())
def test_realistic_titles_in_column_ranges(titles: list[str], data: st.DataObject) -> None:
    """Blocks of rows against column ranges, as MergeGraph searches a date window."""
    rows, low, high = data.draw(_searches(len(titles)))
    threshold = data.draw(st.sampled_from(THRESHOLDS))
    assert _similar(titles, threshold, rows, low, high) == _brute_force(
        titles, threshold, rows, low, high
    )
