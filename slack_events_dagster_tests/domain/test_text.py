import re

import pytest

from slack_events_dagster.domain.text import fold_case, has_broadcast_mention, normalize_text


def test_resolves_slack_markup_to_readable_text() -> None:
    raw = (
        "Heads up <!here>: <@U1> moved <#C9|releases> notes to "
        "<https://example.com/notes?utm_source=x|the notes> &amp; "
        "<https://example.com/raw> :rocket:"
    )
    assert normalize_text(raw, {"U1": "maria"}) == (
        "Heads up @here: @maria moved #releases notes to the notes & https://example.com/raw"
    )


def test_unknown_user_and_unlabelled_channel_fall_back_to_ids_or_known_names() -> None:
    assert normalize_text("<@U2> in <#C7>", channel_names={"C7": "ops"}) == "@U2 in #ops"
    assert normalize_text("<@U2|bob> said") == "@bob said"


def test_emphasis_markers_and_whitespace_are_removed() -> None:
    raw = "Release *payments-api v2.14.0*  is _scheduled_\n\n\n~old~ note"
    assert normalize_text(raw) == "Release payments-api v2.14.0 is scheduled\nold note"


def test_snake_case_and_math_are_not_mistaken_for_emphasis() -> None:
    assert normalize_text("set max_retry_count to 2*3") == "set max_retry_count to 2*3"


def test_broadcast_mentions() -> None:
    assert has_broadcast_mention("<!channel> deploy at 5")
    assert has_broadcast_mention("<!here|here> hi")
    assert not has_broadcast_mention("here we go @channel")


# Every code point, lone surrogates included: the fold must agree with re on all of Unicode.
ALL_CHARACTERS = "".join(map(chr, range(0x110000)))


def _positions(pattern: str, text: str) -> str:
    """Where `pattern` matches a single character of `text`, as a 0/1 mask string."""
    return re.sub("[^\x00]", "1", re.sub(pattern, "\x00", text))


def test_fold_case_folds_exactly_what_ignorecase_matches_to_an_ascii_letter() -> None:
    folded = fold_case(ALL_CHARACTERS)
    assert len(folded) == len(ALL_CHARACTERS)
    matching = set(re.findall("[a-z]", ALL_CHARACTERS, re.IGNORECASE))
    assert {
        c for c, f in zip(ALL_CHARACTERS, folded, strict=True) if f.isascii() and f.isalpha()
    } == matching
    for char in matching:
        assert re.fullmatch(fold_case(char), char, re.IGNORECASE), repr(char)
    assert {c for c in matching if not c.isascii()} == {"\u0130", "\u0131", "\u017f", "\u212a"}


@pytest.mark.parametrize("character_class", [r"\w", r"\d", r"\s", "\n"])
def test_fold_case_keeps_word_characters_digits_and_spaces(character_class: str) -> None:
    folded = fold_case(ALL_CHARACTERS)
    assert _positions(character_class, folded) == _positions(character_class, ALL_CHARACTERS)


def test_fold_case_lower_cases_and_keeps_positions() -> None:
    assert fold_case("Release GA → Prod") == "release ga → prod"
    assert (
        fold_case("Frıday İNCIDENT ſhip \u212aick-off Élan") == "friday incident ship kick-off élan"
    )
    assert fold_case("ΟΔΟΣ Σ") == "οδος σ"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The emoji and emphasis checks look at the text after entities are unescaped.
        ("go &#58;rocket&#58; now", "go now"),
        ("a &#42;bold&#42; move", "a bold move"),
        # Tabs, no-break spaces and runs of spaces collapse; single spaces stay.
        ("a\tb\u00a0c  d ", "a b c d"),
        ("one\r\n\r\n\r\ntwo\u2028three", "one\ntwo\nthree"),
        ("no markup: 10:30-11:00, 3*4, snake_case", "no markup: 10:30-11:00, 3*4, snake_case"),
        ("<@U1> and <@U1|x> and <#C1>", "@maria and @x and #general"),
    ],
)
def test_normalize_text_fast_paths_keep_the_result(raw: str, expected: str) -> None:
    assert normalize_text(raw, {"U1": "maria"}, {"C1": "general"}) == expected
