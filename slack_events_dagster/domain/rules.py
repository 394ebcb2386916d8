"""The deterministic rules extractor: sentences with an event keyword become events (0..5)."""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.dates import DateMention, find_dates
from slack_events_dagster.domain.text import fold_case, pastes_an_error, strip_code
from slack_events_dagster.domain.vocabulary import (
    AVAILABLE_NOW,
    EVENT_KEYWORDS,
    HELP_STATE,
    MADE_THINGS,
    ON_A_REGISTRY,
    REGISTRIES,
    SELF_INTRODUCTION,
    SLACK_REMINDER,
    STARTING_NOW,
    UNDATED_ANNOUNCEMENT,
    VERSION_OUT,
    VERSION_PUBLISHED,
    WRITERS_JOB,
    EventKeyword,
    acknowledges_an_outage,
    detect_status,
    find_keywords,
    is_event_page,
    is_help_talk,
    outage_keyword,
)

MAX_TITLE_CHARS = 80  # what fits on a calendar line
MAX_SUMMARY_CHARS = 320
MAX_LINKS = 3
# A thread reply with more date phrases than this gives more than the date of its parent's event
# (and taking each phrase out of the text costs a pass over it).
MAX_REPLY_DATES = 32
# Sentences read per message: an announcement states its events near the top, and a message of
# thousands of dated lines (a pasted log or calendar dump) costs ~70 us per line.
MAX_SENTENCES = 500
# Sentences read for the name of an event whose own sentence only calls to action.
MAX_NAMING_SENTENCES = 20
# Line breaks, bullets and sentence ends. A bullet's leading blanks are taken from the start of
# their run (or after a line break) only: retrying "\s*•" inside a long run of blanks was
# quadratic, and the pieces, stripped, are the same.
LEADING_ARTICLE = re.compile(r"^the\s+(?=[a-z])", re.IGNORECASE)
# "12 p.m. (noon) EST" is one phrase: no break after "a.m." or "p.m.". A lower-case sentence
# ("just hit pypi. big breaking changes") starts after a word of three letters or more that is
# no abbreviation ("e.g. foo", "etc. and", "approx. 5", "v1.2. next" run on).
SENTENCE_BREAK = re.compile(
    r"\n+|•\s*|(?<![^\S\n])[^\S\n]+•\s*|(?<=[.!?])(?<![ap]\.m\.)\s+(?=[A-Z@#(\"'])"
    r"|(?<=[a-z\d]{3}[.!?])(?<![^a-z]etc\.)(?<!prox\.)(?<!incl\.)\s+(?=[a-z])"
    # a question ends its sentence whatever follows: "now? `cargo search` still shows 0.10.0"
    r"|(?<=\w\?)[^\S\n]+(?=[`<\[(*_~])"
)
# Inside one sentence, the places where a list of dated items splits ("X on Dec 7, Y on Dec 10").
# A blank run is tried from its start only (a match never starts inside one): linear.
CLAUSE_BREAK = re.compile(r",\s+|;\s+|(?<!\s)\s+(?:and|then|while)\s+")
# An environment's name, not a hostname's label ("themes.quillsite.dev", "dev.example.org").
STAGING_ONLY = re.compile(r"(?<![\w./])(?:staging|sandbox|dev|qa)\b(?!\.\w|/)", re.IGNORECASE)
PRODUCTION = re.compile(r"\bprod(?:uction)?\b", re.IGNORECASE)
# Capitalised words that are not part of a display name: they start a sentence ("@Ana We're
# live") or name an event ("@Ana Session 5 is today").
_NOT_A_NAME = (
    r"(?:I|I'm|I'll|I've|We|We're|We'll|We've|You|They|It|It's|The|This|That|Thanks|Thank"
    r"|Reminder|Hi|Hello|Hey|Please|FYI|Is|Are|Can|Could|Would|Will|Just|So|And|But|Yes|No|OK"
    r"|Ok|Okay|Great|Sorry|Unfortunately|Thankfully|Here|There|What|When|Where|Who|Why|How|Do"
    r"|Does|Did|Have|Has|As|If|In|On|At|For|To|Session|Meeting|Meetup|Release|Office|Community"
    r"|Webinar|Workshop|Call|Sprint|Cohort|Launch|Deadline|Conference|Summit|Talk|Event|Update"
    r"|Next|New|Check|Join|See|Come|Let's|Looking|Welcome|Congrats|Congratulations|Happy|Good"
    r"|Quick|Any|Anyone|My|Our|Your)\b"
)
_NAME_WORD = rf"(?!{_NOT_A_NAME})(?:[A-Z][\w.\-']*+|\d{{1,3}}+(?![.\d]))"
# Where a display name has surely ended: punctuation, another mention, the end, or a word that
# starts a sentence ("@Anh Tran We're", "@Sam Ortiz 2 we have").
_NAME_END = (
    r"(?=[,:;()!?]|\s*$|\s+@|\s+(?i:we|we're|we'll|we've|i|i'm|i'll|i've|you|you're|they|it"
    rf"|it's|the|this|that|thanks|please|just|so|and|but|yes|sorry|here|there)\b|\s+{_NOT_A_NAME})"
)
# A mention as the normaliser writes it: "@" and a display name, then maybe pronouns or a role
# in brackets ("@Heather Turner (admin, she/her)"). Up to three more name words when the name
# surely ends there ("@Anh Nguyen Thach We're …", "@Avinash Kumar 2 we …"), else one: "@Priya
# Raman Google Summer of Code …" leaves "Google Summer of Code". Taken whole (atomic): a shorter
# name is never tried when the mention turns out to be the subject (MENTION_AS_SUBJECT).
MENTION = (
    (
        r"(?>@(?!(?i:here|channel|everyone)\b)[\w.\-]++(?-i:(?: {_NAME_WORD}){1,3}?{_NAME_END}"
        r"|(?: {_NAME_WORD})?)(?: \([^()]{1,40}\))?)"
    )
    .replace("{_NAME_WORD}", _NAME_WORD)
    .replace("{_NAME_END}", _NAME_END)
)
# A mention followed by a verb is who the news is about: "@Ana is no longer available".
MENTION_AS_SUBJECT = (
    r"(?!\s+(?i:is|are|was|were|will|has|have|had|can|could|would|should|joins|joined|leaves"
    r"|left|starts|started)\b)"
)
# The "@" of a mention the title keeps (not "R Dev Day @ Imperial", an e-mail address or an
# npm scope "@babel/core").
AT_SIGN = re.compile(r"(?<![\w@])@(?=[^\W\d_][\w.\-]*+(?!/))")
# Pronouns in brackets after a name ("Ana Lee (she/her)", "(admin, he/him)").
PRONOUNS = re.compile(r"\s*\((?:[\w ]{1,20},\s*)?(?:she|he|they)/(?:her|him|them|they)\)", re.I)
# Greetings, mentions and markers before the news. The separators are taken possessively (no
# word starts with one, so nothing is lost): a fullmatch that fails no longer tries every way
# of cutting a run of "-" or "." into pieces (exponential on "@" + "-" * 58).
LEADING_NOISE = re.compile(
    rf"^(?:[\s\-–—•*>:|,.!]++|(?:thanks(?: to)? (?={MENTION},))?{MENTION}(?!\w){MENTION_AS_SUBJECT}"
    r"[\s:,!\-–—]*+"
    r"|(?:@here|@channel|@everyone"
    r"|heads[- ]up|reminder(?: of| that)?|fyi|psa|note|update|quick update|friendly reminder"
    r"|important|announcement|re|yes|yeah|yep|and|so|also|ok|okay|great news|good news"
    r"|unfortunately|sadly|fortunately|luckily|finally|cc"
    # a reminder's task: "It is time to generate the quarterly patch file" -> the task
    r"|it(?:'s| is) time to"
    # the writer's hedge on the news: "I think the wiki is down again"
    r"|i think|i guess"
    r"|sorry(?=,|\s+(?:folks|all|everyone|everybody|team)\b)"
    # "See you all in one hour for rOpenSci co-working": not "See you (all) there"
    r"|see you(?: all| everyone)?(?!(?: all| everyone)? there\b)(?:\s+(?:in|for|at)(?:\s+our)?\b)?"
    r"|big news|news|new event|upcoming event|next|save the date|please join"
    r"|join(?: us)?(?: for| at| in)?|come (?:along )?to|you(?:'re| are) invited to|don't miss|an?"
    r"|we(?:'re| are) (?:excited|happy|thrilled|pleased|delighted) to (?:announce|welcome|share)"
    r"|hey(?: all| team| folks| everyone| everybody| y'all)?|hello(?: all| everyone| folks)?"
    r"|hi(?: all| team| folks| everyone| everybody)?|all(?!-)|team|folks|everyone"
    r"|there(?:'s| is| are)(?: only| just| still)?)\b[\s:,!\-–—]*+)+",
    re.IGNORECASE,
)
# What a leading date leaves behind it when it goes: "Tonight's meetup", "Thursday's call".
POSSESSIVE_S = re.compile(r"['\u2019]s\b")
# How the message said it was on: true when posted, wrong in a calendar ("office hour on now").
LIVE_STATUS = re.compile(
    r"\b(?:(?:is |are )?(?:starting|on|open|live|happening|here|up)(?: about)? now|starting"
    r"(?: in)? (?:a few|a couple of|~?\d+|about \d+) ?min(?:ute)?s?|starting soon|in ~?\d+"
    r" ?min(?:ute)?s?|(?:is |are )?starting(?: shortly)?|has (?:started|begun)|already)\b[!.]*",
    re.IGNORECASE,
)
# Blanks are taken from the start of their run (a match never starts inside one): linear.
STRAY_PUNCTUATION = re.compile(r"(?<!\s)\s+([,.;:!?)])|\(\s*\)")
# The name is the whole run up to the closing ":", taken possessively after a lookahead for its
# first letter (backtracking through a long run with no closing ":" was quadratic).
EMOJI_CODE = re.compile(r":(?=[0-9_+\-']*[a-z])[a-z0-9_+\-']*+:", re.IGNORECASE)
# Words left dangling once the date phrase is gone: "Code freeze starts (Monday Dec 7)": a tail
# of blanks, these separators and these words (any case), taken off by _without_trailing.
CONNECTOR_SEPARATORS = ",@-–—:"
CONNECTOR_WORDS = (
    *("is", "are", "will be", "start", "starts", "starting", "begin", "begins", "on", "at"),
    *("from", "until", "till", "by", "for", "due", "scheduled", "planned", "happening", "this"),
    *("next", "the", "to", "in", "of", "and", "|"),
)
MEETING_WORDS = re.compile(
    r"\b(?:meeting|meets|call|hours?|sync|standup|stand-up|session|review|retro|kick-?off"
    r"|all-hands|town ?hall|planning|q&a|ama|offsite|1:1|club|demo|office)\b",
    re.IGNORECASE,
)
# After the thing is named, the rest of a long sentence is detail: "…, please …", "… here: link":
# a tail of blanks, these separators and these words, taken off the same way.
NOISE_SEPARATORS = ":,;-–—"
NOISE_WORDS = ("here", "details", "link", "info", "more info", "see", "via", "at", "on", "in")
SUBJECT_NOISE = re.compile(
    r"^(?:(?:releas\w*|shipp?\w*|hotfix|patch|new|version|tagged|announcing|introducing|the|our"
    r"|we|just|today|is|are)\s+)+",
    re.IGNORECASE,
)
# "we have released olake version 0.7.3", "tagged quux 2.0.1": the released thing, any case.
RELEASED_THING = re.compile(
    r"\b(?:releas(?:ed|ing)|published|tagged|shipped|cut)\s+(?:the\s+|a\s+|new\s+)?"
    r"(?P<subject>[A-Za-z][\w.+\-]*(?:\s+[A-Za-z][\w.+\-]*)?)\s+(?:version\s+)?"
    r"(?P<version>v?\d+\.\d+(?:\.\d+)?(?:[-.]?(?:rc|beta|alpha)\.?\d*)?)\b",
    re.IGNORECASE,
)
# A release someone says they will make, without a version: "We will release a fix for it
# soon" -> "Fix release", "we're planning to ship the new importer next week".
PLANNED_RELEASE = re.compile(
    r"(?:we|i)(?:'re|'ll|'m| are| will| am)?\s+(?:(?:planning|going|about|hoping)\s+to\s+)?"
    r"(?:release|ship|publish)\s+(?:a\s+|an\s+|the\s+)?(?:new\s+)?"
    r"(?P<thing>[A-Za-z][\w+\-]*(?:\s+[A-Za-z][\w+\-]*){0,2}?)"
    r"(?=\s+(?:for|soon|today|tonight|tomorrow|this|next|on|in|by|asap|now|with|that|which"
    r"|to)\b|\s*[,.;:!?(]|\s*$)",
    re.IGNORECASE,
)
# A character of a clause's wording: not its punctuation, but a version's dot ("the 2.0 release").
_CLAUSE_CHAR = r"(?:[^,.;:!?]|(?<=\d)\.(?=\d))"
# A version with its dotted parts and maybe a pre-release: "v2.13.2", "1.4.0-rc1".
_VERSION = r"v?\d+(?:\.\d+)+(?:[-.]?(?:rc|beta|alpha)\.?\d*)?"
# "We have cancelled (are cancelling) the second office hour" -> "Second office hour cancelled".
CHANGED_THING = re.compile(
    r"^(?:we|i)(?:'ve| have| had|'re| are| am|'m)?\s+(?:just\s+)?"
    r"(?P<verb>cancell?ed|cancell?ing|postponed|postponing|rescheduled|rescheduling|moved|moving)"
    rf"\s+(?:the\s+|our\s+|this\s+|today's\s+)?(?P<thing>{_CLAUSE_CHAR}{{3,60}}?)"
    r"(?=\s+(?:to|as|because"
    r"|since|until|for)\b|[,.;:!?]|$)",
    re.IGNORECASE,
)
# "I am giving a talk at Cambridge", "On Monday we're hosting part 2 of …": the hosted thing.
HOSTED_THING = re.compile(
    r"\b(?:I|we)(?:'m|'re| am| are|'ll be| will be)?(?: also)?\s+(?:giving|hosting|running"
    r"|holding|organi[sz]ing|presenting)\s+(?:(?:at|to)\s+)?(?:(?:a|an|the|another|our|my)\s+)?"
    r"(?P<thing>\S.{2,})$",
    re.IGNORECASE,
)
# "I have the pleasure to invite you to MeasureCamp NY" -> "MeasureCamp NY".
INVITED_TO = re.compile(
    r"^.{0,40}?\binvit(?:e|ing) (?:you|everyone|all of you)(?: all)? to (?:join )?"
    r"(?:the |our |an? )?(?P<thing>\S.{2,})$",
    re.IGNORECASE,
)
POSSESSIVE = re.compile(r"\b(?:our|my|your)\s+", re.IGNORECASE)
# "We have fixed this in olake v0.8.2", "a patch … in the latest OLake version, v0.9.1": the
# version the fix ships in.
FIXED_IN = re.compile(
    r"\b(?:fixed|included|available|released|shipped)\b.{0,60}?\bin (?:the )?"
    r"(?:latest |new |next )?"
    r"(?P<subject>[A-Za-z][\w.+\-]*(?: (?!version\b)[A-Za-z][\w.+\-]*)?)(?: version)?,? "
    r"(?P<version>v?\d+\.\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)
# Where details start in a long title: a relative clause or a participle after the thing.
DETAIL_START = re.compile(
    r" (?=(?:that|which|who|where|generally|including|using|covering|featuring|and)\b)"
)
MAX_TITLE_WORDS = 12
PAST_OF = {
    "cancelling": "cancelled",
    "canceling": "canceled",
    "postponing": "postponed",
    "rescheduling": "rescheduled",
    "moving": "moved",
}
# "Our G2 page is finally live!", "Dark mode is now enabled for all" -> the thing.
LIVE_THING = re.compile(
    rf"^(?:our|the|a|an|my)?\s*(?P<thing>{_CLAUSE_CHAR}{{3,60}}?)\s+"
    r"(?:is|are|has|have|went)\s+(?:(?:now|finally|officially|also|just|been)\s+){0,3}"
    r"(?:live|launched|arrived|out|available|enabled|supported|set up|in place)\b",
    re.IGNORECASE,
)
# A version on its own.
BARE_VERSION = re.compile(_VERSION, re.IGNORECASE)
# A deploy told as done, the thing first in a calendar: "Deployed payments-api v2.13.2 to prod".
DEPLOYED_THING = re.compile(
    r"^(?:just\s+)?deployed\s+(?!(?:to|on|in|twice|again|successfully|finally|it|this|that"
    r"|them)\b)"
    r"(?P<thing>\S(?:(?!\s(?:to|on|in)\s)[^,;:!?]){0,58}?)\s+(?:to|on|in)\s+"
    r"(?P<target>prod(?:uction)?|staging|stage|dev|qa|test|sandbox|canary|pre-?prod|live"
    r"|[a-z]{2}-[a-z]+-\d)(?P<place>\s+(?:in|on)\s+[\w.\-]{2,30})?"
    r"(?:\s+\((?P<note>[^()]{1,30})\)?)?(?:\s+(?:at|on|by))?$",
    re.IGNORECASE,
)
# Someone's new package: "I built a little plugin for exporting dashboards, feedback welcome".
MADE_THING = re.compile(
    r"\b(?:made|built|wrote|created|open[ -]?sourced) (?:a|an|my|our|this)\s+"
    r"(?:(?:little|small|tiny|new|quick|simple|first)\s+)*"
    rf"(?P<thing>(?:[\w\-]+\s+){{0,3}}?{MADE_THINGS}\b(?:[^,;:!?().]|(?<=\d)\.(?=\d)){{0,50}}?)"
    r"\s*(?=[,;:!?(]|\.(?!\d)|$|\s(?:that|which|-)\s)",
    re.IGNORECASE,
)
# The description after a generic "made a thing": ": a tiny CLI for X", " - an app that …".
DESCRIBED_THING = re.compile(
    r"\s*[:\u2014\u2013-]\s*(?:(?:a|an|my|our|this)\s+)?(?:(?:little|small|tiny|new|quick|simple)\s+)*"
    r"(?P<what>[\w\-]+(?:\s+[\w\-]+){0,7}?)\s*(?=[,;:!?(]|\.(?!\d)|$)",
    re.IGNORECASE,
)
# A side clause after the thing is named: "… if anyone wants to join", "…, so please …"; not
# a role someone takes ("Ana starts as release manager").
SIDE_CLAUSE = re.compile(
    r"(?<=\w)\s*,?\s+(?:if|so that|so|because|since|due to|which|who|where|in case"
    r"|as(?! (?:(?:a|an|the|our) )?(?:new )?(?:core )?(?:rm|release manager|maintainer|lead"
    r"|chair|committer|reviewer|member)\b))\b.*$",
    re.IGNORECASE,
)
# A remark to the reader after the thing: "Second office hour, you can join the Zoom directly",
# "Next meetup, our first in Toronto", "A festive event, please join us".
READER_REMARK = re.compile(
    r"(?<=\w)\s*,\s+(?:you|we|we're|we'll|our|please|feel free|do join|join us|thanks|thank you"
    r"|I(?:'m|'ll)?(?= [a-z]))\b.*$"
)
# Who has the thing, before it: "Our next in-person meetup", "We have two office hours today".
OWNER_LEAD = re.compile(
    r"^(?:(?:our|my|your)(?=\s+(?-i:[a-z]))|we(?: will)? have|we've got|we(?: also)? have got"
    r"|there (?:is|are|will be))(?:\s+(?:an?|the))?\s+(?=\w)",
    re.IGNORECASE,
)
# The news in a few words after a version: "v2.4.0 out now", "3.2.5 published with the fix".
_TELEGRAPHIC_OUT = (
    r"(?:just\s+|now\s+|finally\s+)?(?:out\s+now|now\s+out|published|shipped|drops|lands)"
)
# "quux 2.4.0 is out": the thing, its version, then the news.
OUT_THING = re.compile(
    r"(?P<subject>\b(?!(?:for|of|to|in|on|at|by|from|with|and|the|an?)\s)[A-Za-z][\w.+\-]{0,59}+)"
    r"\s+(?P<version>v?\d+\.\d+(?:\.\d+)?[\w.\-]*+)(?:'s\s+(?:out|up|live)|,?\s+"
    r"(?:(?:is|are|has been|have been|was)\s+(?:now\s+|just\s+|finally\s+|officially\s+)?"
    rf"(?:out|up|live|available|released|tagged|published|GA)|{_TELEGRAPHIC_OUT}))\b",
    re.IGNORECASE,
)
# A sentence that opens with a version and says it is out: the rest is what it holds.
VERSION_OUT_FIRST = re.compile(
    rf"(?P<version>{_VERSION}),?\s+(?:(?:is|has been|was)\s+"
    r"(?:now\s+|just\s+|finally\s+|officially\s+)?(?:out|up|live|available|released|tagged"
    rf"|published|(?:on|in)\s+{REGISTRIES})|{_TELEGRAPHIC_OUT})\b",
    re.IGNORECASE,
)
# A sentence that opens by making a version public: "Tagged 2.3.0, wheels uploading now",
# "Just pushed v0.3.0 of the ClickHouse dialect".
VERSION_MADE_PUBLIC_FIRST = re.compile(
    r"(?:just\s+)?(?:tagged|released|published|shipped|cut|pushed|uploaded)\s+"
    rf"(?P<version>{_VERSION})\b(?:\s+of\s+(?:the\s+|my\s+|our\s+|their\s+)?"
    r"(?P<subject>\w[\w+\-]*+(?:\.\w[\w+\-]*+)*+(?:\s+\w[\w+\-]*+(?:\.\w[\w+\-]*+)*+){0,3}?)"
    r"(?=[,.;:!?]|\s+(?:(?:is|are|with|to|for|and)\b|[\u2014\u2013-])|$)"
    # without a named thing, only a version that ends its clause: "Tagged 2.3.0, wheels …",
    # not "Released v5.1.0 for the Grafana plugin" (titled by the rules after this one)
    r"|(?=\s*(?:[,;:!?\u2014\u2013]|\.(?:\s|$)|\s-\s|$)))",
    re.IGNORECASE,
)
# Words of a subject are at most 60 characters, taken possessively (a word ends where a blank
# or "-" must follow): unbounded runs tried from every start were quadratic on "a-a-a-a…".
RELEASE_SUBJECT = re.compile(
    r"(?P<subject>(?:[A-Z@][\w.+\-]{0,59}+\s+|[\w.+]{1,60}+-[\w.+\-]{1,60}+\s+){0,3})"
    # Without a "v", a version starts where its digits do: a search that fails on a long run of
    # digits tries it once, not from every digit (the leftmost match is the same).
    r"(?P<version>(?:v|(?<!\d))\d+\.\d+(?:\.\d+)?(?:[-.]?(?:rc|beta|alpha|b|a)\.?\d*)?)\b"
)
# A pre-release named without a number before it: "RC2 is on the way", "beta 3 is up".
PRERELEASE = re.compile(r"\b(?:rc|beta|alpha) ?\d+\b", re.IGNORECASE)
# How many words a release title may drop around its version ("v0.12.0 has been tagged, wheels
# will follow"): more, and the sentence says something else.
MAX_NEWS_WORDS = 4
TRAILING_ZEROS = re.compile(r"(?:\.0)+$")
# What a chatty title is cut down to (_event_phrase): the event words of a gathering.
GATHERING_HEADS = {
    action: re.compile(
        # not "social": its match runs on to the time ("Dinner tonight at 7")
        "|".join(
            k.pattern.pattern for k in EVENT_KEYWORDS if k.action == action and k.name != "social"
        ),
        re.IGNORECASE,
    )
    for action in ("Meeting", "Event", "Webinar")
}
# After an event word used as a verb or an adjective: "we are meeting now", "planning a call".
NOT_A_NOUN_AFTER = frozenset(
    {"a", "an", "the", "our", "my", "your", "their", "this", "that", "to", "now", "with", "up"}
)
# Words that are not part of an event's name (read leftwards from its head).
CLOSED_CLASS = frozenset(
    {"a", "an", "the", "our", "my", "your", "their", "his", "her", "its", "this", "that", "these"}
    | {"those", "i", "we", "you", "he", "she", "they", "it", "us", "me", "them", "is", "are", "am"}
    | {"was", "were", "be", "been", "will", "would", "can", "could", "should", "shall", "may"}
    | {"might", "must", "do", "does", "did", "have", "has", "had", "to", "of", "in", "on", "at"}
    | {"for", "with", "from", "by", "about", "into", "during", "and", "or", "but", "so", "if"}
    | {"as", "than", "then", "there", "here", "what", "which", "who", "when", "where", "join"}
    | {"attend", "attending", "joining", "see", "come", "any", "some", "all", "every", "each"}
    | {"i'm", "we're", "you're", "i'll", "we'll", "you'll", "i've", "we've", "let's", "not"}
    | {"up", "out", "just", "also", "still", "already", "now", "today", "tomorrow", "tonight"}
    # verbs that stand before what they host or give: "to host useR! 2026 conference"
    | {"host", "hosting", "hosts", "organise", "organize", "organising", "organizing", "run"}
    | {"running", "hold", "holding", "give", "giving", "present", "presenting", "announce"}
    | {"announcing", "invite", "inviting", "welcome", "ship", "shipping", "release", "cut"}
    | {"tag", "tagging", "publish", "publishing", "push", "pushing"}
)
# A title that speaks ("we", "you", "I'm") rather than names the thing; not a name that starts
# with such a word ("Our World in Data meetup", "Your Story Summit").
_PERSONS = (
    r"(?:(?i:I|I'm|I'll|I've|I'd|me|my|we|we're|we'll|we've|our|you|you're|you'll|your)|[Uu]s)"
)
SPEAKER = re.compile(rf"^{_PERSONS}\b(?!\s+[A-Z])|(?<=\W){_PERSONS}\b")
NEXT_WORD = re.compile(r"\s*(\S+)")
# Event words that name no gathering of their own.
NOT_A_GATHERING = frozenset({"tickets", "ticket", "rsvp", "register", "registration", "sign up"})
# Event words tried per title: the first that is used as a noun nearly always names the thing.
MAX_PHRASE_HEADS = 8
PHRASE_LINKERS = frozenset({"in", "at", "for", "of", "on", "about"})
MAX_PHRASE_WORDS = 6
URL = re.compile(r"https?://\S+")
SPACES = re.compile(r"\s+")
PRECISION_RANK = {"datetime": 0, "day": 1, "week": 2, "month": 3, "quarter": 4}
# An event reported as done or under way happened when the message was posted.
# A cancellation is news when it is announced: "We are cancelling the second office hour".
HAPPENING_NOW = frozenset({"completed", "started", "rolled_back", "canceled"})
# Words that date an event by the message itself: it is on now, about to start, or just out.
NOW_MARKERS = re.compile(
    r"\b(?:(?:starting|starts|started|is on|are on|open|opens|live|happening|available|out"
    r"|meeting)"
    r" now|now (?:open|live|available|out|on|starting)|right away|asap|as soon as possible"
    r"|(?:starting|starts|start|begins|back) (?:in|soon|shortly|today|tonight|a few)"
    r"|in (?:a |~|about )?(?:few|couple of|\d+) ?min(?:ute)?s?|in (?:about )?(?:an|one|half an)"
    r" hour|(?:in|within) the (?:next )?(?:hour|few minutes)"
    r"|has (?:started|begun)|(?:is|are) starting|under ?way"
    r"|(?:is|are) (?:now |finally )?(?:live|out|here|up|underway|under way)|we(?:'re| are) live"
    r"|went (?:up|live|out)"
    r"|on now|about now|(?:has|have) (?:arrived|landed|shipped)|(?:in|with) the latest"
    r"|live (?:from|at)|(?:please )?(?:gather|assemble) (?:in|at|by|on|near)"
    r"|(?:hours?|call|session|meeting|meetup|stream|streaming|webinar|workshop) now"
    r"|(?:releas|ship|tag|publish|cut)\w* (?:[\w.-]+ ){0,2}now|announcing|introducing"
    r"|starting (?:the |our )?(?:[\w.-]+ ){1,4}now"  # "starting the feature freeze for v5 now"
    r"|just (?:released|published|tagged|dropped|landed|launched|pushed|open[ -]?sourced)|tagged"
    r"|released"
    r"|new (?:release|version)(?=\s*[:!\-])"
    # a version out or made public: "RC2 is on the way", "just pushed 3.0.0 to npm"
    rf"|{VERSION_OUT}|{VERSION_PUBLISHED}|{ON_A_REGISTRY}|{AVAILABLE_NOW}"
    r"|(?:is|are) (?:now |finally )?published|new (?:release|version) (?:published|out))\b",
    re.IGNORECASE,
)
# A headline that announces a version as it is posted: "Security release: dbconn 2.3.1 fixes an
# SQL injection", "Release: quux v0.9.0", "Security advisory: 2.3.0 is affected, upgrade".
RELEASE_HEADLINE = re.compile(
    r"\W*(?::[\w+\-]++:\s*)*"  # emoji codes first: ":lock: Security release: …"
    r"(?:(?:new|security|patch|bugfix|bug-fix|hotfix|maintenance|minor|major) )?"
    # the version within three words of the colon ("Security release: dbconn 2.3.1 …")
    r"(?:release|advisory)\s*:\s*(?:[^\s\d][^\s]*+\s+){0,3}?v?\d++\.\d",
    re.IGNORECASE,
)
# A habit or a decision to come is not something happening now: "the deploy usually finishes
# within the hour", "we'll decide on the release date in the next hour".
HABIT = re.compile(
    r"\b(?:usually|typically|normally|always|generally|often|decide|deciding)\b", re.IGNORECASE
)
# What makes such a headline a plan, a past or a note rather than the version going out:
# "Release: 3.0 is blocked on CI", "Patch release: 2.7.3 will go out once …", "Release: v2.0
# was a big one", "Release: 1.9.0 is the last version supporting Python 3.8".
NOT_A_HEADLINE = re.compile(
    r"\b(?:will|should|would|could|once|blocked|eta|was|were|pulled|yanked|retro\w*"
    r"|last version|history|notes|planning|plan)\b",
    re.IGNORECASE,
)
COMMUNITY_EVENT = next(k for k in EVENT_KEYWORDS if k.name == "community_event")
GENERIC_PAGE_PARTS = frozenset(
    {"events", "event", "e", "register", "registration", "tickets", "community", "meetup"}
)
# A mention that gives a time of day and nothing else ("10:00-11:00 UTC", "5:30 pm").
TIME_ONLY = re.compile(
    r"^(?:\d{1,2}:\d\d|\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?|noon|midday|midnight)"
    r"(?:\s*[-–—]\s*(?:\d{1,2}:\d\d|\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?|\d{1,2}))?"
    r"(?:\s*\(?[A-Z]{2,5}(?:[+-]\d{1,2})?\)?)?$",
    re.IGNORECASE,
)
# Talk about something that already happened: its minutes, recording or photos, or "ago".
PAST_TALK = re.compile(
    # "ago", but not minutes or hours ago: "tagged 20 min ago" is today's news
    r"\b(?:(?<!min )(?<!mins )(?<!minutes )(?<!hour )(?<!hours )(?<!hr )(?<!hrs )(?<!\dh )"
    r"(?<!\dm )ago"
    # a meeting's minutes, not a duration ("a few minutes of downtime")
    r"|last (?:week|month|year|night)|yesterday's|(?:(?<!\d )(?<!few )(?<!several )(?<!of )"
    r"(?<!some )minutes|recording|recordings|recap"
    r"|slides|photos|pictures|notes) (?:from|of|for)|resources from|was (?:great|fun|awesome"
    r"|amazing|released)|were released|went well|thanks for (?:the|joining|coming|attending)"
    r"|(?:minutes|slides|recordings?|videos?|photos|pictures) (?:are|is) (?:now )?(?:up|available"
    r"|live|posted|online)|there (?:was|were)|had a (?:great|good|fun) time|visited"
    # what came out of a meeting: "Per discussion in the sync today, here is a proposal"
    r"|per (?:the |our )?discussions?|as (?:we )?discussed"
    # an account of what happened: "the outage on Tuesday: turned out to be an expired cert"
    r"|turned out|who missed (?:it|the|this|that|our)|what a (?:turnout|crowd|day|week|night)"
    r"|root cause was|(?:taken|took) part in|(?:outage|incident|downtime) (?:we|they|you) had"
    r"|(?:was|were) (?:so |really |very |super )?(?:chill|nice|good|lovely|productive|cool)"
    r"|for reference|(?:great|good|huge|record) turnout|(?:is|are) (?:now )?over\b"
    r"|(?:thanks|thank you) to (?:everyone|everybody|all) who (?:came|joined|attended|showed up)"
    r"|went (?:fine|smoothly|great)|(?:during|at) the last\b"
    r"|(?:had|got) (?:an? |the )?(?:[\w-]+ ){0,2}(?:outage"
    r"|incident|downtime|deadline|meeting))\b",
    re.IGNORECASE,
)
# Someone's own plans around an event ("I'll try to join the office hour today", "sorry I can't
# make it to the data jam"): talk about the event, not its announcement. Organisers' words ("I'm
# giving a talk tomorrow", "I'll host") are not caught: their verbs are not listed.
PERSONAL_PLAN = re.compile(
    r"\b(?:I|I'm|I am|I'll|I will|I've|I was|I'd|I would)\b[^.!?]{0,40}?\b(?:join|joining|make it"
    r"|attend|attending|go to|going to (?:the|a|an|this|that|our|be)|be at|watch|hear|chat|miss"
    r"|missed|can't|cannot|won't"
    r"|try|hope|made a post|waited|closed|needing|need|started|don't know|am not sure"
    # where someone stands aside: "I'm afraid I haven't kept up with the study group next week",
    # "I'm having trouble getting the link to the meeting", "I would prefer …"
    r"|haven't|have not|having (?:trouble|problems?|issues?)|prefer|guess|think|ready"
    r"|sure there|been (?:using|reading|trying|preparing))\b"
    r"|\b(?:I'm|I am) (?:at|in|off|out|on leave|away)\b"
    # a plan told without its "I": "attending my first hackathon this weekend, any tips?"
    r"|^\W*(?:attending|heading to|off to|flying to) (?:my|the|a)\b|^\W*(?:can't|cannot) make\b"
    r"|\b(?:I'll|I will) be (?:late|out|away|off|offline|on holiday|on vacation|on leave)\b"
    # the writer's own coming, not an invitation to come: "I'll probably come to the coworking"
    r"|\b(?:I'll|I will|I might|I may) (?:probably |maybe |likely )?come\b|\bI'm coming\b"
    r"|\bmy (?:first |initial )?(?:thought|idea|plan|suggestion) (?:was|is)\b"
    r"|\b(?:eager to|looking forward to|envy|anyone else going|wish I could|not planning|no plans?"
    r"|(?:could|might|would|should) (?:\w+ )?(?:set up|have|hold|organi[sz]e|try|postpone))\b",
    re.IGNORECASE,
)
# A date said not to suit ("Fri 21 July is not a good day for the meeting as it clashes with
# …"): scheduling talk about a date, not the event's.
DATE_REJECTED = re.compile(
    r"\b(?:(?:is|are|was|isn't|aren't) not (?:a )?(?:good|great|possible|convenient|ideal)"
    r"|(?:isn't|aren't|wasn't) (?:a )?(?:good|great|possible|convenient|ideal)"
    r"|(?:doesn't|does not|won't|will not) work|clash(?:es)? with|conflicts? with)\b",
    re.IGNORECASE,
)
AT_THE_WRITERS_JOB = re.compile(WRITERS_JOB, re.IGNORECASE)
# Someone's own deadline: "my own deadline is Friday", "my capstone is due Friday", "deadline
# for my thesis", "I have a deadline on the 14th", "my PR needs to be merged by Friday".
MY_OWN_DEADLINE = re.compile(
    r"\b(?:my (?:own )?(?:[\w-]+ ){0,2}(?:deadline|is due|are due|needs? to be)|our own deadline"
    r"|(?:deadline|due) for my|I have an? (?:[\w-]+ ){0,2}deadline"
    # school work: "Uni assignment due tomorrow"
    r"|(?:assignment|homework|coursework|exam|thesis|dissertation|capstone)s? (?:is |are )?due)\b",
    re.IGNORECASE,
)
# A sentence that only supposes ("If anyone has a lightning talk they want to present Monday").
SUPPOSITION = re.compile(
    r"^\W*(?:(?:also|and|but|so|oh|btw)\W+)?(?:if|unless|whether)\b", re.IGNORECASE
)
SEVERITY = re.compile(r"\bsev ?-?([1-3])\b|\b(p[0-1])\b", re.IGNORECASE)


@dataclass(frozen=True)
class LinkPreview:
    """Slack's unfurl of a link the message posts, as plain text (domain.messages)."""

    title: str
    text: str = ""
    service: str = ""
    url: str = ""


@dataclass(frozen=True)
class ExtractionInput:
    """A candidate message as the extractor sees it."""

    text: str  # normalised (no Slack markup)
    message_time: datetime  # aware
    timezone: str
    anchors: tuple[Anchor, ...] = ()
    links: tuple[str, ...] = ()
    broadcast: bool = False
    thread_parent: str | None = None  # a reply's thread parent (normalised), read as context
    previews: tuple[LinkPreview, ...] = ()  # what the message's links announce
    slack_reminder: bool = False  # a /remind someone set, posted by Slackbot ("Reminder: …")


@dataclass(frozen=True)
class ExtractedEvent:
    title: str
    category: str
    action: str
    status: str
    event_date: datetime | None
    event_end: datetime | None
    date_precision: str | None
    date_source: str  # explicit | relative | message_time | unknown
    confidence: float
    summary: str
    links: tuple[str, ...]
    anchors: tuple[Anchor, ...]
    severity: str | None = None
    extractor: str = "rules"  # which extractor produced it (an LLM run falls back per message)


@dataclass
class _Draft:
    sentence: str
    keyword: EventKeyword
    dates: list[DateMention] = field(default_factory=list)


def _specificity(mention: DateMention) -> tuple[int, int, int]:
    """The most precise, explicit, earliest-written date of a sentence is its event's date."""
    return (
        PRECISION_RANK.get(mention.precision, 9),
        0 if mention.source == "explicit" else 1,
        mention.span[0],
    )


def _not_an_upcoming_event(
    draft: _Draft,
    start: datetime | None,
    status: str,
    message: ExtractionInput,
    precision: str | None = None,
) -> bool:
    """Past news ("the release yesterday") and staging-only deploys are not digest material. A
    week is past once it has ended ("The study group has begun! This week we …")."""
    zone = ZoneInfo(message.timezone)
    if start is not None and (
        _last_day(start.astimezone(zone).date(), precision)
        < message.message_time.astimezone(zone).date()
    ):
        return True
    sentence = draft.sentence
    if PAST_TALK.search(sentence) or DATE_REJECTED.search(sentence):
        return True
    if AT_THE_WRITERS_JOB.search(sentence) or MY_OWN_DEADLINE.search(sentence):
        return True  # "our own deadline at work is end of month": not the community's
    # Personal plans and suppositions that come before the event's name are about it: "I'll try
    # to join the office hour", "If anyone has a lightning talk …" (not "the office hours are on
    # Oct 17 as I will be at a conference", "If you mentor, join us at the next Dev Day").
    named = draft.keyword.pattern.search(sentence)
    at = named.start() if named else len(sentence)
    personal = PERSONAL_PLAN.search(sentence)
    if personal is not None and personal.start() < at and not _hedged_report(draft, personal):
        return True
    supposed = SUPPOSITION.match(sentence)
    if supposed is not None:
        comma = sentence.find(",", supposed.end())
        if comma < 0 or at < comma:
            return True
    return (
        draft.keyword.category == "product"
        and STAGING_ONLY.search(sentence) is not None
        and PRODUCTION.search(sentence) is None
    )


# The writer's hedge on what they report, not a plan of theirs: "I think we are back online".
HEDGE = re.compile(r"I (?:think|guess)\b", re.IGNORECASE)


def _hedged_report(draft: _Draft, personal: re.Match[str]) -> bool:
    """Whether the writer only hedges a service's state ("I think the wiki is down again",
    "I think we are back online"): an incident stays news, unlike "I think I'll join"."""
    return draft.keyword.category == "risk" and HEDGE.fullmatch(personal.group(0)) is not None


def _last_day(first: date, precision: str | None) -> date:
    """The last day of the week that starts on `first` ("this week"), else `first` (a month
    that has begun is past: "the plan for this month is …" is no news)."""
    return first + timedelta(days=6) if precision == "week" else first


def _names_a_period(mention: DateMention, sentence: str, message: ExtractionInput) -> bool:
    """Whether a month or quarter that has begun by the message's time names what is out now
    ("The October 2023 issue of the newsletter is available now!", "Q3 report is out"), rather
    than dating it."""
    return (
        mention.precision in ("month", "quarter")
        and mention.start <= message.message_time
        and NOW_MARKERS.search(sentence) is not None
    )


def _without_trailing(text: str, separators: str, words: tuple[str, ...]) -> str:
    r"""`text` without its longest tail of separators (blanks and `separators`) and `words` (any
    case), each word after a separator: what re.sub of `(?:[\s<separators>]+(?:<words>)?)+$`
    gives (the tail taken off with it), read from the end in linear time: that regex, with
    nested repeats, was exponential on ": : : : x"."""
    folded = fold_case(text)
    length = len(text)
    # chain[i]: text[i:] is separators, then words each followed by separators, then maybe a
    # word; word_chain[i]: text[i:] is empty or such a chain after one word.
    chain = [False] * (length + 1)
    word_chain = [False] * (length + 1)
    word_chain[length] = True
    longest = max(map(len, words))
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word)
    start, misses = length, 0
    for i in range(length - 1, -1, -1):
        char = text[i]
        chain[i] = (char.isspace() or char in separators) and (chain[i + 1] or word_chain[i + 1])
        word_chain[i] = any(
            folded.startswith(word, i) and (i + len(word) == length or chain[i + len(word)])
            for word in by_first.get(folded[i], ())
        )
        if chain[i]:
            start = i
        misses = 0 if chain[i] or word_chain[i] else misses + 1
        if misses > longest:  # nothing further left can join the tail
            break
    return text[:start]


