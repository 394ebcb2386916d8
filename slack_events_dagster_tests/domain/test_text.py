from slack_events_dagster.domain.text import has_broadcast_mention, normalize_text


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
