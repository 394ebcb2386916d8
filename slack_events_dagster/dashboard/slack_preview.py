"""Stored Slack Block Kit blocks as Markdown, to show a digest as it was posted."""

import re
from typing import Any

from slack_events_dagster.domain.digest import CATEGORY_EMOJI, CATEGORY_UNICODE

SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
SLACK_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
# The digest's category emoji (domain/digest.py), as the characters Slack shows for them.
EMOJI = {CATEGORY_EMOJI[category]: CATEGORY_UNICODE[category] for category in CATEGORY_EMOJI}


def mrkdwn_to_markdown(text: str) -> str:
    """Slack mrkdwn (<url|label>, *bold*, :emoji:) in Markdown."""
    text = SLACK_LINK.sub(r"[\2](\1)", text)
    text = SLACK_BOLD.sub(r"**\1**", text)
    for code, character in EMOJI.items():
        text = text.replace(code, character)
    return text


def blocks_to_markdown(blocks: list[dict[str, Any]]) -> str:
    """Header, context, divider and section blocks, in order, as Markdown paragraphs."""
    parts = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            parts.append(f"#### {block['text']['text']}")
        elif kind == "context":
            parts.append(" ".join(f"_{e.get('text', '')}_" for e in block.get("elements", [])))
        elif kind == "divider":
            parts.append("---")
        elif kind == "section" and "text" in block:
            parts.append(mrkdwn_to_markdown(block["text"]["text"]).replace("\n", "  \n"))
    return "\n\n".join(parts) + "\n"