def split_sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_BREAK.split(text) if part and part.strip()]


def make_title(
    sentence: str, action: str | None = None, dates: tuple[DateMention, ...] = ()
) -> str:
    """A calendar line from a sentence: no greeting, invitation, mention, emoji, URL or date
    phrase (the date is shown beside it), at most 80 characters. A release names its subject and
    version ("OLake Go v0.7.2 release"); a meeting says it is one."""
    title = sentence
    own = sorted(
        (m for m in dates if sentence[m.span[0] : m.span[1]] == m.text), key=lambda m: m.span
    )
    kept, position = "", 0
    for mention in own:  # the title ends where a date begins, once it has a subject
        start, end = mention.span
        # `kept` holds no letter yet (else the loop has ended), so the words are the gap's own:
        # counting them in `kept` again at every leading date was quadratic.
        gap = title[position:start]
        words = len(re.findall(r"[A-Za-z]\w*", gap))
        if not kept and LEADING_NOISE.fullmatch(gap):
            words = 0  # "There is only a week left to apply": the date leads
        if words >= 2:
            kept += title[position:start]
            break
        if words == 1:  # "Cancelling today's 1:1s": the date is part of the wording
            kept += title[position:]
            break
        kept += title[position:start]  # a leading date ("Next week: …") goes
        position = end  # with its possessive: "Tonight's meetup" is the "Meetup"
        if (possessive := POSSESSIVE_S.match(title, end)) is not None:
            position = possessive.end()
    else:
        kept += title[position:]
    title = kept
    title = EMOJI_CODE.sub(" ", URL.sub("", title))
    title = LEADING_NOISE.sub("", SPACES.sub(" ", title).strip())
    title = LEADING_ARTICLE.sub("", title)  # "The merchant email goes out", not "The Carpentries"
    title = SPACES.sub(" ", title).strip(" :-–—,;()")
    if (changed := CHANGED_THING.search(title)) is not None:  # "We cancelled the 2nd office hour"
        thing = changed.group("thing").strip()
        verb = changed.group("verb").lower()
        verb = PAST_OF.get(verb, verb)
        title = f"{_capitalised(thing)} {verb}"
    elif action == "Launch" and (made := MADE_THING.search(title)) is not None:
        thing = made.group("thing").strip()  # "I made a little CLI for X: <link>"
        if thing.lower() == "thing":  # "I made a thing: a CLI that converts …": what it is
            thing = _described_thing(title[made.end() :]) or thing
        title = f"{_capitalised(thing)} launch"
    elif action == "Launch" and (live := LIVE_THING.search(title)) is not None:
        thing = live.group("thing").strip()  # "Our G2 page is finally live!" -> "G2 page launch"
        if BARE_VERSION.fullmatch(thing):  # "v2.13.2 is live, with the rounding fix"
            return f"{thing} release"
        title = f"{_capitalised(thing)} launch"
    elif (deployed := DEPLOYED_THING.match(title)) is not None:  # "Deployed X to prod"
        note = f" ({deployed.group('note')})" if deployed.group("note") else ""  # "(rollback)"
        place = deployed.group("place") or ""  # "in eu-west-1"
        title = f"{deployed.group('thing')} deployed to {deployed.group('target')}{place}{note}"
    elif (hosted := HOSTED_THING.search(title)) is not None:  # "I'm giving a talk at X"
        title = _capitalised(POSSESSIVE.sub("the ", hosted.group("thing")))
    elif (invited := INVITED_TO.search(title)) is not None:  # "I want to invite you to X"
        title = _capitalised(invited.group("thing"))
    title = SIDE_CLAUSE.sub("", title)  # "First office hour if anyone wants to join"
    title = READER_REMARK.sub("", title)
    if len(owned := OWNER_LEAD.sub("", title).split()) >= 2:
        title = " ".join(owned)  # the thing, not who has it
    if action == "Release" and (found := FIXED_IN.search(title)):
        return f"{found.group('subject')} {found.group('version')} release"
    if action == "Release" and (found := OUT_THING.search(title)):
        return f"{found.group('subject')} {found.group('version')} release"
    if action == "Release" and (found := VERSION_OUT_FIRST.match(title)):
        return f"{found.group('version')} release"  # "v2.13.2 is live, with the rounding fix"
    if action == "Release" and (found := VERSION_MADE_PUBLIC_FIRST.match(title)):
        subject = f"{found.group('subject')} " if found.group("subject") else ""
        return f"{subject}{found.group('version')} release"  # "Tagged 2.3.0, wheels up soon"
    if action == "Release" and (found := RELEASED_THING.search(title)):
        subject = re.sub(r"\s+version$", "", found.group("subject"), flags=re.IGNORECASE)
        return f"{subject} {found.group('version')} release"
    if action == "Release" and (found := RELEASE_SUBJECT.search(title)):
        subject = SUBJECT_NOISE.sub("", found.group("subject")).strip()
        if subject and not LEADING_NOISE.fullmatch(subject + " "):
            return f"{subject} {found.group('version')} release"
        if _only_news_around(title, found.group("version")):
            return f"{found.group('version')} release"  # "Binaries are up for 3.0.0"
    if action == "Release" and (planned := PLANNED_RELEASE.match(title)):
        return f"{_capitalised(planned.group('thing'))} release"  # "We will release a fix soon"
    found = PRERELEASE.search(title) if action == "Release" else None
    if found is not None:
        before = title[: found.start()].split()
        named = len(before)
        while named > 0 and _modifies(before[named - 1]):
            named -= 1  # "The Android app beta 3", not "we can ship beta 4"
        subject = " ".join(before[named:])
        if _only_news_around(title[found.start() :], found.group(0)):
            return f"{subject} {found.group(0)} release".lstrip()  # "Helm chart RC2 release"
    title = LIVE_STATUS.sub(" ", title)
    title = SPACES.sub(" ", STRAY_PUNCTUATION.sub(r"\1", title)).strip(" :-–—,;(")
    title = _without_trailing(title, CONNECTOR_SEPARATORS, CONNECTOR_WORDS)
    title = _without_trailing(title, NOISE_SEPARATORS, NOISE_WORDS)
    if not title:
        title = SPACES.sub(" ", URL.sub("", sentence)).strip() or sentence.strip()
    if title.count("(") > title.count(")"):  # "to prod (rollback" -> "to prod"
        head = title[: title.rfind("(")].rstrip(" ,;:-")
        title = head if len(head.split()) >= 2 else title.replace("(", "")
    if SPEAKER.search(title) and (phrase := _event_phrase(title, action)) is not None:
        title = phrase  # "We started a DeepR book club in R4DS" -> "DeepR book club in R4DS"
    if action == "Meeting" and not MEETING_WORDS.search(title):
        title += " meeting"  # "R Contribution Working Group" -> "... meeting"
    title = _opening_capital(title)
    title = AT_SIGN.sub("", title)  # "@Ana Lee is away" -> "Ana Lee is away": a name, no markup
    title = PRONOUNS.sub("", title)  # "with Ana Lee (she/her)" -> "with Ana Lee"
    title = title.rstrip(" .!?,;:-–—")  # a calendar line, not a sentence
    if len(title) > MAX_TITLE_CHARS or len(title.split()) > MAX_TITLE_WORDS:
        cut = " ".join(title[: MAX_TITLE_CHARS - 1].split()[:MAX_TITLE_WORDS])
        for mark in (": ", " - ", " – ", ", ", "; ", " ("):
            head = cut.split(mark, 1)[0]
            if len(head) >= 25 and mark in cut:
                return head.rstrip(" ,;:-")
        # the thing is named before its details: cut before the last clause or phrase that
        # fits ("These are casual online events for coworking and socialising [generally …]")
        clauses = [m.start() for m in DETAIL_START.finditer(cut) if m.start() >= 25]
        if clauses:
            return cut[: clauses[-1]].rstrip(" ,;:-")
        phrase = _event_phrase(title, action)
        # it fits a calendar line and names which one ("Rust book club", not "Biggest
        # conference")
        fits = phrase is not None and len(phrase) <= MAX_TITLE_CHARS
        if fits and phrase is not None and any(_names(word) for word in phrase.split()):
            return _opening_capital(phrase)  # "Book club will be organised in 6 online …"
        cut = cut.rsplit(" ", 1)[0] if " " in cut[30:] else cut
        title = cut.rstrip(" ,;:-") + "…"
    return title


