"""Cutting a rendered digest into messages within Slack's limits (50 blocks, 3,000 characters)."""

from typing import Any

import pytest

from slack_events_dagster.domain.slack_messages import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_SECTION_TEXT,
    split_digest_blocks,
    split_text,
)

HEADER = {"type": "header", "text": {"type": "plain_text", "text": "Upcoming events"}}
CONTEXT = {"type": "context", "elements": [{"type": "mrkdwn", "text": "3 events"}]}
DIVIDER = {"type": "divider"}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _digest(events: int) -> list[dict[str, Any]]:
    return [HEADER, CONTEXT, DIVIDER] + [_section(f"event {n}") for n in range(events)]


def _sections(messages: list[list[dict[str, Any]]]) -> list[str]:
    return [b["text"]["text"] for m in messages for b in m if b["type"] == "section"]


def _assert_within_limits(messages: list[list[dict[str, Any]]]) -> None:
    for message in messages:
        assert len(message) <= MAX_BLOCKS_PER_MESSAGE
        for block in message:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_TEXT


def test_a_short_digest_is_one_message_unchanged() -> None:
    blocks = _digest(3)
    assert split_digest_blocks(blocks) == [blocks]


def test_exactly_50_blocks_is_one_message() -> None:
    blocks = _digest(47)
    assert len(blocks) == 50
    assert split_digest_blocks(blocks) == [blocks]


def test_51_blocks_become_two_messages_the_second_saying_it_continues() -> None:
    blocks = _digest(48)
    first, second = split_digest_blocks(blocks)
    assert first == blocks[:50]
    assert second[0]["type"] == "context"
    assert "continued (2/2)" in second[0]["elements"][0]["text"]
    assert second[1:] == blocks[50:]


def test_a_long_digest_keeps_every_event_in_order_within_the_limits() -> None:
    blocks = _digest(200)
    messages = split_digest_blocks(blocks)
    _assert_within_limits(messages)
    assert len(messages) == 5  # 50 + 4 x 49 continuation-led messages hold 203 blocks
    assert _sections(messages) == [f"event {n}" for n in range(200)]
    assert messages[0][0] == HEADER
    assert [m[0]["elements"][0]["text"] for m in messages[1:]] == [
        f"_Upcoming events, continued ({n}/5)_" for n in range(2, 6)
    ]


def test_one_event_line_over_3000_characters_becomes_consecutive_sections() -> None:
    link = "<https://acme.slack.com/archives/C1/p1|#releases>"
    title = " ".join(["word"] * 1400)  # 6,999 characters, no line break
    line = f":rocket: *Thu 26 Nov*\n{title}\n{link}"
    (message,) = split_digest_blocks([HEADER, CONTEXT, DIVIDER, _section(line)])
    _assert_within_limits([message])
    pieces = [b["text"]["text"] for b in message[3:]]
    assert len(pieces) == 4
    assert all(b["type"] == "section" for b in message[3:])
    assert " ".join(pieces).split() == line.split()  # nothing lost, cut between words
    assert pieces[-1].endswith(link)


def test_a_cut_never_falls_inside_a_link() -> None:
    link = "<https://acme.slack.com/archives/C1/p1795|the release notes of this week>"
    text = "x" * 2950 + " " + link  # the link's own spaces are within reach, its end is not
    assert text.index(" release") < MAX_SECTION_TEXT < len(text)
    first, second = split_text(text)
    assert first == "x" * 2950
    assert second == link


def test_text_without_spaces_is_cut_hard() -> None:
    pieces = split_text("y" * 7000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_an_event_cut_in_pieces_moves_whole_into_the_next_message() -> None:
    long_line = "\n".join(["z" * 2000] * 3)  # three pieces
    blocks = [*_digest(46), _section(long_line)]  # 49 blocks before the long line
    first, second = split_digest_blocks(blocks)
    assert len(first) == 49
    assert [b["text"]["text"] for b in second[1:]] == ["z" * 2000] * 3
    _assert_within_limits([first, second])


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_blocks"):
        split_digest_blocks(_digest(1), max_blocks=1)
    with pytest.raises(ValueError, match="limit"):
        split_text("abc", 0)
