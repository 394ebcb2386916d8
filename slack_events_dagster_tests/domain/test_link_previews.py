"""Link previews (Slack unfurls) from payload to extractor: stored as plain text, read as what
the link announces, never as an event of their own when the link is an ordinary page."""

import json
from datetime import UTC, datetime

from slack_events_dagster.domain.candidates import candidate_row, extraction_input, previews_of
from slack_events_dagster.domain.llm import cache_key, stated_years, user_payload
from slack_events_dagster.domain.messages import (
    MAX_PREVIEW_TEXT_CHARS,
    MAX_PREVIEWS,
    MessageFilter,
    SkipCounter,
    SlackChannel,
    link_previews,
    message_row,
)
from slack_events_dagster.domain.rules import ExtractionInput, LinkPreview, extract_events
from slack_events_dagster.domain.scoring import ChannelPolicy, ScoreWeights

CHANNEL = SlackChannel("C1", "community")
POSTED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # Monday 1 March 2027
MEETUP_URL = "https://www.meetup.com/springfield-data/events/401234567/"
MEETUP = {
    "service_name": "Meetup",
    "title": "Plotting Birds with *ggplot*, Sat, Mar 13, 2027, 10:00 AM | Meetup",
    "title_link": MEETUP_URL,
    "text": "Bring a laptop &amp; <https://example.org/birds|the bird data>.",
}
ISSUE = {
    "service_name": "GitHub",
    "title": "#812 Crash when reading empty parquet files",
    "title_link": "https://github.com/example/birdwatch/issues/812",
    "text": "Since v0.4 the reader fails. Release 0.5 is planned for March 20, 2027.",
    "fields": [{"title": "Labels", "value": "bug"}],
}


def _row(message: dict) -> tuple[dict | None, tuple[str, ...]]:
    base = {"type": "message", "user": "U1", "ts": "1803978000.000100", "text": ""}
    return message_row(CHANNEL, base | message, {}, MessageFilter())


def _input(text: str, *previews: LinkPreview, **kw: object) -> ExtractionInput:
    return ExtractionInput(text=text, message_time=POSTED, timezone="UTC", previews=previews, **kw)


def _preview(attachment: dict) -> LinkPreview:
    (stored,) = link_previews([attachment], [])
    return LinkPreview(**stored)


def test_a_message_stores_its_previews_as_plain_text_without_the_site_name() -> None:
    row, repairs = _row({"text": f"<{MEETUP_URL}>", "attachments": [MEETUP, ISSUE]})
    assert row is not None and repairs == ()
    meetup, issue = row["link_previews"]
    assert meetup == {
        "title": "Plotting Birds with ggplot, Sat, Mar 13, 2027, 10:00 AM",
        "text": "Bring a laptop & the bird data.",
        "service": "Meetup",
        "url": MEETUP_URL,
    }
    assert issue["text"].endswith("\nLabels: bug")  # fields read as "Title: value" lines
    assert row["attachment_count"] == 2


def test_a_message_without_previews_stores_none() -> None:
    row, _ = _row({"text": "hello there", "attachments": [{"id": 1, "color": "36a64f"}]})
    assert row is not None and row["link_previews"] is None and row["attachment_count"] == 1


def test_damaged_previews_are_repaired_or_skipped_and_counted_once_per_kind() -> None:
    huge = {"title": "Notes", "text": "bird " * 10_000, "title_link": "https://x.org/" + "a" * 3000}
    odd = [
        "not an object",
        {"title": 42, "text": ["a", "list"]},  # wrong types, nothing left: skipped
        {"title": None, "fields": "no list"},
        huge,
        *[{"title": f"Page {n}"} for n in range(MAX_PREVIEWS + 2)],
    ]
    row, repairs = _row({"text": "links", "attachments": odd})
    assert row is not None
    assert repairs == ("bad_field:link_previews", "truncated:link_previews")
    previews = row["link_previews"]
    assert len(previews) == MAX_PREVIEWS
    assert previews[0]["title"] == "Notes" and previews[0]["url"] == ""
    assert len(previews[0]["text"]) == MAX_PREVIEW_TEXT_CHARS
    counter = SkipCounter()
    counter.note(repairs, True, "community/2027-03-01.json", "1803978000.000100")
    assert counter.bad == {"bad_field:link_previews": 1, "truncated:link_previews": 1}


def test_an_api_payload_with_attachments_of_the_wrong_type_is_kept_and_named() -> None:
    row, repairs = _row({"text": "see link", "attachments": {"title": "x"}})
    assert row is not None and row["link_previews"] is None
    assert repairs == ("bad_field:attachments",)


def test_candidates_carry_previews_to_the_extractor() -> None:
    row, _ = _row({"text": f"Come along! <{MEETUP_URL}>", "attachments": [MEETUP]})
    assert row is not None
    policy = ChannelPolicy("UTC", float("-inf"), ScoreWeights(), frozenset())
    candidate = candidate_row(row, policy, {})
    assert candidate is not None and candidate["link_previews"] == row["link_previews"]
    message = extraction_input(candidate, "UTC")
    assert message.previews == (_preview(MEETUP),)
    assert previews_of(None) == () and previews_of([{"title": "x"}, "junk"]) == (LinkPreview("x"),)