def _described_thing(rest: str) -> str | None:
    """What a made "thing" is, from the words after it: ": a CLI that converts parquet to csv"
    -> "CLI that converts parquet to csv"."""
    described = DESCRIBED_THING.match(rest)
    return described.group("what").strip() if described is not None else None


def _only_news_around(title: str, version: str) -> bool:
    """Whether `title` says no more than that `version` is out or coming: a few words beside
    it ("Tagged v3.2.0!", "I'll cut 0.9.3 ASAP", "When will 3.1 ship"), so the calendar line is
    the version's release, not the sentence."""
    rest = title.replace(version, " ", 1)
    if PRERELEASE.search(rest) or detect_status(rest) in ("postponed", "canceled", "rolled_back"):
        return False  # "3.0.0 beta 2 is out", "The 2.0 release is delayed"
    return len(CONTENT_WORD.findall(rest)) <= MAX_NEWS_WORDS


def _event_phrase(title: str, action: str | None) -> str | None:
    """The gathering a chatty title names, as a noun phrase: "We started a DeepR book club in
    R4DS community" -> "DeepR book club in R4DS". The head is the first event word of the action
    used as a noun (not "we are meeting now") whose phrase names something (not "save the
    date"). Words before it count while they are not closed-class words (articles, pronouns,
    prepositions…), words after it while they name ("in Portuguese", "at useR! 2025"). None
    when no phrase of two words or more is found."""
    heads = GATHERING_HEADS.get(action or "")
    if heads is None:
        return None
    words, starts, position = title.split(), [], 0
    for word in words:
        position = title.index(word, position)
        starts.append(position)
        position += len(word)
    for match in islice(heads.finditer(title), MAX_PHRASE_HEADS):
        if match.group().lower() in NOT_A_GATHERING:
            continue  # "20 tickets for the meetup", "Please RSVP"
        after = NEXT_WORD.match(title, match.end())
        if after and after.group(1).lower().strip(",.;:!?") in NOT_A_NOUN_AFTER:
            continue
        first = bisect_right(starts, match.start()) - 1
        last = bisect_left(starts, match.end()) - 1
        phrase = " ".join(_phrase_around(words, first, last, heads)).strip(" ,;:!?.-–—()\"'")
        if (
            len(phrase.split()) >= 2
            and not SPEAKER.search(phrase)
            and not CALL_TO_ACTION.match(phrase)
        ):
            return phrase  # as written: make_title capitalises it
    return None


