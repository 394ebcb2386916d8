"""Slack mrkdwn to plain text a person (and a rules extractor) can read."""

import bisect
import html
import re
from collections.abc import Mapping

# Slack escapes "<" and ">" in message text (&lt; &gt;), so markup never holds a "<": stopping
# each pattern at the next "<" keeps a scan from running to the end of the text for every "<"
# that opens nothing ("<https://a<https://a…" was quadratic).
SLACK_LINK = re.compile(r"<((?:https?|mailto):[^<>|]+)(?:\|([^<>]*))?>")
USER_REF = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")
CHANNEL_REF = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^<>]*))?>")
SPECIAL_REF = re.compile(r"<!(here|channel|everyone)(?:\|[^<>]*)?>")
SUBTEAM_REF = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^<>]*))?>")
DATE_REF = re.compile(r"<!date\^\d+\^[^<|>]*\|([^<>]*)>")
# An emoji code has a letter in its name and is not part of a time like 02:00-04:00. Its name is
# the whole run of name characters up to the closing ":" (":" is not one of them), so the run is
# taken possessively after a lookahead for its first letter: one pass, no backtracking.
EMOJI = re.compile(r"(?<![\w:]):(?=[0-9_+\-']*[a-z])[a-z0-9_+\-']*+:(?!\w)")
# Emphasis: an opening marker (not after a word character or a marker, before a non-space) and
# the first closing one on its line (after a non-space, not before a word character or a marker).
EMPHASIS_OPEN = re.compile(r"(?<![\w*_~])[*_~](?=\S)")
EMPHASIS_CLOSE = re.compile(r"(?<=\S)[*_~](?![\w*_~])")
SPACES = re.compile(r"[ \t\u00a0]+")
BLANK_LINES = re.compile(r"\n\s*\n+")


def fold_case(text: str) -> str:
    r"""`text` lower-cased for cheap case-insensitive pre-checks, keeping its length.

    Every character re.IGNORECASE matches to an ASCII letter becomes that lower-case letter, no
    other character becomes an ASCII letter, and word characters, digits and spaces stay what they
    are (test_text.py checks all of Unicode). So a pattern of lower-case ASCII letters, other
    uncased characters, classes, \b, \d, \s and "." (no negated classes, upper-case escapes or
    lookarounds) searched case-sensitively in the fold matches wherever it matches `text`
    case-insensitively. str.lower() does all that but for three letters re.IGNORECASE also takes
    for "i" or "s": dotted capital I (which lower() turns into two characters), dotless i, long s.
    """
    if text.isascii():
        return text.lower()
    return text.replace("\u0130", "i").lower().replace("\u0131", "i").replace("\u017f", "s")


def normalize_text(
    text: str,
    mentions: Mapping[str, str] | None = None,
    channel_names: Mapping[str, str] | None = None,
) -> str:
    """Resolve Slack markup (<@U1>, <#C1|name>, <url|label>, <!here>), drop emoji codes and
    emphasis markers, unescape entities, collapse whitespace. Links keep their label, or the URL."""
    mentions = mentions or {}
    channel_names = channel_names or {}
    # Every markup pattern starts with "<": without one, each substitution below is a no-op.
    if "<" in text:
        text = DATE_REF.sub(lambda m: m.group(1), text)
        text = USER_REF.sub(
            lambda m: "@" + (m.group(2) or mentions.get(m.group(1), m.group(1))), text
        )
        text = CHANNEL_REF.sub(
            lambda m: "#" + (m.group(2) or channel_names.get(m.group(1), m.group(1))), text
        )
        text = SPECIAL_REF.sub(lambda m: "@" + m.group(1), text)
        text = SUBTEAM_REF.sub(lambda m: m.group(1) or "@team", text)
        text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    # The emoji pattern needs a ":", emphasis one of its markers: skip scans that cannot match.
    if ":" in text:
        text = EMOJI.sub(" ", text)
    if "*" in text or "_" in text or "~" in text:
        text = strip_emphasis(text)
    # Only a run of two spaces, a tab or a no-break space changes; single spaces are kept as is.
    if "  " in text or "\t" in text or "\u00a0" in text:
        lines = [SPACES.sub(" ", line).strip() for line in text.splitlines()]
    else:
        lines = [line.strip() for line in text.splitlines()]
    return BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def strip_emphasis(text: str) -> str:
    r"""`text` without the markers of *bold*, _italic_ and ~strike~ spans, in linear time.

    What re.sub of `(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])` gives, without its
    quadratic scan (every opener that closes nothing read the rest of its line): openers are
    taken left to right, each pairs with the first closer of the same marker at least two
    characters on and on the same line, and a pair's inside is not searched again.
    """
    closers: dict[str, list[int]] = {"*": [], "_": [], "~": []}
    for match in EMPHASIS_CLOSE.finditer(text):
        closers[text[match.start()]].append(match.start())
    if not any(closers.values()):
        return text
    pieces: list[str] = []
    done = 0  # text[:done] is handled
    line_end = -1  # the end of the line of the last opener looked at
    for match in EMPHASIS_OPEN.finditer(text):
        start = match.start()
        if start < done:
            continue  # inside a pair already taken
        if start > line_end:
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
        marker_closers = closers[text[start]]
        index = bisect.bisect_left(marker_closers, start + 2)
        if index == len(marker_closers) or marker_closers[index] > line_end:
            continue
        end = marker_closers[index]
        pieces.append(text[done:start])
        pieces.append(text[start + 1 : end])
        done = end + 1
    pieces.append(text[done:])
    return "".join(pieces)


def has_broadcast_mention(text: str) -> bool:
    """`@channel`, `@here` or `@everyone` in raw Slack text."""
    return SPECIAL_REF.search(text) is not None


CODE_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
# Lines of a log or a stack trace pasted without a fence: a timestamp or a level first, a frame,
# a JSON object, a shell prompt. The leading blanks stop at a line's end: a run of empty lines
# is not read again from each of its starts.
LOG_LINE = re.compile(
    r"^[^\S\n]*(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL)\b"
    r"|at [\w.$<>]+\(|Traceback |File \"|Caused by:|[{\[]\"|\$ |>>> "
    r"|\w+(?:\.\w+)+(?:Error|Exception)\b)",
    re.MULTILINE,
)


# What a pasted error holds: a traceback, a named error or exception ("ModuleNotFoundError: …",
# "java.lang.NullPointerException"), a panic; not an "ERROR" level an announcement may show.
_ERROR_WORDS = re.compile(r"Traceback|\w(?:Error|Exception)\b|panic:|\n\s+at [\w.$]+\(")


def pastes_an_error(text: str) -> bool:
    """Whether `text` pastes an error: a code block or log lines holding an error or a trace (a
    message debugging something, not announcing it)."""
    pasted = [block.group() for block in CODE_FENCE.finditer(text)] if "```" in text else []
    if LOG_LINE.search(text) is not None:
        pasted.extend(line for line in text.split("\n") if LOG_LINE.match(line))
    return any(_ERROR_WORDS.search(piece) for piece in pasted)


def strip_code(text: str) -> str:
    """`text` without fenced code blocks and pasted log, trace or JSON lines: code announces
    nothing, whatever words ("release", "failed", "2026-08-09T09:34") it holds."""
    if "```" in text:
        text = CODE_FENCE.sub("\n", text)
    if LOG_LINE.search(text) is None:
        return text
    return "\n".join(line for line in text.split("\n") if not LOG_LINE.match(line))
