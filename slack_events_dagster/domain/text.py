"""Slack mrkdwn to plain text a person (and a rules extractor) can read."""

import html
import re
from collections.abc import Mapping

SLACK_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
USER_REF = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
CHANNEL_REF = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL_REF = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
SUBTEAM_REF = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
DATE_REF = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
# An emoji code has a letter in its name and is not part of a time like 02:00-04:00.
EMOJI = re.compile(r"(?<![\w:]):[a-z0-9_+\-']*[a-z][a-z0-9_+\-']*:(?!\w)")
EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")
SPACES = re.compile(r"[ \t\u00a0]+")
BLANK_LINES = re.compile(r"\n\s*\n+")


def normalize_text(
    text: str,
    mentions: Mapping[str, str] | None = None,
    channel_names: Mapping[str, str] | None = None,
) -> str:
    """Resolve Slack markup (<@U1>, <#C1|name>, <url|label>, <!here>), drop emoji codes and
    emphasis markers, unescape entities, collapse whitespace. Links keep their label, or the URL."""
    mentions = mentions or {}
    channel_names = channel_names or {}
    text = DATE_REF.sub(lambda m: m.group(1), text)
    text = USER_REF.sub(lambda m: "@" + (m.group(2) or mentions.get(m.group(1), m.group(1))), text)
    text = CHANNEL_REF.sub(
        lambda m: "#" + (m.group(2) or channel_names.get(m.group(1), m.group(1))), text
    )
    text = SPECIAL_REF.sub(lambda m: "@" + m.group(1), text)
    text = SUBTEAM_REF.sub(lambda m: m.group(1) or "@team", text)
    text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    text = EMOJI.sub(" ", text)
    text = EMPHASIS.sub(lambda m: m.group(2), text)
    lines = [SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def has_broadcast_mention(text: str) -> bool:
    """`@channel`, `@here` or `@everyone` in raw Slack text."""
    return SPECIAL_REF.search(text) is not None