def _phrase_around(words: list[str], first: int, last: int, heads: re.Pattern[str]) -> list[str]:
    """The words of the noun phrase whose head spans words[first..last] (_event_phrase)."""
    while last + 1 < len(words) and heads.fullmatch(words[last + 1].rstrip(",;:!?.")):
        last += 1  # "planning meeting", "office hours"
    while first > 0 and last - first < MAX_PHRASE_WORDS:
        if _modifies(words[first - 1]):
            first -= 1
        elif (  # "Debugging in R session"
            first > 1 and words[first - 1] in PHRASE_LINKERS and _names(words[first - 2])
            and _modifies(words[first - 2])
        ):  # fmt: skip
            first -= 2
        else:
            break

    def named_next() -> bool:  # the next word goes on the name: not after a clause's end
        return (
            last + 1 < len(words)
            and not words[last].endswith((",", ";", ":"))
            and _names(words[last + 1])
            and not words[last + 1].startswith(("(", '"', "\u201c", "'"))
        )

    while named_next() and last - first < MAX_PHRASE_WORDS:
        last += 1  # "Scarman Conference Centre"
    if last + 2 >= len(words) or words[last + 1].lower() not in PHRASE_LINKERS:
        return words[first : last + 1]
    place = last + 2  # "in Portuguese", "at useR! 2025", "at the NYC R meetup"
    if words[place].lower() in ("the", "a", "an") and place + 1 < len(words):
        place += 1
    named = _names(words[place]) and not words[place][:1].isdigit()
    if not named or words[last].endswith((",", ";", ":")):
        return words[first : last + 1]
    last = place
    while last - first < 10:
        if named_next() or (
            last + 1 < len(words) and heads.fullmatch(words[last + 1].rstrip(",;:!?."))
        ):
            last += 1
        elif (  # "at the University of Warsaw"
            last + 2 < len(words) and words[last + 1] == "of" and _names(words[last + 2])
        ):
            last += 2
        else:
            break
    return words[first : last + 1]


