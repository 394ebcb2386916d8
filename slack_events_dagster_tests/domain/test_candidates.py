"""Which raw messages become candidates: the score a message gets from its row."""

from slack_events_dagster.domain.candidates import candidate_row
from slack_events_dagster.domain.messages import MessageFilter, SlackChannel, message_row
from slack_events_dagster.domain.scoring import ChannelPolicy, ScoreWeights

CHANNEL = SlackChannel("C1", "translation")
POLICY = ChannelPolicy("UTC", 10.0, ScoreWeights(), frozenset())


def _candidate(user: str, text: str) -> dict | None:
    message = {"type": "message", "user": user, "bot_id": "B01", "ts": "1803978000.000100"}
    row, _ = message_row(CHANNEL, message | {"text": text}, {}, MessageFilter())
    assert row is not None and row["is_bot"]
    return candidate_row(row, POLICY, {})


def test_a_slack_reminder_is_a_persons_message_not_a_bots() -> None:
    reminder = _candidate("USLACKBOT", "Reminder: It is time to generate the quarterly patch file.")
    assert reminder is not None
    assert "bot" not in reminder["features"]
    assert reminder["features"]["slack_reminder"] == ScoreWeights().slack_reminder


def test_other_bot_posts_are_still_scored_down() -> None:
    # Slackbot saying something else, and another bot posting "Reminder:"
    assert _candidate("USLACKBOT", "Reminder: It is time to rotate the on-call sheet.") is not None
    assert _candidate("USLACKBOT", "It is time to rotate the on-call sheet. Reminder:") is None
    assert _candidate("UJIRABOT", "Reminder: It is time to rotate the on-call sheet.") is None


def _reply(text: str, parent: str) -> dict | None:
    """A person's thread reply in a channel whose name says nothing of events."""
    message = {"type": "message", "user": "U1", "ts": "1803978000.000200", "text": text}
    message["thread_ts"] = "1803970000.000100"
    row, _ = message_row(SlackChannel("C2", "general"), message, {}, MessageFilter())
    assert row is not None and row["is_thread_reply"]
    return candidate_row(row, POLICY, {}, parent)


def test_a_reply_that_only_dates_its_parents_event_is_a_candidate_in_any_channel() -> None:
    # The shortcut that skips date parsing must count the parent's event word a date unlocks:
    # it once left out every such reply outside channels named for events.
    reply = _reply("Confirmed: December 15.", "The ledger 5.0 release is coming, date TBC")
    assert reply is not None
    assert reply["features"] == {"date": 6.0, "parent_keyword": 10.0}
    assert _reply("Confirmed: thanks a lot.", "The ledger 5.0 release is coming") is None
    assert _reply("Confirmed: December 15.", "Which ledger version do you run?") is None