def test_a_bare_event_page_link_is_dated_and_named_by_its_preview() -> None:
    (event,) = extract_events(_input(MEETUP_URL, _preview(MEETUP), links=(MEETUP_URL,)))
    assert event.title == "Plotting Birds with ggplot"
    assert event.event_date == datetime(2027, 3, 13, 10, tzinfo=UTC)
    assert (event.category, event.date_source) == ("marketing", "explicit")
    assert event.links == (MEETUP_URL,)


def test_an_undated_announcement_takes_its_links_preview_date() -> None:
    text = "Save the date: the spring R-Birders meetup! Details and sign-up: " + MEETUP_URL
    preview = LinkPreview("Spring R-Birders meetup", "We meet on Saturday 13 March 2027.")
    (without,) = extract_events(_input(text, links=(MEETUP_URL,)))
    assert without.event_date is None
    (event,) = extract_events(_input(text, preview, links=(MEETUP_URL,)))
    assert event.title == without.title
    assert event.event_date is not None and event.event_date.date().isoformat() == "2027-03-13"


def test_a_shared_link_whose_page_names_a_dated_event_announces_it() -> None:
    preview = LinkPreview("Birdwatch Data Summit 2027", "Join us in Lisbon on May 6-7, 2027!")
    (event,) = extract_events(_input("Might interest some of you", preview))
    assert event.event_date is not None and event.event_date.date().isoformat() == "2027-05-06"
    assert "Birdwatch Data Summit" in event.title


def test_ordinary_links_announce_nothing() -> None:
    issue = _preview(ISSUE)  # an issue whose body names a planned release
    docs = LinkPreview("Configuring the parquet reader", "Options for v0.5, released 2027-03-20.")
    minutes = LinkPreview(
        "2027-02-26.md", "Working group meeting 2027-02-26. Next meetup on March 12, 2027."
    )
    for preview in (issue, docs, minutes):
        assert extract_events(_input("Is this the same bug? " + preview.url, preview)) == []
    # the page of a past event, shared as its recording
    talk = LinkPreview("Birdwatch Data Summit 2027", "Join us in Lisbon on May 6-7, 2027!")
    assert extract_events(_input("The recording of yesterday's talk is up", talk)) == []


def test_a_past_event_page_announces_nothing() -> None:
    old = LinkPreview(
        "Plotting Birds with ggplot, Sat, Feb 13, 2027, 10:00 AM", url=MEETUP_URL, service="Meetup"
    )
    assert extract_events(_input(MEETUP_URL, old, links=(MEETUP_URL,)))[0].event_date is None


def test_a_help_thread_reads_only_event_page_previews() -> None:
    summit = LinkPreview("Birdwatch Data Summit 2027", "Join us in Lisbon on May 6-7, 2027!")
    text = "I get an error when I run the install, any idea how to fix it?"
    assert extract_events(_input(text, summit)) == []


def test_the_llm_reads_previews_and_their_years() -> None:
    preview = _preview(MEETUP)
    plain = _input(MEETUP_URL)
    with_preview = _input(MEETUP_URL, preview)
    payload = json.loads(user_payload(with_preview))
    assert payload["link_previews"] == [
        {"title": preview.title, "text": preview.text, "site": "Meetup"}
    ]
    assert "link_previews" not in json.loads(user_payload(plain))
    assert cache_key("m", plain) != cache_key("m", with_preview)
    assert 2027 in stated_years(with_preview) and 2027 not in stated_years(plain)


HACKATHON_URL = "https://springfield.example.gov/open-challenge/"
HACKATHON = {
    "title": "Springfield Civic Hackathon",
    "title_link": HACKATHON_URL,
    "text": "Three data challenges for residents. Entries are accepted until March 20, 2027.",
}


def _scored(text: str, *attachments: dict) -> dict | None:
    row, _ = _row({"text": text, "attachments": list(attachments)})
    assert row is not None
    return candidate_row(row, ChannelPolicy("UTC", 10.0, ScoreWeights(), frozenset()), {})


def test_a_bare_link_whose_preview_names_a_dated_upcoming_event_is_a_candidate() -> None:
    candidate = _scored(f"<{HACKATHON_URL}>", HACKATHON)
    assert candidate is not None
    assert candidate["features"]["preview_event"] == ScoreWeights().preview_event
    assert _scored(f"<{HACKATHON_URL}>") is None  # the same link without its preview
    # an event page titled by its event and its date ("…, Sat, Mar 13, 2027, 10:00 AM")
    meetup = _scored(f"<{MEETUP_URL}>", MEETUP)
    assert meetup is not None and "preview_event" in meetup["features"]


def test_previews_of_ordinary_pages_or_past_events_add_no_points() -> None:
    past = HACKATHON | {"text": "Entries were accepted until February 20, 2027."}
    minutes = {
        "title": "2027-03-05.md",  # a file whose body names the next meeting: not what it announces
        "title_link": "https://github.com/example/wg/blob/main/minutes/2027-03-05.md",
        "text": "Working group meeting. Next meeting: March 19, 2027.",
    }
    undated = HACKATHON | {"text": "Three data challenges for residents."}
    for preview in (past, minutes, ISSUE, undated):
        assert _scored(f"<{preview['title_link']}>", preview) is None, preview["title"]
    assert ScoreWeights().preview_event > 0