def _modifies(word: str) -> bool:
    """Whether `word` may stand before an event noun in its name ("monthly", "DeepR", "2025")."""
    bare = word.strip("\"'()")
    if not bare or not bare[0].isalnum() or bare != word.rstrip(",;:"):
        return False
    if bare.isupper() and len(bare) > 1:
        return True  # an acronym: "PyCon US tutorials", "EU meetup"
    folded = bare.lower()
    return folded not in CLOSED_CLASS and not (folded.endswith("ed") and bare.islower())


def _names(word: str) -> bool:
    """Whether `word` is part of a name: capitalised, or with a digit or an inner capital."""
    bare = word.strip("\"'(),;:.")
    return bool(bare) and (bare[0].isupper() or any(c.isdigit() for c in bare)
                           or any(c.isupper() for c in bare[1:]))  # fmt: skip


def _opening_capital(title: str) -> str:
    """`title` with a capital first letter when its first word is all lower case: "payments-api
    ships" -> "Payments-api ships", but "rOpenSci" stays."""
    first = title.split(" ", 1)[0]
    return title[0].upper() + title[1:] if first.islower() else title


def _capitalised(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


GENERIC_TITLE = re.compile(
    r"^(?:(?:the|a|an|registration|application|applications|submission|submissions|early bird"
    r"|abstract|proposal|final|last|new|first|second|online|in-person)\s+)*(?:deadline|deadlines"
    r"|register|registration|meeting|event|session|call|release|launch|deploy|post|reminder"
    r"|update|office hours?|resolved|mitigated|fixed|by|on|at|from|until|till|and|or)$",
    re.IGNORECASE,
)
# What a gathering's title ends with, for finding its full name in the message.
_GATHERING_WORDS = r"(?:office hours?|meetup|meeting|webinar|workshop|sync|session|call)"
# Generic titles that may take a full name found elsewhere in the message (_named_in_text), but
# not a chatty first line ("Quick update from the infra team: next meetup").
NAMEABLE_TITLE = re.compile(
    r"^(?:(?:next|weekly|monthly)\s+)?(?:(?:the|a|an|final|last|new|first|second|online"
    rf"|in-person)\s+)*{_GATHERING_WORDS}$|{GENERIC_TITLE.pattern[1:-1]}",
    re.IGNORECASE,
)
# A word of a name: capitalised ("R", "Contributor", "LatinR", "useR!" is not) or a year.
_NAME_WORD = r"(?:[A-Z](?:[\w'&+-]|\.(?=\w))*+|(?:19|20)\d\d)"
# Capitalised words that start a sentence or qualify, not a name ("Next", "Our", "Join").
_NOT_A_NAME_START = re.compile(
    r"^(?:(?:The|A|An|Our|Your|This|That|Next|First|Second|Third|Last|Join|Reminder|Upcoming"
    r"|Today's|Tomorrow's|Weekly|Monthly|Online|In-person|New|Hi|Hello|Hey|Welcome|Please)\s+)+"
)
_GATHERING_HEAD = re.compile(rf"(?i:{_GATHERING_WORDS})$")
# A named event a deadline belongs to: "R Dev Day @ Rencontres R", "LatinR 2023".
_NAMED_EVENT = re.compile(
    rf"(?<![\w@!]){_NAME_WORD}(?: (?:@ )?{_NAME_WORD}){{0,4}} (?:19|20)\d\d(?![\w.])"
    rf"|(?<![\w@!]){_NAME_WORD}(?: {_NAME_WORD}){{0,3}} (?:Dev Days?|Sprint|Summit|Conference"
    rf"|Hackathon|Workshop|Meetup)(?: @ {_NAME_WORD}(?: {_NAME_WORD}){{0,2}})?"
)


def _named_in_text(title: str, text: str) -> str | None:
    """The title with the full name a generic title has elsewhere in the message, when it fits
    a calendar line: "First office hour" with "R Contributor Office Hours" further down is
    "First R Contributor Office Hours"; a deadline takes the event it belongs to ("Registration
    deadline: R Dev Day @ Rencontres R")."""
    named = _full_name(title, text)
    return _capitalised(named) if named and len(named) <= MAX_TITLE_CHARS else None


def _full_name(title: str, text: str) -> str | None:
    """_named_in_text's name, as found."""
    head = _GATHERING_HEAD.search(title)
    if head is not None:
        words = re.escape(head.group()).replace(r"\ ", r"\s+")
        for found in re.finditer(rf"(?<![\w@!])((?:{_NAME_WORD} ){{1,4}})(?i:{words}s?)\b", text):
            name = _NOT_A_NAME_START.sub("", found.group(1)).strip()
            if name and not GENERIC_TITLE.match(name):
                return f"{title[: head.start()]}{name} {found.group()[len(found.group(1)) :]}"
        return None
    if re.search(r"(?i:deadline|registration)$", title):
        for found in _NAMED_EVENT.finditer(text):
            name = _NOT_A_NAME_START.sub("", found.group()).strip()
            if len(name.split()) >= 2 or re.search(r"\d", name):
                return f"{title}: {name}"
    return None


# A first line that is a greeting or a mention, not the subject ("@channel", "Happy New Year!").
NO_HEADLINE = re.compile(
    r"(?:channel|here|everyone|all|(?:happy|hi|hello|hey|good|dear|welcome|greetings)\b.*)$",
    re.IGNORECASE,
)


# A gathering named as the setting of something else: "… in the next meetup", "for the next
# session we are doing …".
IN_PASSING = re.compile(
    rf"\b(?:in|for|at|during|before|after|until|till)\s+the\s+next\s+{_GATHERING_WORDS}\b",
    re.IGNORECASE,
)


def _mentioned_in_passing(sentence: str, title: str) -> bool:
    """Whether an undated event is only a gathering some other talk is set in ("we'll be
    talking about HDF5 in the next meetup"), named by nothing but its kind ("Next meetup")."""
    return NAMEABLE_TITLE.match(title) is not None and IN_PASSING.search(sentence) is not None


def _with_subject(title: str, text: str, parent: str | None = None) -> str:
    """A title that names no subject ("Registration deadline") takes the first line of the
    thread's parent (for a reply) or of the message as one ("R Dev Day @ Imperial:
    registration deadline")."""
    if not GENERIC_TITLE.match(title):
        named = _named_in_text(title, text) if NAMEABLE_TITLE.match(title) else None
        return named or title
    if parent:
        with_parent = _with_subject(title, parent)
        if with_parent != title:
            return with_parent
    named = _named_in_text(title, text)
    if named is not None:
        return named
    sentences = split_sentences(text)  # stripped, none empty
    first_line = sentences[0] if sentences else ""
    headline = make_title(first_line).rstrip("!.? ")
    if (
        not headline
        or title.lower().rstrip(".!") in headline.lower()
        or GENERIC_TITLE.match(headline)
        or NOW_MARKERS.search(headline)
        or NO_HEADLINE.match(headline)
        or len(re.findall(r"[A-Za-z]\w*", headline)) > 8
    ):
        return title  # no better subject: a chatty or live first line would only add noise
    combined = f"{headline}: {title[0].lower() + title[1:]}"
    return combined if len(combined) <= MAX_TITLE_CHARS else title


def _truncate(text: str, limit: int) -> str:
    text = SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _confidence(draft: _Draft, anchors: tuple[Anchor, ...], broadcast: bool) -> float:
    score = 0.45
    if draft.keyword.category != "unknown":
        score += 0.15
    if draft.dates:
        score += 0.2 if draft.dates[0].source == "explicit" else 0.15
    elif draft.keyword.category == "risk" and SEVERITY.search(draft.sentence):
        score += 0.15
    if anchors:
        score += 0.1
    if broadcast:
        score += 0.05
    return round(min(score, 0.95), 2)


def _clauses(sentence: str, message: ExtractionInput) -> list[tuple[str, list[DateMention]]]:
    """A sentence listing several dated things, cut into one (text, dates) group per date."""
    groups: list[tuple[str, list[DateMention]]] = []
    for clause in CLAUSE_BREAK.split(sentence):
        dates = find_dates(clause, message.message_time, message.timezone)
        if dates or not groups:
            groups.append((clause, sorted(dates, key=_specificity)))
        else:
            text, previous = groups[-1]
            groups[-1] = (f"{text}, {clause}", previous)
    if groups and not groups[0][1] and len(groups) > 1:  # a lead-in without a date joins the next
        lead, _ = groups.pop(0)
        text, dates = groups[0]
        groups[0] = (f"{lead}, {text}", dates)
    return groups


def _times_on_their_day(dates: list[DateMention]) -> list[DateMention]:
    """A sentence with one day and times apart from it ("LOI deadline (12 p.m. EST): January
    21"): the times are on that day, not on the message's."""
    days = [d for d in dates if d.precision in ("datetime", "day") and not TIME_ONLY.match(d.text)]
    if len({d.start.date() for d in days}) != 1:
        return list(dates)
    return [_on_day(d, days[0]) if TIME_ONLY.match(d.text) else d for d in dates]


def _segment_drafts(
    sentence: str,
    message: ExtractionInput,
    previous: _Draft | None,
    help_talk: bool,
    prior: str = "",
) -> tuple[list[_Draft], list[DateMention]]:
    """Drafts for one sentence, and its dates when it holds no event of its own (`prior`: the
    sentence before it)."""
    dates = _times_on_their_day(find_dates(sentence, message.message_time, message.timezone))
    dates.sort(key=_specificity)
    if len(dates) > 1 and CORRECTION_WORD.search(sentence):
        # "Fri 21 July, 14:00 UTC Now Mon 24 July 15:00 UTC": the corrected date comes first
        dates.sort(key=lambda mention: not _corrected(sentence, mention))  # stable
    keywords = find_keywords(sentence, help_talk)
    if message.thread_parent is not None or not message.links:
        # "I wrote a template for them" answers someone; "made a tool" shares it by its link
        keywords = [keyword for keyword in keywords if not keyword.shared_by_link]
    if keywords and sentence.rstrip().endswith("?"):
        return [], []  # a question ("who is on release duty next week?") announces nothing
    if not keywords:
        if (
            dates
            and previous is not None
            and previous.dates
            and _completes(previous, dates, sentence)
        ):
            return [], []
        # "• Dec 10 - checkout 3.5" under a dated item: another item of the same list. A line
        # with only a date is one when the line before it names the item ("Open to Closure",
        # then "Tuesday Oct 31"); not a second day of the same event ("Tuesday Nov 19 <link>"
        # under "Monday Nov 18 <link>") nor a field's value ("Award start date:", "Sept 1").
        if (
            dates
            and previous is not None
            and previous.dates
            and dates[0].span[0] <= 3
            and dates[0].start.date() != previous.dates[0].start.date()
        ):
            if _names_something(sentence, dates):
                return [_Draft(sentence, previous.keyword, dates)], []
            if _is_a_name(prior, message):
                item = f"{prior}: {sentence}"
                item_dates = find_dates(item, message.message_time, message.timezone)
                return [_Draft(item, previous.keyword, sorted(item_dates, key=_specificity))], []
        return [], dates
    # "Next week: community call, Wednesday Dec 2 at 15:00" is one event: the coarse date (a
    # week, a month) only frames the precise one.
    precise = [d for d in dates if d.precision in ("datetime", "day")] or dates
    if len({d.start.date() for d in precise}) < 2:
        return [_Draft(sentence, keywords[0], dates)], []
    drafts = []
    for text, clause_dates in _clauses(sentence, message):
        clause_keywords = find_keywords(text, help_talk)
        drafts.append(_Draft(text, clause_keywords[0] if clause_keywords else keywords[0],
                             clause_dates))  # fmt: skip
    return drafts, []


# What may stand before a heading's value: a field label ("When:", "Date:") or a few signs.
FIELD_LABEL = re.compile(r"\s*(?:[A-Za-z]+(?: [A-Za-z]+)?:\s*|\W{0,3})")
# The words that replace a date with another: "now", "moved to", "rescheduled to", "instead".
CORRECTION = re.compile(
    r"\b(?:now|moved to|rescheduled to|postponed to|pushed to|new date|instead(?: on)?)\W*$",
    re.IGNORECASE,
)

CORRECTION_WORD = re.compile(
    r"\b(?:now|moved|rescheduled|postponed|pushed|new date|instead)\b", re.I
)


def _corrected(sentence: str, mention: DateMention) -> bool:
    """Whether `mention` replaces an earlier date ("… Now Mon 24 July")."""
    start = mention.span[0]
    return sentence[start : mention.span[1]] == mention.text and (
        CORRECTION.search(sentence, max(0, start - 24), start) is not None
    )


def _completes(previous: _Draft, dates: list[DateMention], sentence: str) -> bool:
    """Whether a dated line without an event word completes the date of the event above it,
    which it then takes: the day of a heading that gave only a time ("Bimonthly meeting at
    15:00" then "Jan 24, Mar 21, …"), or the precise day inside a heading's coarse one ("Next
    week: community call" then "Wednesday, January 21 at 15:00 UTC")."""
    days = [d for d in dates if d.precision in ("datetime", "day") and not TIME_ONLY.match(d.text)]
    first = min(mention.span[0] for mention in dates)
    if not days or not FIELD_LABEL.fullmatch(sentence[:first]):
        return False  # the line must start with its day ("When: …"), as a heading's value does
    day = days[0]
    if all(TIME_ONLY.match(mention.text) for mention in previous.dates):
        moved = [_on_day(time, day) for time in previous.dates]
        previous.dates[:] = sorted([*moved, day], key=_specificity)
        return True
    frame = previous.dates[0]
    if frame.precision not in ("week", "month") or frame.source != "relative":
        return False
    reach = timedelta(days=7 if frame.precision == "week" else 31)
    if abs(day.start - frame.start) > reach:
        return False
    previous.dates[:] = sorted([*dates, *previous.dates], key=_specificity)
    return True


CONTENT_WORD = re.compile(r"[A-Za-z][\w'-]*")
FUNCTION_WORDS = frozenset(
    {"at", "on", "by", "from", "to", "until", "till", "in", "and", "or", "the", "a", "an", "of"}
    | {"utc", "gmt", "est", "edt", "pst", "pdt", "cet", "cest", "bst", "ist", "am", "pm", "time"}
    | {"local", "your", "find", "here", "link", "zoom", "join", "register", "details", "via"}
)


def _names_something(sentence: str, dates: list[DateMention]) -> bool:
    """Whether a line has a word of its own besides its dates, times, zones and links."""
    words = _undated_words(URL.sub(" ", sentence), dates)
    return any(word.lower() not in FUNCTION_WORDS for word in words)


def _is_a_name(line: str, message: ExtractionInput) -> bool:
    """Whether a line reads as the name of a listed item: short, undated, no field label."""
    return (
        bool(line)
        and not line.rstrip().endswith((":", "?"))
        and len(CONTENT_WORD.findall(line)) <= 16
        and not find_dates(line, message.message_time, message.timezone)
    )


def _undated_words(text: str, dates: list[DateMention]) -> list[str]:
    """The words of a text outside its date phrases. The mentions were found sentence by
    sentence, so each is taken out by its text, not by a span into `text`."""
    for mention in dates:
        text = text.replace(mention.text, " ", 1)
    return re.findall(r"[A-Za-z][\w'-]*", text)


def _announces_undated(draft: _Draft, message: ExtractionInput, help_talk: bool) -> bool:
    """A community event or deadline announced before its date is in the text ("the next data
    jam is posted!", "save the date: <event page>"): still an event, dated unknown. Only for a
    top-level message that is no help request."""
    if message.thread_parent is not None or help_talk or SELF_INTRODUCTION.match(message.text):
        return False
    if draft.keyword.category not in ("marketing", "process"):
        return False
    sentence = draft.sentence
    if _agenda_item(sentence, message.text):
        return False  # "• Upcoming virtual dev day" among a meeting's topics: a topic
    return UNDATED_ANNOUNCEMENT.search(sentence) is not None or any(
        is_event_page(link) for link in URL.findall(sentence)
    )


# A live stream's address: posting it says the stream is on.
LIVE_STREAM = re.compile(
    r"^https?://(?:www\.|m\.)?(?:youtube\.com/live/|twitch\.tv/|youtube\.com/watch\?v=\S+&live)"
)


def _joined_now(draft: _Draft, message: ExtractionInput, help_talk: bool) -> bool:
    """A community event or meeting posted with the link to join it and no date ("Second office
    hour: <zoom link>", "Keynote live streaming: <link>"): it is on now. Only for a top-level
    message that is no help request ("please join here: <meet link>" to debug together)."""
    if message.thread_parent is not None or help_talk:
        return False
    if draft.keyword.category not in ("marketing", "process"):
        return False
    return any(anchor.kind == "meeting" for anchor in message.anchors) or any(
        LIVE_STREAM.match(link) for link in message.links
    )


LIST_ITEM = re.compile(r"^\s*(?:[•*\-–]|\d{1,2}[.)])\s+(?P<item>.+)$", re.MULTILINE)


def _agenda_item(sentence: str, text: str) -> bool:
    """Whether a sentence is one item of a bulleted list of three or more topics."""
    return sentence in _list_items(text)


def _bulleted(sentence: str, text: str) -> bool:
    """Whether a sentence is (the start of) a bulleted or numbered line of `text`."""
    return LIST_ITEM.match(sentence) is not None or sentence in _bullets(text)[0]


def _list_items(text: str) -> frozenset[str]:
    """The first sentence of each item of the text's bulleted list, when it has three or more."""
    first_sentences, items = _bullets(text)
    return first_sentences if items >= 3 else frozenset()


@lru_cache(maxsize=8)
def _bullets(text: str) -> tuple[frozenset[str], int]:
    """The first sentence of every bulleted or numbered line of `text`, and how many such lines
    (made once per message: every undated draft asks)."""
    items = [found.group("item").strip() for found in LIST_ITEM.finditer(text)]
    return frozenset(first[0] for item in items if (first := split_sentences(item))), len(items)


def _on_day(time: DateMention, day: DateMention) -> DateMention:
    """A time-only mention moved to the day an earlier line of the message named."""
    local_day = day.start.date()

    def moved(moment: datetime) -> datetime:
        return moment.replace(year=local_day.year, month=local_day.month, day=local_day.day)

    end = moved(time.end) if time.end is not None and time.end.date() == time.start.date() else None
    return replace(time, start=moved(time.start), end=end, source=day.source)


def _event_page(message: ExtractionInput, text: str, dates: list[DateMention]) -> list[_Draft]:
    """A post that is little more than a link to an event page (a meetup, a ticket or
    registration page): an announcement of that event, titled from the page's address."""
    pages = [link for link in message.links if is_event_page(link)]
    if not pages or len(re.findall(r"[A-Za-z]\w*", URL.sub("", text))) > 8:
        return []
    if PAST_TALK.search(text):
        return []  # "the webinar recording is up: <page>": the page of a past event
    name = _page_name(pages[0])
    if not name:
        return []
    return [_Draft(f"{name} {pages[0]}", COMMUNITY_EVENT, sorted(dates, key=_specificity))]


def _starting_now(text: str, message: ExtractionInput) -> list[_Draft]:
    """A post that says something starts about now announces it even without an event word
    ("AMER contributor hour starting in 5 minutes!"): the event is what the line names, or the
    next line when it only says that ("Starting in one hour!!" above the talk's title)."""
    sentences = split_sentences(text)[:MAX_SENTENCES]
    for index, sentence in enumerate(sentences):
        found = STARTING_NOW.search(sentence)
        if found is None or sentence.rstrip().endswith("?"):
            continue
        name = f"{sentence[: found.start()]} {sentence[found.end() :]}".strip()
        dates = find_dates(name, message.message_time, message.timezone)
        if not _names_something(name, dates):
            following = sentences[index + 1 : index + 2]
            if not following or not _names_something(following[0], []):
                return []
            name, dates = following[0], []
        # the start's own date ("in one hour"), else the message's time ("starting now")
        dates = dates or find_dates(sentence, message.message_time, message.timezone)
        return [
            _Draft(name, COMMUNITY_EVENT, sorted(dates, key=_specificity) or [_posted(message)])
        ]
    return []


def _slack_reminder(text: str, message: ExtractionInput) -> list[_Draft]:
    """A /remind someone set for the channel ("Reminder: It is time to generate the quarterly
    patch file."), which names no event word: a task of the day, or of the date it gives."""
    if not message.slack_reminder:
        return []
    task = re.sub(r"^\s*reminder:\s*", "", text, flags=re.IGNORECASE)
    first = next((sentence for sentence in split_sentences(task) if sentence.strip()), "")
    if not re.search(r"[A-Za-z]{3}", first):
        return []
    dates = find_dates(first, message.message_time, message.timezone)
    return [_Draft(first, SLACK_REMINDER, sorted(dates, key=_specificity) or [_posted(message)])]


def _posted(message: ExtractionInput) -> DateMention:
    """The message's own time as a date: what "starting now" or a reminder is dated by."""
    return DateMention(message.message_time, None, "datetime", "message_time", "", (0, 0))


def _page_name(url: str) -> str:
    """The event's name from its page's address: '…/Houston-Data-Visualization-Meetup/events/1'
    -> 'Houston Data Visualization Meetup', '…/intro-to-python-tickets-123' -> 'Intro to python'."""
    path = [part for part in urlsplit(url).path.split("/") if part]
    for part in reversed(path):
        words = re.sub(r"[-_]+", " ", re.sub(r"-tickets?-\d+$|\.\w+$", "", part)).strip()
        if re.search(r"[A-Za-z]{3}", words) and words.lower() not in GENERIC_PAGE_PARTS:
            return words[0].upper() + words[1:]
    return ""


# A dated reply about the replier or hedged ("I can take Nov 3", "Ping me after Oct 14", "Not
# sure, maybe Oct 30") says nothing of when the parent's event is.
REPLY_ABOUT_THE_REPLIER = re.compile(
    r"\b(?:I|I'm|I'll|I've|I'd|me|my|maybe|perhaps|not sure|probably)\b", re.IGNORECASE
)


def _announces_a_version(headline: str) -> bool:
    """A message's first sentence that announces a version as it goes out (RELEASE_HEADLINE),
    not a plan, a past or a note (NOT_A_HEADLINE). Only the first: "Release: 1.0.0 - 2019"
    further down is a line of a changelog."""
    return RELEASE_HEADLINE.match(headline) is not None and NOT_A_HEADLINE.search(headline) is None


# What may come before the date in a reply that answers with it: "yes, wednesday 10:00 UTC".
REPLY_LEAD = re.compile(
    r"\W*(?:(?:yes|yep|yeah|yup|sure|correct|confirmed|indeed|it's|it is|that's|on|ok|okay"
    r"|hell yes|done|doing it|booked(?: it)?|scheduled|here|let's (?:do|have|make) it"
    # a link's text: "here: example.org/webinar — it's Tuesday 11 May"
    r"|[\w-]+(?:\.[\w-]+)+(?:/[\w./-]*)?"
    # the nth weekday of a month: "2nd Tuesday as usual -> Mar 9"
    r"|1st|2nd|3rd|4th|first|second|third|fourth|last)\b\W*)*",
    re.IGNORECASE,
)
# Where the clause of a reply's date ends.
CLAUSE_END = re.compile(r"[,;.!?](?:\s|$)")
# Words a reply may add after the date it opens with ("Thursday 17:00 UTC, link in the channel
# topic"); a reply that starts elsewhere may add four ("regression run starts Wednesday" under
# a release names another thing).
MAX_REPLY_DETAIL_WORDS = 10


def _first_date(text: str, dates: list[DateMention]) -> tuple[int, DateMention] | None:
    """Where in `text` its first written date is, and which one; None when none is written."""
    found = [(start, mention) for mention in dates if (start := text.find(mention.text)) >= 0]
    return min(found, key=lambda pair: pair[0]) if found else None


def _reply_detail_words(text: str, dates: list[DateMention]) -> int:
    """How many words besides its dates a reply may have and still only date its parent."""
    first = _first_date(text, dates)
    if first is not None and REPLY_LEAD.fullmatch(lead := text[: first[0]]):
        return MAX_REPLY_DETAIL_WORDS + len(CONTENT_WORD.findall(lead))  # no detail words
    return 4


def _about_the_replier(text: str, dates: list[DateMention]) -> bool:
    """Whether a reply speaks of its writer where it gives the date ("Thursday works for me",
    "I'm free on the 3rd"), not in a later clause ("Thursday 17:00 UTC, I'll bring the
    flamegraphs")."""
    first = _first_date(text, dates)
    if first is None:
        return REPLY_ABOUT_THE_REPLIER.search(text) is not None
    start, mention = first
    clause_end = CLAUSE_END.search(text, start + len(mention.text))
    return (
        REPLY_ABOUT_THE_REPLIER.search(text[: clause_end.start() if clause_end else None])
        is not None
    )


# A question about the past: the reply dates what happened ("what was the date of the last
# release?" / "Friday the 27th").
PAST_QUESTION = re.compile(
    r"\b(?:when|what|which)\b[^?.!\n]{0,40}\b(?:was|were|did)\b[^?.!\n]{0,80}\?", re.IGNORECASE
)


def _reply_to_parent(
    message: ExtractionInput, dates: list[DateMention], help_talk: bool
) -> list[_Draft]:
    """A thread reply that only gives a date ("By the end of May.") dates the event its parent
    names: one draft titled from the parent's first sentence with an event keyword. A longer
    reply ("QA plan is in PAY-1, regression run starts Wednesday") dates something else."""
    reply = URL.sub(" ", message.text)  # "here: <link> — it's Tuesday 11 May, 17:00 CEST"
    if (
        message.text.rstrip().endswith("?")
        or PAST_QUESTION.search(message.thread_parent or "")
        or len(dates) > MAX_REPLY_DATES
        or len(_undated_words(reply, dates)) > _reply_detail_words(reply, dates)
        or _about_the_replier(reply, dates)
    ):
        return []
    # the parent is often a question: "When is 1.3 released?" / "By the end of May."
    named = _first_naming(
        strip_code(message.thread_parent or ""),
        lambda sentence: next(iter(find_keywords(sentence, help_talk)), None),
    )
    return [_Draft(named[0], named[1], sorted(dates, key=_specificity))] if named else []


def _acknowledged_incident(message: ExtractionInput) -> list[_Draft]:
    """A reply that takes up the outage its thread parent reports ("the docs site seems down"
    / "yes we see it, fixing now"): the incident, titled by the parent, dated by the reply."""
    if not acknowledges_an_outage(message.text):
        return []
    parent = strip_code(message.thread_parent or "")
    parent_help = is_help_talk(parent)
    named = _first_naming(
        parent, lambda sentence: outage_keyword(sentence, parent_help), MAX_NAMING_SENTENCES
    )
    return [_Draft(named[0], named[1], [])] if named else []


def _first_naming(
    parent: str,
    keyword_of: Callable[[str], EventKeyword | None],
    max_sentences: int | None = None,
) -> tuple[str, EventKeyword] | None:
    """The first sentence of a reply's thread parent (`parent`, code left out) in which
    `keyword_of` finds a keyword, with that keyword; None when no sentence has one."""
    for sentence in split_sentences(parent)[:max_sentences]:
        if (keyword := keyword_of(sentence)) is not None:
            return sentence, keyword
    return None


# A title that is only a call to action or a pronoun names no event ("Join us.", "See you
# there!", "It" of "It starts in about an hour").
CALL_TO_ACTION = re.compile(
    r"^(?:join us|see you(?: all)? there|rsvp|register(?: here| now)?|save the date|tickets"
    r"|sign up(?: here)?|it|this|that|they)\W*$",
    re.IGNORECASE,
)


def _named_elsewhere(text: str, message: ExtractionInput, help_talk: bool) -> str:
    """The title for an event whose own sentence only calls to action ("Join us."): the first
    other sentence with an event word, a dated first sentence that names something ("Our
    first comm call of the year starts in one hour!"), the event page's name, or for a reply
    the gathering its thread parent names ("Thursday 6pm, see you there" under "Next meetup at
    the Loft"); "" when nothing names it ("Cool. See you there!"). The first sentences only:
    an event is named near the top."""
    sentences = [
        line
        for line in split_sentences(text)[:MAX_NAMING_SENTENCES]
        if not CALL_TO_ACTION.match(line)
    ]
    for line in sentences:
        if (title := _named_in(line, message, help_talk)) is not None:
            return title
    if sentences and (found := find_dates(sentences[0], message.message_time, message.timezone)):
        first = make_title(sentences[0], dates=tuple(found)).rstrip("!.? ")
        if 2 <= len(CONTENT_WORD.findall(first)) <= 10 and not CALL_TO_ACTION.match(first):
            return first
    pages = [link for link in message.links if is_event_page(link)]
    if pages:
        return _page_name(pages[0])  # "Join us! <meetup.com/rladies-rome/events/1>"
    parent = split_sentences(strip_code(message.thread_parent or ""))[:MAX_NAMING_SENTENCES]
    for line in parent:
        if (title := _named_in(line, message, help_talk, GATHERING_HEADS)) is not None:
            return title
    return ""


def _named_in(
    line: str, message: ExtractionInput, help_talk: bool, actions: Container[str] | None = None
) -> str | None:
    """The title of the event `line` names (of one of `actions`, when given), dates taken out;
    None when it names none or only calls to action."""
    keywords = find_keywords(line, help_talk)
    if not keywords or (actions is not None and keywords[0].action not in actions):
        return None
    dates = tuple(find_dates(line, message.message_time, message.timezone))
    title = make_title(line, keywords[0].action, dates)
    return None if CALL_TO_ACTION.match(title) else title


def _version(text: str) -> str | None:
    """The first version `text` names, normalised (`_same_version`)."""
    found = RELEASE_SUBJECT.search(text)
    return _same_version(found["version"]) if found else None


def _same_version(version: str) -> str:
    """A version without its "v" and trailing ".0"s: "v1.8.0" and "1.8" are the same."""
    return TRAILING_ZEROS.sub("", version.lower().lstrip("v"))


def _another_release(draft: _Draft, events: list[ExtractedEvent], text: str) -> bool:
    """Whether an undated line after the message's first event announces a release of its own:
    a post with several "X v1.2 released" headings, each a version no earlier event names (not
    a changelog bullet under one)."""
    if draft.keyword.name != "release" or _bulleted(draft.sentence, text):
        return False
    if detect_status(draft.sentence) != "completed" and not NOW_MARKERS.search(draft.sentence):
        return False
    named, said = (
        RELEASE_SUBJECT.search(draft.sentence),
        draft.keyword.pattern.search(draft.sentence),
    )
    # a heading names the version first ("Acme Go v0.8.0 Released"), not "fixed in 2.1"
    if named is None or said is None or named.start() > said.start():
        return False
    version = _same_version(named["version"])
    return all(_version(event.title) != version for event in events)


def _told_again(found: ExtractedEvent, new: ExtractedEvent) -> bool:
    """Whether `new` is an event of the same message told again: the same title, or the same
    day unless both give different times of day for different kinds of event ("See you in
    one hour" then "Wednesday, June 28, 4pm UTC"; not "EMEA 10:00" and "AMER 17:00" talks)."""
    if found.title.casefold() == new.title.casefold():  # unless two explicit dates of a series
        return not (found.date_source == new.date_source == "explicit")
    versions = (_version(found.title), _version(new.title))
    if None not in versions and versions[0] != versions[1]:
        return False  # "Helm v0.0.26 released", then "Go v0.8.0 released"
    if found.event_date is None or new.event_date is None:
        return False
    if _within_frame(found, new) or _within_frame(new, found):
        return True  # "is up in two weeks" then "When: Tuesday December 2nd 14:00"
    if found.event_date.date() != new.event_date.date():
        return False
    both_timed = found.date_precision == new.date_precision == "datetime"
    return found.category == new.category or not both_timed or found.event_date == new.event_date


def _within_frame(frame: ExtractedEvent, precise: ExtractedEvent) -> bool:
    """Whether `frame` gives only a rough, relative time ("next week", "in two weeks") and
    `precise` a day within it."""
    if frame.date_source != "relative" or frame.date_precision not in ("week", "month"):
        return False
    if precise.date_precision not in ("day", "datetime") or precise.event_date is None:
        return False
    assert frame.event_date is not None
    reach = timedelta(days=7 if frame.date_precision == "week" else 31)
    return abs(precise.event_date - frame.event_date) <= reach


def _merged(found: ExtractedEvent, new: ExtractedEvent) -> ExtractedEvent:
    """One event from two tellings: the first title (unless it names nothing) and the more
    precise, explicit date."""
    merged = found
    if CALL_TO_ACTION.match(found.title) and not CALL_TO_ACTION.match(new.title):
        merged = replace(merged, title=new.title)
    if new.event_date is not None and _date_rank(new) < _date_rank(found):
        merged = _dated_as(merged, new)
    return replace(merged, confidence=max(found.confidence, new.confidence))


def _dated_as(event: ExtractedEvent, source: ExtractedEvent) -> ExtractedEvent:
    """`event` with `source`'s date, end, precision and date source."""
    return replace(
        event,
        event_date=source.event_date,
        event_end=source.event_end,
        date_precision=source.date_precision,
        date_source=source.date_source,
    )


def _date_rank(event: ExtractedEvent) -> tuple[int, int]:
    if event.event_date is None:
        return (99, 9)
    source = {"explicit": 0, "relative": 1, "message_time": 2}.get(event.date_source, 3)
    return (PRECISION_RANK.get(event.date_precision or "", 9), source)


def extract_events(message: ExtractionInput, max_events: int = 5) -> list[ExtractedEvent]:
    """Events announced in one message, each with its own date; deterministic for equal input.
    The message's link previews say what its links announce (`_with_previews`)."""
    events = _message_events(message, max_events)
    if message.previews:
        events = _with_previews(message, events)[:max_events]
    return events


# Previews read per message: a message that unfurls more links than this is a link dump.
MAX_PREVIEWS_READ = 3
# A social post's preview is titled by its author ("Ana Lima (@ana@fosstodon.org)"): its text is
# what it says.
BYLINE = re.compile(r"\(@[^()\s]+\)\s*$")


def _preview_events(message: ExtractionInput, preview: LinkPreview) -> list[ExtractedEvent]:
    """The events a link's preview announces with a date written in it ("Swirl Package in R,
    Sat, Jul 22, 2023, 10:00 AM"), read as a message of its own posted with the link. Undated
    ones, or ones dated only by the message's time ("is out"), say nothing about the link's
    event: a GitHub issue, a docs page or a recording announces nothing by being linked."""
    if preview.title and not BYLINE.search(preview.title) and not find_keywords(preview.title):
        # A page whose title names no event (a file, an issue, a docs page): what its body
        # mentions is not what the link announces. An event page's title is its event's name.
        return _event_page_preview(message, preview)
    text = "\n".join(part for part in (preview.title, preview.text) if part)
    alone = ExtractionInput(
        text=text,
        message_time=message.message_time,
        timezone=message.timezone,
        links=(preview.url,) if preview.url else (),
    )
    found = []
    for event in _message_events(alone, MAX_PREVIEWS_READ):
        if event.date_source != "explicit" or event.event_date is None:
            continue
        if preview.title and not find_keywords(event.title):  # "Join us in Lisbon on May 6"
            event = replace(event, title=make_title(preview.title, event.action) or event.title)
        found.append(replace(event, links=message.links[:MAX_LINKS] or event.links))
    return found


def _event_page_preview(message: ExtractionInput, preview: LinkPreview) -> list[ExtractedEvent]:
    """An event page's preview whose title is the event's name and date ("Swirl Package in R,
    Sat, Jul 22, 2023, 10:00 AM"): that event, on that date."""
    if not (preview.url and is_event_page(preview.url)):
        return []
    dates = [
        mention
        for mention in find_dates(preview.title, message.message_time, message.timezone)
        if mention.source == "explicit"
    ]
    if not dates:
        return []
    draft = _Draft(preview.title, COMMUNITY_EVENT, sorted(dates, key=_specificity))
    date, status = draft.dates[0], detect_status(preview.title)
    if _not_an_upcoming_event(draft, date.start, status, message):
        return []
    title = make_title(preview.title, COMMUNITY_EVENT.action, tuple(dates))
    if not title or CALL_TO_ACTION.match(title):
        return []
    return [
        ExtractedEvent(
            title=title,
            category=COMMUNITY_EVENT.category,
            action=COMMUNITY_EVENT.action,
            status=status,
            event_date=date.start,
            event_end=date.end,
            date_precision=date.precision,
            date_source=date.source,
            confidence=_confidence(draft, message.anchors, message.broadcast),
            summary=_truncate(message.text or preview.title, MAX_SUMMARY_CHARS),
            links=message.links[:MAX_LINKS] or (preview.url,),
            anchors=message.anchors,
        )
    ]


def _with_previews(message: ExtractionInput, events: list[ExtractedEvent]) -> list[ExtractedEvent]:
    """The message's events completed by its link previews: an undated event (a "save the date"
    with a link, an event page) takes the date its link's preview gives; a message that names no
    event of its own but shares a link to one (a meetup page, a shared announcement) announces
    the preview's events. Not for help talk or a message about a past event ("the recording of
    last week's meetup: <link>"), whose links announce nothing new."""
    text = strip_code(message.text)
    if PAST_TALK.search(text):
        return events
    previews = message.previews[:MAX_PREVIEWS_READ]
    if is_help_talk(text):  # only an event page's own preview says what its link announces
        found = [event for preview in previews for event in _event_page_preview(message, preview)]
    else:
        found = [event for preview in previews for event in _preview_events(message, preview)]
    if not found:
        return events
    if not events:
        kept: list[ExtractedEvent] = []
        for event in found:
            same = next((i for i, old in enumerate(kept) if _told_again(old, event)), None)
            if same is None:
                kept.append(event)
            else:
                kept[same] = _merged(kept[same], event)
        return kept
    dated = []
    for event in events:
        if event.event_date is None:
            source = found[0]
            if any(event.title == _page_name(link) for link in message.links):
                event = replace(event, title=source.title)  # named from an address: the page's
            event = _dated_as(event, source)
        dated.append(event)
    return dated


def _in_help_talk(text: str, message: ExtractionInput) -> bool:
    """Whether the message, or the thread it replies in, is someone's own problem: a reply in a
    help thread ("actually it's failing on that task", "it works now after the upgrade") goes on
    with that problem."""
    if is_help_talk(text) or pastes_an_error(message.text):
        return True
    return message.thread_parent is not None and is_help_talk(strip_code(message.thread_parent))


def _message_events(message: ExtractionInput, max_events: int) -> list[ExtractedEvent]:
    """Events announced in the message's own text."""
    drafts: list[_Draft] = []
    loose_dates: list[DateMention] = []
    text = strip_code(message.text)
    help_talk = _in_help_talk(text, message)
    prior = ""
    sentences = split_sentences(text)[:MAX_SENTENCES]  # stripped, none empty
    headline = sentences[0] if sentences else ""
    for sentence in sentences:
        new, dates = _segment_drafts(
            sentence, message, drafts[-1] if drafts else None, help_talk, prior
        )
        prior = sentence
        if new:
            drafts.extend(new)
        elif dates and drafts and not drafts[-1].dates and not sentence.endswith("?"):
            drafts[-1].dates.extend(dates)  # "Release v2 next week. It starts Thursday 10:00."
        else:
            loose_dates.extend(dates)
    if not drafts and loose_dates and message.thread_parent:
        drafts = _reply_to_parent(message, loose_dates, help_talk)
        loose_dates = []
    if not drafts and message.thread_parent and not help_talk:
        drafts = _acknowledged_incident(message)
    if not drafts and not help_talk and message.thread_parent is None:
        drafts = (
            _event_page(message, text, loose_dates)
            or _starting_now(text, message)
            or _slack_reminder(text, message)
        )
    if not drafts:
        return []
    if not drafts[0].dates and loose_dates:
        # "Upcoming event: <title>" then its details: the event is on the details' first date,
        # a "Time:" on the "Date:" line's day; times under another event's day are that one's.
        loose = loose_dates
        if any(not TIME_ONLY.match(d.text) for draft in drafts for d in draft.dates):
            loose = [mention for mention in loose if not TIME_ONLY.match(mention.text)]
        if loose:
            drafts[0].dates.append(sorted(_times_on_their_day(loose), key=_specificity)[0])

    events: list[ExtractedEvent] = []
    dated = any(draft.dates for draft in drafts) or bool(loose_dates)  # then no undated event
    summary = _truncate(message.text, MAX_SUMMARY_CHARS)
    last_day: DateMention | None = None
    name: str | None = None  # the event's name when a draft only calls to action (made once)
    for draft in drafts:
        date = draft.dates[0] if draft.dates else None
        only_times = all(TIME_ONLY.match(mention.text) for mention in draft.dates)
        if date is not None and last_day is not None and only_times:
            date = _on_day(date, last_day)  # "EMEA/APAC, 10:00-11:00 UTC" under "Thursday March 9"
            if any(e.event_date and e.event_date.date() == date.start.date() for e in events):
                continue  # the time of an event already found, not another event
        elif date is not None and not only_times:
            last_day = date
        if events and date is not None and date.precision in ("week", "month", "quarter"):
            continue  # "February - June 2024" after "First meeting Tuesday 30 January": context
        # Once the message has an event, a sentence without a date of its own is a detail of it
        # ("Meetup sign-up is helpful"); one told again is merged below (_told_again).
        if date is None and events and not _another_release(draft, events, text):
            continue
        if name == "" and CALL_TO_ACTION.match(draft.sentence):
            continue  # another call to action in a message that names no event
        status = detect_status(draft.sentence)
        if date is not None and _names_a_period(date, draft.sentence, message):
            date = None  # "the October 2023 issue is out now": out now, about October
        if date is not None:
            start, end, precision, source = date.start, date.end, date.precision, date.source
        elif (
            # something broken is news now; "certificate", "audit", "maintenance" need a date
            (draft.keyword.category == "risk" and draft.keyword.action == "Incident")
            # "I'm stuck on the workshop exercise": a help request's state is not news
            or (status in HAPPENING_NOW and not (help_talk and HELP_STATE.search(draft.sentence)))
            or draft.keyword.out_when_posted
            or (NOW_MARKERS.search(draft.sentence) and not HABIT.search(draft.sentence))
            or (draft.sentence == headline and _announces_a_version(draft.sentence))
            or (not events and not dated and _joined_now(draft, message, help_talk))
        ):
            start, end, precision, source = message.message_time, None, "datetime", "message_time"
        elif not events and not dated and _announces_undated(draft, message, help_talk):
            start, end, precision, source = None, None, None, "unknown"
        else:
            continue  # an undated plan ("we should launch it at some point") is not an event
        if _not_an_upcoming_event(draft, start, status, message, precision):
            continue
        severity = SEVERITY.search(draft.sentence)
        event = ExtractedEvent(
            title=_with_subject(
                make_title(draft.sentence, draft.keyword.action, tuple(draft.dates)),
                text,
                message.thread_parent,
            ),
            category=draft.keyword.category,
            action=draft.keyword.action,
            status=status,
            event_date=start,
            event_end=end,
            date_precision=precision,
            date_source=source,
            confidence=_confidence(draft, message.anchors, message.broadcast),
            summary=summary,
            links=message.links[:MAX_LINKS],
            anchors=message.anchors,
            severity=(f"sev{severity.group(1)}" if severity.group(1) else severity.group(2).lower())
            if severity
            else None,
        )
        if CALL_TO_ACTION.match(event.title):  # "See you there!": the event is named elsewhere
            if name is None:
                name = _named_elsewhere(text, message, help_talk)
            if not name:
                continue
            event = replace(event, title=name)
        if source == "unknown" and _mentioned_in_passing(draft.sentence, event.title):
            continue  # "we'll talk about HDF5 in the next meetup": neither when nor which
        same = next((i for i, found in enumerate(events) if _told_again(found, event)), None)
        if same is not None:
            events[same] = _merged(events[same], event)
            continue
        events.append(event)
        if len(events) == max_events:
            break
    return events
