"""A reviewer's check of event titles: would a person keep this title in a calendar unedited?

The criteria are a reviewer's, written down so the share is measured the same way every run
(issue #12, item 4), and independent of how `domain/rules.make_title` builds titles. A title is
kept unedited when none applies:

- too long: over 80 characters, or over 12 words (a calendar line, not a sentence);
- cut off: ends with "…";
- lead-in: starts with a greeting, a mention or a conversational opener ("Yes,", "FYI", "Hi",
  "@here", "So", "Reminder:");
- chat: speaks in the first or second person ("I", "we", "our", "you", "us"): a calendar names
  the thing, it does not talk;
- markup: holds a link, a Slack mention or an emoji code, or unbalanced brackets or quotes;
- punctuation: ends with ".", "!", "?", ":", "," or a dash (a sentence, or a cut clause);
- fragment: starts with the rest of a word or clause ("'s meetup", ", and the call");
- no subject: a generic name with nothing saying which ("Registration deadline", "Second office
  hour", "Meeting", "Release"), or only a date or time ("Tuesday Dec 1, 14:00 UTC").
"""

import re

MAX_CHARS = 80
MAX_WORDS = 12

_LEAD_IN = re.compile(
    r"^(?:@\w+|yes|yeah|yep|ok|okay|so|and|but|also|fyi|psa|hi|hello|hey|dear|thanks|thank you"
    r"|reminder|heads[- ]up|update|note|btw|re|cool|great|well|just|hmm|oh)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"\b(?:I|I'm|I'll|I've|I'd|me|my|we|we're|we'll|we've|our|us|you|you're|you'll|your)\b",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"https?://|www\.|<[@#!]|<https?|(?<!\w)@\w|:[a-z0-9_+\-]+:", re.IGNORECASE)
_GENERIC = re.compile(
    r"^(?:(?:the|a|an|next|new|first|second|third|final|last|online|in-person|monthly|weekly"
    r"|registration|application|submission|early bird|abstract|proposal)\s+)*"
    r"(?:deadline|meeting|event|session|call|release|launch|deploy|update|reminder|meetup"
    r"|office hours?|webinar|workshop|talk|sync|registration)$",
    re.IGNORECASE,
)
# Words of a date or time: a zone code, a month or weekday name, am/pm.
_DATE_WORD = re.compile(
    r"[A-Z]{2,5}|(?i:am|pm|st|nd|rd|th|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may"
    r"|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)"
)
_FRAGMENT = re.compile(r"^(?:['\u2019]s\b|[,;)\]]|\.(?=\s))")  # not ".NET 10 release"
_PAIRS = (("(", ")"), ("[", "]"), ("\u201c", "\u201d"))


def title_problems(title: str) -> tuple[str, ...]:
    """What a reviewer would edit in `title` (the criteria above); () when kept as it is."""
    text = title.strip()
    problems = []
    if len(text) > MAX_CHARS or len(text.split()) > MAX_WORDS:
        problems.append("too long")
    if text.endswith("…"):
        problems.append("cut off")
    if _LEAD_IN.match(text):
        problems.append("lead-in")
    if _PERSON.search(text):
        problems.append("chat")
    unbalanced = any(text.count(a) != text.count(b) for a, b in _PAIRS) or text.count('"') % 2
    if _MARKUP.search(text) or unbalanced:
        problems.append("markup")
    if text.endswith((".", "!", "?", ":", ",", "-", "–", "—")):
        problems.append("punctuation")
    if _FRAGMENT.match(text):
        problems.append("fragment")
    named = [word for word in re.findall(r"[A-Za-z]+", text) if not _DATE_WORD.fullmatch(word)]
    if _GENERIC.match(text.rstrip(".!?:")) or not named:
        problems.append("no subject")
    return tuple(problems)
