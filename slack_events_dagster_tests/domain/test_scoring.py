import pytest

from slack_events_dagster.domain.scoring import MessageSignals, ScoreWeights, score_message


def _signals(**overrides: object) -> MessageSignals:
    base = dict(
        text="lunch anyone?",
        date_mentions=0,
        broadcast_mention=False,
        reply_count=0,
        reaction_count=0,
        anchor_count=0,
        link_count=0,
        attachment_count=0,
        is_bot=False,
        trusted_bot=False,
    )
    return MessageSignals(**{**base, **overrides})


def test_chit_chat_scores_nothing_and_very_short_messages_lose_points() -> None:
    assert score_message(_signals(text="see you all at lunch today"), ScoreWeights()) == (0.0, {})
    assert score_message(_signals(text="ok, thanks!"), ScoreWeights()) == (
        -5.0,
        {"too_short": -5.0},
    )


def test_every_feature_contributes_and_is_explained() -> None:
    score, features = score_message(
        _signals(
            text="Release v2 is scheduled",
            date_mentions=1,
            broadcast_mention=True,
            reply_count=3,
            reaction_count=2,
            anchor_count=5,
            link_count=4,
            attachment_count=1,
        ),
        ScoreWeights(),
    )
    assert features == {
        "keyword:release,scheduled": 10.0,
        "date": 6.0,
        "broadcast_mention": 8.0,
        "replies": 5.0,
        "reactions": 3.0,
        "anchors": 12.0,  # capped
        "links": 6.0,  # capped
        "attachments": 3.0,
    }
    assert score == 53.0


def test_untrusted_bots_are_penalised_trusted_ones_are_not() -> None:
    bot = _signals(text="Deployed api v2 to prod", is_bot=True)
    assert score_message(bot, ScoreWeights())[0] == -9.0
    trusted = _signals(text="Deployed api v2 to prod", is_bot=True, trusted_bot=True)
    assert score_message(trusted, ScoreWeights())[0] == 10.0


def test_channel_keyword_weights_override_and_extend() -> None:
    weights = ScoreWeights(keyword_weights={"deploy": 20.0, "payroll": 7.0})
    score, features = score_message(_signals(text="payroll deploy tonight"), weights)
    assert features == {"keyword:deploy": 20.0, "custom_keyword:payroll": 7.0}
    assert score == 27.0


def test_something_starting_now_scores_like_an_event_word() -> None:
    """ "Cohort 1 starting now! <call link>" names no event word but is one under way."""
    for text in ("Cohort 1 starting now! https://zoom.us/j/1", "Group B starting in 5-10 minutes"):
        score, features = score_message(_signals(text=text), ScoreWeights())
        assert features["starting_now"] == 10.0 and score >= 10.0, (text, features)
    assert (
        "starting_now"
        not in score_message(_signals(text="Is the call starting now?"), ScoreWeights())[1]
    )


@pytest.mark.parametrize(
    "text",
    [
        "Okay I have enabled discussions and created a section per language",
        "Catalan has just been added to the translation server",
        "the rebase is now complete, thanks for waiting",
        "We are back! Sorry for the long delay",
        "We\u2019ve switched the default branch to main",
        "Just committed, thanks everyone!",
    ],
)
def test_a_change_told_as_just_done_counts_towards_a_candidate(text: str) -> None:
    """News of a change to something shared has no event word; it earns points, not a
    candidate on its own (a link or reactions beside it make one at the default threshold)."""
    score, features = score_message(_signals(text=text), ScoreWeights())
    assert features.get("done_now") == 4.0 and score == 4.0, features


@pytest.mark.parametrize(
    "text",
    [
        "I have a question about the update",
        "have you enabled the flag?",
        "it is complete nonsense",
        "we will be back tomorrow",
    ],
)
def test_talk_about_a_change_is_not_told_as_done(text: str) -> None:
    assert "done_now" not in score_message(_signals(text=text), ScoreWeights())[1]


def test_a_short_message_with_an_event_word_is_not_too_short() -> None:
    """ "Tagged!" announces a release in seven characters; "ok, thanks!" announces nothing."""
    score, features = score_message(_signals(text="Tagged! :tada:"), ScoreWeights())
    assert "too_short" not in features and score >= 10.0


def test_a_reply_that_takes_up_a_reported_outage_scores_like_an_event_word() -> None:
    """ "thanks for reporting, we're looking into it" under "the docs site seems down"."""
    reply = "thanks for reporting this, we're looking into it"
    score, features = score_message(
        _signals(text=reply, thread_parent="the docs site seems down, 502 everywhere"),
        ScoreWeights(),
    )
    assert features.get("incident_ack") == 10.0 and score >= 10.0
    for parent, text in (
        # a help request's own trouble reports no outage
        ("my sync is stuck at 45%, any ideas?", reply),
        # a question takes nothing up
        ("the docs site seems down", "are you looking into it?"),
        # no thread
        ("", reply),
    ):
        features = score_message(_signals(text=text, thread_parent=parent), ScoreWeights())[1]
        assert "incident_ack" not in features, (parent, text)
