"""A rendered digest cut into Slack messages that Slack accepts.

chat.postMessage refuses a message of more than 50 blocks, and a section whose text is longer than
3,000 characters (`invalid_blocks`). `split_digest_blocks` turns any list of digest blocks (as
`render_blocks` writes them, also stored ones) into messages within both limits: over-long section
texts become consecutive sections, cut at a line break, else at a space, never inside a
`<url|label>` link; then the blocks are spread over messages of at most 50, each after the first
opening with a context line that says which part it is.
"""

import re
from typing import Any

MAX_BLOCKS_PER_MESSAGE = 50
MAX_SECTION_TEXT = 3000

Block = dict[str, Any]
_LINK = re.compile(r"<[^<>\s]*\|[^<>]*>|<[^<>\s]+>")


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut after the last line break in reach,
    else the last space, never inside a Slack link (a link longer than `limit` is cut hard)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1 (got {limit})")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip(" \n"))
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return [piece for piece in pieces if piece] or [""]


def _cut_point(text: str, limit: int) -> int:
    """Where to cut `text` (at most `limit` characters kept): a line break, else a space,
    outside links; `limit` itself when neither is there."""
    links = []
    for match in _LINK.finditer(text):
        if match.start() >= limit:
            break
        links.append(match.span())

    def outside_links(position: int) -> bool:
        return not any(start < position < end for start, end in links)

    for separator in ("\n", " "):
        position = text.rfind(separator, 1, limit + 1)
        while position > 0:
            if outside_links(position):
                return position + 1 if separator == " " else position
            position = text.rfind(separator, 1, position)
    inside = [start for start, end in links if start < limit < end and start > 0]
    return inside[0] if inside else limit


def _fitting_units(blocks: list[Block], limit: int) -> list[list[Block]]:
    """Each block as a unit: itself, or a section with a longer text than `limit` as several
    sections of the same kind."""
    units: list[list[Block]] = []
    for block in blocks:
        text = block.get("text") if block.get("type") == "section" else None
        if not isinstance(text, dict) or len(text.get("text", "")) <= limit:
            units.append([block])
            continue
        units.append(
            [
                {**block, "text": {**text, "text": piece}}
                for piece in split_text(text["text"], limit)
            ]
        )
    return units


def continuation_block(part: int, parts: int) -> Block:
    """The context line that opens every message after the first."""
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"_Upcoming events, continued ({part}/{parts})_"}],
    }


def split_digest_blocks(
    blocks: list[Block],
    max_blocks: int = MAX_BLOCKS_PER_MESSAGE,
    max_text: int = MAX_SECTION_TEXT,
) -> list[list[Block]]:
    """The digest's blocks as one or more messages Slack accepts: each of at most `max_blocks`
    blocks (the continuation line included) with no section text over `max_text`. The first
    message keeps the header; the others start with `continuation_block`. The blocks of one
    event that had to be cut stay together when they fit in one message."""
    if max_blocks < 2:
        raise ValueError(f"max_blocks must be at least 2 (got {max_blocks})")
    units = _fitting_units(blocks, max_text)
    if sum(len(unit) for unit in units) <= max_blocks:
        return [[block for unit in units for block in unit]]
    messages: list[list[Block]] = [[]]
    for unit in units:
        room = max_blocks - len(messages[-1]) - (len(messages) > 1)  # the continuation line
        if len(unit) > room and messages[-1] and len(unit) <= max_blocks - 1:
            messages.append([])  # the event's pieces together in the next message
        for block in unit:
            if len(messages[-1]) + (len(messages) > 1) >= max_blocks:
                messages.append([])
            messages[-1].append(block)
    parts = len(messages)
    return [messages[0]] + [
        [continuation_block(number, parts), *message]
        for number, message in enumerate(messages[1:], start=2)
    ]
