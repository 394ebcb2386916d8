from datetime import UTC, datetime, timedelta

import pytest

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.rules import (
    ExtractedEvent,
    ExtractionInput,
    extract_events,
    make_title,
    split_sentences,
)

WEDNESDAY = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


def _extract(text: str, when: datetime = WEDNESDAY, tz: str = "UTC", **kw: object):
    return extract_events(ExtractionInput(text=text, message_time=when, timezone=tz, **kw))


def _assert_one_event_on(text: str, action: str | None, when: str, **kw: object) -> ExtractedEvent:
    """`text` yields one event, of `action` (when given), on the day `when` (ISO); returned."""
    (event,) = _extract(text, **kw)
    assert action is None or event.action == action
    assert event.event_date is not None and event.event_date.date().isoformat() == when
    return event


def test_release_with_explicit_date_and_time() -> None:
    (event,) = _extract(
        "Release payments-api v2.14.0 is scheduled for Thursday Nov 26 at 14:00 UTC.",
        anchors=(Anchor("version", "v2.14.0"),),
    )
    assert event.title == "payments-api v2.14.0 release"
    assert (event.category, event.action, event.status) == ("product", "Release", "planned")
    assert event.event_date == datetime(2026, 11, 26, 14, tzinfo=UTC)
    assert (event.date_precision, event.date_source) == ("datetime", "explicit")
    assert event.confidence == 0.9


@pytest.mark.parametrize(
    ("text", "expected_date", "category"),
    [
        (
            "Sprint 47 retro tomorrow at 15:00 UTC",
            datetime(2026, 11, 19, 15, tzinfo=UTC),
            "process",
        ),
        ("code freeze starts next Friday", datetime(2026, 11, 27, tzinfo=UTC), "process"),
        ("Deadline for the planning doc is Friday", datetime(2026, 11, 20, tzinfo=UTC), "process"),
        ("PCI evidence is due Friday", datetime(2026, 11, 20, tzinfo=UTC), "risk"),
        ("Webinar on Dec 3, 2026 about payouts", datetime(2026, 12, 3, tzinfo=UTC), "marketing"),
        ("Priya joins the team on Monday", datetime(2026, 11, 23, tzinfo=UTC), "org"),
    ],
)
def test_relative_and_absolute_dates_resolve_against_the_message_time(
    text: str, expected_date: datetime, category: str
) -> None:
    (event,) = _extract(text)
    assert event.event_date == expected_date
    assert event.category == category


def test_dates_resolve_in_the_channel_timezone() -> None:
    late_evening = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # already Thursday in Amsterdam
    (event,) = _extract("deploy tomorrow at 10:00", late_evening, tz="Europe/Amsterdam")
    assert event.event_date == datetime(2026, 11, 20, 9, tzinfo=UTC)  # Fri 10:00 CET


def test_the_most_specific_date_of_a_sentence_wins() -> None:
    (event,) = _extract(
        "Post-incident review for Friday's SEV2 is on Wednesday Nov 25 at 13:00 UTC"
    )
    assert event.event_date == datetime(2026, 11, 25, 13, tzinfo=UTC)


def test_one_message_can_hold_several_events_but_at_most_five() -> None:
    text = "\n".join(f"Deploy service-{i} on Dec {i + 1}" for i in range(7))
    events = _extract(text)
    assert len(events) == 5
    assert [e.event_date.day for e in events] == [1, 2, 3, 4, 5]
    assert _extract(text) == events  # deterministic


def test_incidents_without_a_date_happen_when_reported() -> None:
    (event,) = _extract("SEV2: elevated 5xx on payments-api, investigating")
    assert (event.category, event.status, event.date_source) == ("risk", "started", "message_time")
    assert event.event_date == WEDNESDAY
    assert event.confidence == 0.75


def test_a_completed_deploy_is_dated_by_its_message() -> None:
    (event,) = _extract("Deployed payments-api v2.13.2 to prod")
    assert (event.status, event.event_date) == ("completed", WEDNESDAY)


def test_undated_plans_and_past_news_are_not_events() -> None:
    assert _extract("We should launch the new onboarding flow at some point") == []
    assert _extract("Thanks everyone for the smooth release yesterday") == []
    assert _extract("payments-api v2.15.0-rc2 deployed to staging") == []


def test_a_sentence_listing_several_dated_things_gives_one_event_each() -> None:
    events = _extract("Code freeze starts Monday Dec 7, release itself on Dec 10.")
    assert [(e.category, e.event_date.day) for e in events] == [("process", 7), ("product", 10)]
    items = _extract("Release train:\n• Dec 3 - payments-api 2.16\n• Dec 10 - checkout 3.5")
    assert [e.event_date.day for e in items] == [3, 10]
    assert all(e.category == "product" for e in items)


@pytest.mark.parametrize(
    "text",
    ["lunch anyone?", "Who's on release duty next week?", "thanks! :tada:", "see you tomorrow"],
)
def test_chatter_and_questions_are_not_events(text: str) -> None:
    assert _extract(text) == []


def test_titles_drop_greetings_and_urls_and_stay_short() -> None:
    assert (
        make_title("Heads up @here: payments-api ships Thu https://x.io/a")
        == "Payments-api ships Thu"
    )
    long = make_title("Release " + "very " * 60 + "big")
    assert len(long) <= 140 and long.endswith("…")


def test_sentences_split_on_lines_and_full_stops_but_not_versions() -> None:
    assert split_sentences("Ship v2.14.0 today. Then rest!\nNext line") == [
        "Ship v2.14.0 today.",
        "Then rest!",
        "Next line",
    ]


# --------------------------------------------------------------------------- real-traffic kinds
# Invented messages of each kind of failure that real community workspaces showed (issue #12).


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Tagged v3.2.0!", "product"),  # release shorthand, no "release"
        ("quux 2.4.0 is out, thanks to everyone who tested it", "product"),
        ("wheels for 0.9.1 are up on PyPI", "product"),
        ("I'll release 1.2.2 ASAP", "product"),  # imminent, no date: means now
        ("we can release rc1 now", "product"),
        ("Announcing frobnicate v0.2: a faster parser", "product"),
        ("We are live! Come say hi in the stream", "product"),
        ("Office hour on now, drop in with your questions", "process"),
        ("Ana is with us in the office hour now if you want to join", "process"),
        (
            "Day two of SpringConf started, follow the streaming: https://video.example/live/1",
            "marketing",
        ),
        ("We are cancelling the second office hour as the room is gone", "process"),
        ("Hi @ana, we fixed this in quux v0.8.2, please try that version", "product"),
        ("Community poll day is here, vote in the thread", "marketing"),
        ("patch release 0.15.2 going out in the next hour, only fixes an import", "product"),
    ],
)
def test_things_happening_now_are_dated_by_the_message(text: str, category: str) -> None:
    (event,) = _extract(text)
    assert event.category == category
    assert event.date_source == "message_time"
    assert event.event_date == WEDNESDAY


def test_a_deadline_needs_no_word_deadline() -> None:
    (event,) = _extract("You can submit talk proposals until 2026-12-31 via the form.")
    assert event.category == "process"
    assert event.event_date is not None and event.event_date.date().isoformat() == "2026-12-31"


def test_submissions_that_close_on_a_day_are_a_deadline_whatever_they_are_for() -> None:
    (event,) = _extract("Submissions for DataConf 2027 talks close on March 3, all welcome")
    assert (event.category, event.event_date) == ("process", datetime(2027, 3, 3, tzinfo=UTC))
    assert _extract("my submissions for the course were closed by mistake, any idea?") == []


def test_a_plan_to_launch_or_a_launch_told_as_a_story_is_no_event_now() -> None:
    assert _extract("we have launched nothing yet, maybe next year") == []
    assert _extract("we should launch it at some point") == []
    assert _extract("After we launched the beta, support tickets tripled.") == []
    assert _extract("Once we launched, the queue backed up for hours.") == []
    # A habit or a decision to come is not happening now.
    assert _extract("The deploy usually finishes within the hour, no need to watch it.") == []
    assert _extract("We'll decide on the release date in the next hour.") == []


@pytest.mark.parametrize(
    "text",
    [
        # A headline with a version that is a plan, a past or a note is no release of the day.
        "Release: 3.0 is blocked on the CI migration, no ETA yet.",
        "Patch release: 2.7.3 will go out once the fix for #991 is merged.",
        "Release: v2.0 was a big one, thanks to everyone who helped",
        "Release: 1.9.0 is the last version supporting Python 3.8.",
        "Release history:\nRelease: 1.0.0 - 2019\nRelease: 1.1.0 - 2020",  # a changelog
    ],
)
def test_a_release_headline_that_is_a_plan_or_a_past_is_no_release(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("parent", "reply"),
    [
        # A dated reply about the replier, or hedged, does not date the parent's event.
        ("Happy to help with the release", "Ping me after Dec 14."),
        ("We need a volunteer for the release", "I can take Dec 3."),
        ("Is the 2.0 release happening this month?", "Not sure, maybe Dec 30"),
    ],
)
def test_a_reply_about_the_replier_does_not_date_the_parents_event(parent: str, reply: str) -> None:
    assert _extract(reply, thread_parent=parent) == []
    assert _extract("Confirmed: December 15.", thread_parent=parent)  # a plain date still does


def test_a_countdown_or_a_closing_date_is_a_deadline() -> None:
    (event,) = _extract("There is only a week left to get applications in for the Birdwatch grant!")
    assert (event.category, event.event_date) == ("process", datetime(2026, 11, 25, tzinfo=UTC))
    assert event.title == "To get applications in for the Birdwatch grant"
    (event,) = _extract("We are hiring a data engineer. Closing date on the 4th of Dec.")
    assert (event.category, event.event_date) == ("process", datetime(2026, 12, 4, tzinfo=UTC))
    assert _extract("we had a week left on the lease, so we moved") == []


def test_an_announced_community_event_without_a_date_is_an_undated_event() -> None:
    (event,) = _extract("Save the date: PyData Springfield! https://example.org/events/pydata")
    assert event.category == "marketing"
    assert event.event_date is None and event.date_source == "unknown"
    # ... but only when something announces it: a mention in passing is no event.
    assert _extract("the meetup was fun, same venue as usual") == []


@pytest.mark.parametrize(
    "text",
    [
        "Heads up: a community Git workshop is happening soon, mentors will be there.",
        "Check out this meetup with the Springfield Birders https://example.org/b",
        "Don't miss the bird-count hackathon in the library!",
    ],
)
def test_an_invitation_or_a_soon_announces_an_undated_community_event(text: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.event_date, event.date_source) == ("marketing", None, "unknown")


@pytest.mark.parametrize(
    "text",
    [
        "merged into release-1.6 and cherry-picked, see /releases/tag/v1.6.0",
        "1.5 is not yet released, sorry",
        "pick 3.7.0 when 3.6.0 is released",
        "latency is up due to the load test",
        "```\n2026-11-24T10:00:01Z ERROR deploy failed: release pipeline stuck\n```",
        "Hi team, I'm getting an error since I upgraded, the sync keeps failing and is stuck",
        "I'll try to join the office hour today",
        "Sorry I can't make it to the meetup tomorrow",
        "If anyone has a lightning talk for Monday, let me know",
        "Minutes from the working group meeting are up: https://example.org/minutes",
    ],
)
def test_ordinary_talk_with_event_words_announces_nothing(text: str) -> None:
    assert _extract(text) == []


def test_a_time_on_its_own_line_takes_the_day_of_the_header_above_it() -> None:
    (event,) = _extract(
        "Contributor office hours, Thursday December 3\nJoin us to talk about your first patch\n"
        "EMEA, 10:00-11:00 UTC: https://example.org/events/1"
    )
    assert event.event_date is not None and event.event_date.date().isoformat() == "2026-12-03"


def test_a_short_dated_reply_takes_its_parents_event_and_a_long_one_does_not() -> None:
    parent = "When is the ledger 5.0 release going out?"
    (event,) = _extract("By Dec 15.", thread_parent=parent)
    assert event.category == "product" and "ledger 5.0" in event.title.lower()
    assert event.event_date is not None and event.event_date.date().isoformat() == "2026-12-15"
    assert (
        _extract("QA plan is in PAY-1, the regression run starts Wednesday", thread_parent=parent)
        == []
    )


def test_calendar_titles_drop_lead_ins_and_name_the_release() -> None:
    assert make_title("Yes, and the merchant email goes out 12/03 at 09:00 UTC") == (
        "Merchant email goes out 12/03 at 09:00 UTC"
    )
    assert make_title("OLake Go v0.7.2 Released", "Release") == "OLake Go v0.7.2 release"
    assert make_title("Release payments-api v2.15.0 is planned for Thursday", "Release") == (
        "payments-api v2.15.0 release"
    )
    long = make_title("Conference " + "very " * 30 + "big")
    assert len(long) <= 80


def test_a_bare_event_page_link_is_an_undated_event_named_from_the_address() -> None:
    (event,) = _extract(
        "https://www.meetup.com/springfield-data-meetup/events/123456/",
        links=("https://www.meetup.com/springfield-data-meetup/events/123456",),
    )
    assert event.title == "Springfield data meetup"
    assert event.category == "marketing" and event.event_date is None
    # a link with a paragraph around it is judged by its words, not by the link
    chat = "great talk at " + "the very long sentence about other things " * 2
    assert _extract(chat, links=("https://www.meetup.com/x/events/1",)) == []


@pytest.mark.parametrize(
    "text",
    [
        "RCWG meeting starting a few minutes: https://zoom.example/j/2",
        "Community call starting in a few minutes: https://zoom.example/j/1",
        "The working group is meeting now!",
        "Data jam under way",
    ],
)
def test_more_ways_of_saying_it_is_on_now(text: str) -> None:
    (event,) = _extract(text)
    assert event.event_date is not None
    assert abs((event.event_date - WEDNESDAY).total_seconds()) <= 3600


@pytest.mark.parametrize(
    ("sentence", "action", "title"),
    [
        ("We have cancelled the second office hour as the room is gone", "Meeting",
         "Second office hour cancelled"),
        ("We are cancelling the second office hour as the room is gone", "Meeting",
         "Second office hour cancelled"),
        ("Our G2 page is finally live!", "Launch", "G2 page launch"),
        ("First office hour if anyone wants to join", "Meeting", "First office hour"),
    ],
)  # fmt: skip
def test_chatty_sentences_become_calendar_lines(sentence: str, action: str, title: str) -> None:
    assert make_title(sentence, action) == title


# --------------------------------------------------------------------------- one event, once
# Kinds that gave extra events in long real announcements (issue #12, session 19).


def _day(event: ExtractedEvent) -> str:
    assert event.event_date is not None
    return event.event_date.astimezone(UTC).isoformat()


@pytest.mark.parametrize(
    ("text", "title", "when"),
    [
        # a call to action dated "today", then the event's name and exact time: one event
        ("Starting today! Join us.\nSpringfield community call: graph tricks\n"
         "Wednesday, 18 November 2026 14:00 UTC", "Springfield community call: graph tricks",
         "2026-11-18T14:00:00+00:00"),
        # the same talk told by a relative day, then by its explicit date and time
        ("I'm giving a talk at Springfield University tomorrow.\nIt covers what our working "
         "group does.\nThursday 19 November, 13:00-14:00 UTC", "Talk at Springfield University",
         "2026-11-19T13:00:00+00:00"),
        # a coarse frame ("next week", "in about two weeks"), then the day inside it
        ('Next week: community call "Graphs in the wild"\nTuesday, November 24 at 15:00 UTC',
         'Community call "Graphs in the wild"', "2026-11-24T15:00:00+00:00"),
        ("The next social coworking and office hours is up in about two weeks\nThese are casual "
         "online events for coworking\nWhen: Tuesday December 1st 13:00 UTC",
         "Next social coworking and office hours is up", "2026-12-01T13:00:00+00:00"),
    ],
)  # fmt: skip
def test_an_event_told_twice_in_one_message_is_one_event(text: str, title: str, when: str) -> None:
    (event,) = _extract(text)
    assert event.title == title
    assert _day(event) == when


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Monthly meeting at 15:00 UTC\nJan 14, Mar 11, May 13", "2027-01-14T15:00:00+00:00"),
        ("Proposal deadline (12 p.m. (noon) UTC):\nJanuary 21, 2027\nProgramme start date:\n"
         "By September 1, 2027", "2027-01-21T12:00:00+00:00"),
    ],
)  # fmt: skip
def test_a_heading_that_gives_only_a_time_takes_the_day_on_the_next_line(
    text: str, when: str
) -> None:
    (event,) = _extract(text)
    assert _day(event) == when


def test_a_date_line_is_a_list_item_only_when_a_line_names_the_item() -> None:
    series = _extract(
        "Join us for a series of talks on open work.\nFree as in beer\nTuesday Dec 1, 2026\n"
        "Open all the way\nTuesday Dec 8, 2026\nA discussion of closed doors."
    )
    assert [(e.title, _day(e)[:10]) for e in series] == [
        ("Series of talks on open work", "2026-12-01"),
        ("Open all the way", "2026-12-08"),
    ]
    # the second day of one event, a link under the first: no second event
    (event,) = _extract(
        "Here are the links for the R Dev Day again:\nMonday Nov 30, 2026 17:30 UTC "
        "https://zoom.example/j/1\nTuesday Dec 1, 2026 17:30 UTC https://zoom.example/j/2"
    )
    assert _day(event).startswith("2026-11-30")


@pytest.mark.parametrize(
    "text",
    [
        "Training non-expert users on deployed solutions.",  # a participle as an adjective
        "The grant funds the development and maintenance of research software.",
        "Good first issues may be promoted through the #help channel",
        "So I think the comment is out of sync with the manual",
        'I\'m after a doc that says "packages released on the same date work together"',
        "I clicked the Zoom link but get \u201cThe host has another meeting in progress\u201d",
        "your intro meetup idea is still a good idea, let me know",  # the keyword modifies a noun
        "will watch from afar today. post comments and photos on the meetup page",
        "We're running a nightly sync from MySQL to GCS, but the last jobs started failing.\n"
        "Attached the logs for reference.",
        "I don't know if I will have time to look before the deadline - I am on leave from "
        "Dec 3 til Dec 8.",
        "Bob pointed out that Fri 4 Dec is not a good day for the team meeting as it clashes "
        "with the summit.",
        "My first thought was to postpone a week, but the room is booked then.",
        "\u2022 Report back on recent dev days\n\u2022 Upcoming virtual dev day as a satellite "
        "event\n\u2022 Updates on translations\n\u2022 AOB",  # an agenda's topic
        "Cool. See you there! Today should be a good one",  # a call to action naming nothing
    ],
)
def test_event_words_used_for_something_else_announce_nothing(text: str) -> None:
    assert _extract(text) == []


def test_logistics_of_an_event_still_announce_it() -> None:
    (event,) = _extract("The meeting link for tomorrow's 15:00 UTC community call is below")
    assert _day(event) == "2026-11-19T15:00:00+00:00"


def test_someone_announcing_their_own_talk_is_an_event() -> None:
    (event,) = _extract(
        "I'm speaking today at 4pm UTC at the Springfield Data Lab about contributing to R."
    )
    assert event.category == "marketing"
    assert _day(event) == "2026-11-18T16:00:00+00:00"


def test_pages_of_past_events_are_not_event_pages() -> None:
    assert (
        _extract(
            "Rbokeh! https://video.example/Events/useR-conference/useR2016/rbokeh-a-simple-framework",
            links=(
                "https://video.example/Events/useR-conference/useR2016/rbokeh-a-simple-framework",
            ),
        )
        == []
    )
    link = "http://www.meetup.com/Springfield-Analytics/photos/26086444/"
    assert _extract(f"visited this meetup - solid talks {link}", links=(link,)) == []


# --------------------------------------------------------------------------- calendar titles
# Issue #12, item 4: the thing plus what happens to it, no lead-in, no sentence.


@pytest.mark.parametrize(
    ("sentence", "action", "title"),
    [
        ("I am giving a talk at Springfield University", "Event", "Talk at Springfield University"),
        ("On Monday we're hosting part 2 of our validation webinar series", "Webinar",
         "Part 2 of the validation webinar series"),
        ("I have the pleasure to invite you to DataCamp Springfield", "Event",
         "DataCamp Springfield"),
        ("We have fixed this issue in helm chart version 0.0.22.", "Release",
         "helm chart 0.0.22 release"),
        ("We've included a patch for this in the latest Quux version, v0.9.1.", "Release",
         "Quux v0.9.1 release"),
        ("The next data jam is posted!", "Event", "Next data jam is posted"),
        ("These are casual online events for coworking and socialising generally centred on a "
         "theme", "Meeting", "These are casual online events for coworking and socialising"),
    ],
)  # fmt: skip
def test_titles_name_the_thing_and_are_no_sentences(sentence: str, action: str, title: str) -> None:
    assert make_title(sentence, action) == title


def test_a_generic_title_in_a_reply_takes_its_subject_from_the_thread_parent() -> None:
    (event,) = _extract(
        "Registration deadline is Dec 4.",
        thread_parent="R Dev Day @ Springfield\nSign up with the form below.",
    )
    assert event.title == "Registration deadline: R Dev Day @ Springfield"


@pytest.mark.parametrize(
    ("text", "when"),
    [
        # a "When:" field completes the rough "next week" of the heading above it
        ("Join us for social coworking next week!\nTheme: getting to know Quux\n"
         "When: Tuesday November 24th 17:00 UTC", "2026-11-24T17:00:00+00:00"),
        # "Date:" and "Time:" fields under an undated heading: the time is on that day
        ("Upcoming Springfield R-Ladies event\nWhat's new in dplyr\nDate: December 2, 2026\n"
         "Time: 6pm UTC\nRegister here: https://example.org/events/7", "2026-12-02T18:00:00+00:00"),
        # a corrected date replaces the first one
        ("Working group meeting\nFri 27 Nov, 14:00 UTC Now Mon 30 Nov 15:00 UTC",
         "2026-11-30T15:00:00+00:00"),
    ],
)  # fmt: skip
def test_field_values_and_corrections_give_the_events_date(text: str, when: str) -> None:
    (event,) = _extract(text)
    assert _day(event) == when


@pytest.mark.parametrize(
    ("text", "title", "when"),
    [
        # no event word: what starts is the event, dated by its start
        ("Springfield contributors hour starting in 5 minutes!", "Springfield contributors hour",
         datetime(2026, 11, 18, 9, 35, tzinfo=UTC)),
        ("Birding clinic kicking off now: https://us02web.zoom.us/j/123456789", "Birding clinic",
         WEDNESDAY),
        # the line only says it starts: the next line names it
        ("Starting in one hour!!\nMapping birds with open data.\nJo Lee shows how.",
         "Mapping birds with open data", datetime(2026, 11, 18, 10, 30, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_something_starting_about_now_is_an_event(text: str, title: str, when: datetime) -> None:
    (event,) = _extract(text)
    assert (event.title, event.event_date) == (title, when)


@pytest.mark.parametrize(
    "text",
    [
        "I think the sync starts in 5 minutes, is that expected?",
        "My job is failing with an error, it starts in 5 minutes and then stops",
        "Starting now!",
    ],
)
def test_a_start_in_a_question_help_talk_or_without_a_name_is_no_event(text: str) -> None:
    assert _extract(text) == []
    assert _extract("Birding clinic starting now", thread_parent="Can we pair on this?") == []


def test_a_named_event_posted_with_its_join_link_is_on_now() -> None:
    zoom = "https://us02web.zoom.us/j/123456789"
    (event,) = _extract(f"Second office hour: {zoom}", links=(zoom,),
                        anchors=(Anchor("meeting", zoom),))  # fmt: skip
    assert (event.title, event.event_date, event.date_source) == (
        "Second office hour",
        WEDNESDAY,
        "message_time",
    )
    live = "https://www.youtube.com/live/AbCdEf123"
    (event,) = _extract(f"Jo Lee's keynote at BirdConf! Live streaming: {live}", links=(live,))
    assert event.event_date == WEDNESDAY
    # without the link it is an undated mention; in a help thread a call link is for debugging
    assert _extract("Second office hour.") == []
    meet = "https://meet.google.com/abc-defg-hij"
    assert _extract(f"I'm getting an error in the workshop setup, join: {meet}",
                    anchors=(Anchor("meeting", meet),)) == []  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Reporting live from BirdConf! It has been great.",
        "Please gather in the lobby for the group photo of the hackathon!",
    ],
)
def test_live_reports_and_calls_to_gather_are_on_now(text: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.event_date, event.date_source) == (
        "marketing",
        WEDNESDAY,
        "message_time",
    )


def test_a_release_approved_to_start_within_working_days_is_dated_by_them() -> None:
    (event,) = _extract(
        "Thanks, all. The release is authorized and will be initiated within 2 business days."
    )
    assert (event.category, event.action) == ("product", "Release")
    assert event.event_date == datetime(2026, 11, 20, tzinfo=UTC)  # Wednesday -> Friday


@pytest.mark.parametrize(
    "text",
    [
        "@channel The latest issue of Project News is out now! Please subscribe.",
        "The November 2026 issue of Project News is available now! Sign up to get it.",
        "The new edition of the community digest is here!",
    ],
)
def test_a_new_issue_of_a_publication_is_news_of_the_day(text: str) -> None:
    (event,) = _extract(text)
    assert event.category == "marketing"
    assert (event.event_date, event.date_source) == (WEDNESDAY, "message_time")


def test_the_issue_of_a_problem_is_not_a_publication() -> None:
    assert _extract("The issue of duplicate rows is out of scope here") == []


def test_a_reply_in_a_help_thread_does_not_report_an_incident() -> None:
    parent = "I'm getting an error when the sync job runs, any ideas?"
    assert _extract("actually it's failing on that task itself", thread_parent=parent) == []
    # the same words as a post of their own report something broken
    (event,) = _extract("The nightly export is failing since 09:00")
    assert event.category == "risk"


def test_a_failing_test_is_not_an_incident() -> None:
    assert _extract("I would fix it with a failing integration test at the start.") == []


def test_routine_risk_words_need_a_date() -> None:
    assert _extract("Is it worth paying for the edX certificate?") == []
    assert _extract("The course certificate is quite expensive") == []
    (event,) = _extract("The TLS certificate expires on Friday Nov 20")
    assert event.category == "risk" and event.event_date == datetime(2026, 11, 20, tzinfo=UTC)


def test_what_came_out_of_a_meeting_announces_no_meeting() -> None:
    assert _extract("Per discussion in the sync today here is a proposal for a registry") == []


def test_a_call_for_papers_that_went_up_is_news_of_the_day() -> None:
    (event,) = _extract("CFP for DataConf 2027 went up: https://dataconf.example/cfp")
    assert (event.event_date, event.date_source) == (WEDNESDAY, "message_time")


def test_a_post_with_several_release_headings_announces_each_release() -> None:
    text = (
        "Acme Helm v0.0.26 Released\n"
        "• feat: modify pull policy, fixed in v0.0.25\n"
        "Acme Go v0.8.0 Released\n"
        "• fix: discover fails for streams"
    )
    events = _extract(text)
    assert [e.title for e in events] == ["Acme Helm v0.0.26 release", "Acme Go v0.8.0 release"]
    assert all(e.event_date == WEDNESDAY for e in events)


def test_a_changelog_bullet_naming_a_version_is_not_another_release() -> None:
    text = "Acme Helm v0.0.26 Released\n• fix: regression released in v0.0.25\n• feat: new flag"
    assert len(_extract(text)) == 1


def test_a_group_that_has_begun_this_week_is_news() -> None:
    (event,) = _extract("The C Study Group has begun! This week we are watching the first lecture.")
    assert event.event_date is not None and event.event_date.date() >= WEDNESDAY.date() - timedelta(
        days=2
    )


def test_a_session_starting_soon_with_only_a_call_link() -> None:
    (event,) = _extract("Cohort 2 session starting in 5-10 minutes: https://zoom.us/j/1")
    assert event.event_date is not None
    assert timedelta(0) <= event.event_date - WEDNESDAY <= timedelta(minutes=10)


@pytest.mark.parametrize(
    "text",
    [
        "I'm afraid I haven't kept up and won't contribute much to the study group next week.",
        "I'm having trouble getting the Zoom link to join the meeting now.",
        "Generally I would prefer the meeting to be next week.",
    ],
)
def test_someone_s_own_situation_around_an_event_is_not_its_announcement(text: str) -> None:
    assert _extract(text) == []


def test_a_poll_to_answer_by_a_date_is_a_deadline() -> None:
    (event,) = _extract(
        "Please vote by end of day Thursday Nov 19 so we can pick a time: https://poll.example/x"
    )
    assert event.action == "Deadline" and event.event_date is not None
    assert event.event_date.date() == datetime(2026, 11, 19).date()


@pytest.mark.parametrize(
    "text",
    [
        "RC2 is on the way",
        "1.8 has landed on PyPI",
        "The v5 beta is available for testing",
        "Version 0.4.0 of pgtools is now on PyPI",
        "2.1.0 final is out :tada:",
        "I'll cut 2.0.1 ASAP",
        "we can tag rc2 now",
        "Just pushed 3.0.0 to npm",
        "Published version 1.5.0 to crates.io",
        "New release: foo 2.0 https://github.com/foo/foo/releases/tag/v2.0",
        "I'm going to release 4.1 today",
    ],
)
def test_release_shorthand_is_a_release_of_the_day(text: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.action) == ("product", "Release"), event
    assert event.event_date is not None and event.event_date.date() == WEDNESDAY.date()


def test_a_package_someone_made_is_announced_in_a_post_of_its_own() -> None:
    link = "https://github.com/me/logp"
    (event,) = _extract(f"Made a little tool for parsing logs: {link}", links=(link,))
    assert (event.action, event.event_date) == ("Launch", WEDNESDAY)
    assert _extract("I wrote a test for the module but it fails on CI") == []  # nothing shared
    parent = "How did you build your site?"
    assert _extract("I wrote a template and a package for it", thread_parent=parent) == []


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("You can send talk proposals until 2026-12-15", 15),
        ("Talk proposals accepted through December 10", 10),
        ("Our community survey is open until Dec 4: https://forms.example/x", 4),
    ],
)
def test_deadlines_without_the_word_deadline(text: str, day: int) -> None:
    (event,) = _extract(text)
    assert event.action == "Deadline"
    assert event.event_date == datetime(2026, 12, day, tzinfo=UTC)


def test_a_reply_giving_the_end_of_a_month_dates_its_parent_s_event() -> None:
    (event,) = _extract(
        "By the end of December.", thread_parent="When do you ship the 2.0 release?"
    )
    assert event.action == "Release" and event.event_date == datetime(2026, 12, 31, tzinfo=UTC)


def test_a_help_request_s_own_state_is_not_news() -> None:
    assert _extract("I'm stuck on the workshop exercise 3") == []
    assert (
        _extract("same here, it's stuck at 90%", thread_parent="Sync job stuck after upgrade") == []
    )


def test_an_early_month_plan_is_not_past_while_the_week_lasts() -> None:
    monday = datetime(2026, 11, 2, 9, tzinfo=UTC)
    (event,) = _extract("We plan to release Acme 2.0 in early November", when=monday)
    assert event.event_date == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "I'm happy to announce our next meetup on November 20 at 6pm!",
        "I've been working on this for months: Acme 2.0 launches November 20!",
    ],
)
def test_an_announcement_opening_in_the_first_person_is_kept(text: str) -> None:
    (event,) = _extract(text)
    assert event.event_date is not None and event.event_date.day == 20


def test_one_release_told_with_and_without_its_patch_number_is_one_event() -> None:
    text = "dagster 1.8 released today!\nYou can pip install it, 1.8.0 is now available on PyPI."
    assert len(_extract(text)) == 1


def test_a_version_in_a_short_changelog_list_is_not_another_release() -> None:
    text = (
        "Acme 2.0 released today!\n- pydantic 2.7 is now available as a backend\n- faster startup"
    )
    assert len(_extract(text)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "the job has started but hangs at step 3",
        "Proposals accepted by the maintainers get merged by end of December usually",
        "you can comment out that check until Monday",
        "that's a separate issue of course, I'll look tomorrow",
    ],
)
def test_ordinary_chat_with_the_new_words_is_no_event(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "he is keen for people to test before 4.3.0 is released",
        "any travel funding we can apply for? (paging @Heather Turner)",
    ],
)
def test_a_condition_or_a_call_to_someone_is_no_event(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Ana just open sourced the new WebAssembly backend. Check it out!", "product"),
        ("The export of this workspace is now available at https://github.com/x/y", "product"),
        ("Project September news! New tutorials, a call for maintainers", "marketing"),
    ],
)
def test_something_made_public_is_news_of_the_day(text: str, category: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.event_date) == (category, WEDNESDAY)


@pytest.mark.parametrize(
    "text",
    [
        # a self-introduction wishing a good day: the weekday names no event
        "Hi folks, I'm Pat and I help organise the Dev Day. I hope you have an amazing Friday!",
        # "to get started" and "if it doesn't get fixed" say what may happen, not what has
        "Hi all! I'm Glen and will be joining the upcoming Dev Day to get started contributing.",
        "If it doesn't get fixed quickly, I'll put it up as an issue for the next Dev Day.",
        # a patch is a code change sent for review, not a patch release
        "A patch for this was sent to the mailing list, so it might be fixed soon",
        "I can work on the patch as I have a few more suggested changes",
        # "reminder:" inside a sentence is no Slack reminder
        "Thanks for voting! Before we wrap up, a quick reminder: the giveaway is still on.",
    ],
)
def test_greetings_prospects_code_patches_and_asides_are_no_event(text: str) -> None:
    assert _extract(text) == []


def test_a_patch_release_and_a_fix_included_in_a_version_are_releases() -> None:
    (patch,) = _extract("The 4.2.1 patch release is out now")
    assert (patch.category, patch.event_date) == ("product", WEDNESDAY)
    (included,) = _extract(
        "Hey @Nitish, we've included a patch for this issue in the latest Lakely version, v0.9.1."
    )
    assert (included.category, included.event_date) == ("product", WEDNESDAY)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("FYI the translation server is offline, looking into it", "planned"),
        ("seems like the server is unreachable since this morning, looking into it", "planned"),
        ("thanks @Ivan, things are back to normal now", "completed"),
        ("the conflicts were fixed and all components are now unlocked", "completed"),
        ("back online, thanks to @Ivan", "completed"),
    ],
)
def test_a_service_going_down_or_coming_back_is_an_incident_of_the_day(
    text: str, status: str
) -> None:
    (event,) = _extract(text)
    assert (event.category, event.action) == ("risk", "Incident")
    assert event.event_date is not None and event.event_date.date() == WEDNESDAY.date()
    if status == "completed":
        assert event.status == "completed"


@pytest.mark.parametrize(
    "text",
    [
        # someone's own problem: weak words in help talk announce nothing
        "I'm getting an internal server error when I open the dashboard, any idea?",
        "I tried again and it's back to normal for me, thanks",
        # a pasted trace makes the message a debugging one
        "something is off with `po3way`:\n```Traceback (most recent call last):\n"
        "ModuleNotFoundError: No module named 'po3way'```\nnot sure why",
    ],
)
def test_a_service_state_in_help_talk_or_beside_a_trace_is_no_event(text: str) -> None:
    assert _extract(text) == []


def test_a_slack_reminder_is_a_task_of_the_day_unless_it_names_an_event() -> None:
    (task,) = _extract(
        "Reminder: It is time to generate the quarterly patch file. cc @ana", slack_reminder=True
    )
    assert (task.category, task.action, task.event_date) == ("process", "Reminder", WEDNESDAY)
    assert task.title == "Generate the quarterly patch file"  # the task, not "It is time to"
    (call,) = _extract("Reminder: community call tomorrow at 15:00 UTC", slack_reminder=True)
    assert (call.action, call.event_date) == ("Meeting", datetime(2026, 11, 19, 15, tzinfo=UTC))
    # the same words from a person are no event: a reminder is Slack's when Slackbot posts it
    for text in (
        "Reminder: It is time to generate the quarterly patch file.",
        "Reminder: please review the open PRs",
        "Reminder: I'm out of office",
    ):
        assert _extract(text) == []


def test_work_reported_complete_is_news_of_the_day() -> None:
    (event,) = _extract("the server migration is now complete, the new host has more memory")
    assert (event.category, event.status, event.event_date) == ("product", "completed", WEDNESDAY)


@pytest.mark.parametrize(
    "text",
    [
        "Ana is speaking on this topic at DataConf 2027 on Thursday",
        "The keynotes will be live-streamed on Thursday: https://dataconf.example.org/keynotes",
    ],
)
def test_a_talk_or_a_stream_told_in_other_words_is_an_event(text: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.event_date) == ("marketing", datetime(2026, 11, 19, tzinfo=UTC))


@pytest.mark.parametrize(
    ("sentence", "action", "title"),
    [
        ("Our next in-person meetup", "Event", "Next in-person meetup"),
        ("We have two office hours", "Meeting", "Two office hours"),
        ("There will be a maintenance window", "Maintenance", "Maintenance window"),
        ("Second office hour, you can join the Zoom directly", "Meeting", "Second office hour"),
        ("Toronto OpenLineage meetup, our first in Canada", "Event", "Toronto OpenLineage meetup"),
        ("Holiday party at the office, please join us", "Event", "Holiday party at the office"),
    ],
)
def test_a_title_names_the_thing_not_who_has_it_or_a_remark_to_the_reader(
    sentence: str, action: str, title: str
) -> None:
    assert make_title(sentence, action) == title


def test_a_named_release_as_a_point_in_time_is_no_release() -> None:
    assert _extract("It might be fixed soon (before the Lakely 4.3 release)") == []
    assert _extract("Please test the fix after the 2.0 release") == []
    (freeze,) = _extract("Code freeze before the 2.0 release on Friday")
    assert (freeze.action, freeze.event_date) == ("Deadline", datetime(2026, 11, 20, tzinfo=UTC))


def test_a_self_introduction_mentions_events_it_does_not_announce() -> None:
    introduction = (
        "Hi all! I'm Glen and I'm a research fellow. I use R a fair bit and will be participating"
        " in the upcoming Dev Day to get started contributing."
    )
    assert _extract(introduction) == []
    (dated,) = _extract("Hi all, I'm Heather and I run the upcoming Dev Day on Friday")
    assert dated.event_date == datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # an invitation to a good day, not a greeting
        ("Hackathon: join us for a fun Friday!", 20),
        ("Community meetup for a fabulous Saturday. RSVP here", 21),
        # a named event as a point in time keeps its own date
        ("Ahead of the Dagster Meetup on Friday, check out the agenda", 20),
        # a self-introduction is a name; enthusiasm is not
        ("I'm THRILLED to announce the next data jam on Friday!", 20),
        ("Hi everyone! I'm Excited to share: save the date for our summit on Saturday!", 21),
    ],
)
def test_invitations_named_events_and_enthusiasm_keep_their_event(text: str, day: int) -> None:
    events = _extract(text)
    assert [event.event_date for event in events] == [datetime(2026, 11, day, tzinfo=UTC)]


@pytest.mark.parametrize(
    "text",
    [
        "Heads up: maintenance window on Saturday 10:00 UTC. ```\nWARN maintenance mode\n"
        "ERROR writes disabled\n```",
        "Deprecation notice: starting next Monday the v1 API returns\n```\n410 Gone error\n```",
    ],
)
def test_an_announcement_showing_an_error_it_will_cause_is_still_one(text: str) -> None:
    assert len(_extract(text)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Registration is complete for the hackathon on Friday",
        "We restored the old venue, the meetup is on Friday",
        "Achievement unlocked: our 100th meetup is on Friday!",
        "The agenda is locked, see you at the meetup on Friday",
    ],
)
def test_words_of_a_service_coming_back_do_not_make_a_future_event_done(text: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.status) == ("marketing", "planned")
    assert event.event_date == datetime(2026, 11, 20, tzinfo=UTC)


def test_a_shipped_patch_is_a_release_and_back_up_is_resolved() -> None:
    (patch,) = _extract("We shipped a patch for the login bug today")
    assert (patch.category, patch.status) == ("product", "completed")
    (back,) = _extract("The API gateway is back up")
    assert (back.action, back.status) == ("Incident", "completed")


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        ("Our World in Data meetup", "Our World in Data meetup"),
        ("Your Story Summit", "Your Story Summit"),
        ("Workshop: pandas, I/O and performance", "Workshop: pandas, I/O and performance"),
        ("Webinar: Python, You and the GIL", "Webinar: Python, You and the GIL"),
    ],
)
def test_names_that_start_like_an_owner_or_a_remark_are_kept(sentence: str, title: str) -> None:
    assert make_title(sentence, "Event") == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Binaries are up for 3.0.0", "3.0.0 release"),
        ("RC2 is on the way", "RC2 release"),
        ("I'll cut 0.9.3 ASAP", "0.9.3 release"),
        ("v0.12.0 has been tagged, wheels will follow", "v0.12.0 release"),
        ("we can ship beta 4 now", "beta 4 release"),
    ],
)
def test_release_shorthand_is_titled_as_the_version_s_release(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title


def test_a_release_sentence_that_says_more_keeps_its_words() -> None:
    text = "The 2.0 release moves the importer and the scheduler into separate worker pools"
    assert make_title(text, "Release") != "2.0 release"


def test_a_package_someone_made_is_titled_by_the_thing_made() -> None:
    link = "https://github.com/me/pqdiff"
    (made,) = _extract(f"made a small CLI to diff parquet schemas: {link}", links=(link,))
    assert made.title == "CLI to diff parquet schemas launch"
    (built,) = _extract(f"I built a tiny plugin for exporting dashboards, feedback welcome {link}",
                        links=(link,))  # fmt: skip
    assert built.title == "Plugin for exporting dashboards launch"


@pytest.mark.parametrize(
    ("parent", "reply", "title"),
    [
        # a question in the parent: the title names what is asked about, not the question
        ("When will 3.1 ship?", "By the end of January.", "3.1 release"),
        # a version's dot is no sentence end: "2.0 release postponed", not "The 2 postponed"
        ("we postponed the 2.0 release", "By the end of January.", "2.0 release postponed"),
        # a reply that only gives the time and calls to action: the parent names the event
        ("Next meetup at the Loft", "Thursday 6pm, see you there", "Meetup at the Loft"),
    ],
)
def test_a_reply_that_dates_its_parent_s_event_is_titled_from_the_parent(
    parent: str, reply: str, title: str
) -> None:
    (event,) = _extract(reply, thread_parent=parent)
    assert event.title == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("we're kicking off a Kotlin study group on Tuesday", "Kotlin study group meeting"),
        (
            "I'll be presenting at the Munich Data Meetup on Friday if you want to come",
            "Munich Data Meetup",
        ),
        (
            "Would you be interested in a Testing in Go workshop? It starts in about an hour",
            "Testing in Go workshop",
        ),
        (
            "we are meeting now for the docs sprint planning call: https://meet.example/x",
            "Docs sprint planning",
        ),
        (
            "Hi, we are planning a gRPC community call in Portuguese on Friday",
            "gRPC community call in Portuguese",
        ),
        ("Get excited - our July meetup is on Monday!", "July meetup"),
    ],
)
def test_a_chatty_announcement_is_titled_by_the_gathering_it_names(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title


@pytest.mark.parametrize(
    ("sentence", "action", "title"),
    [
        # a display name of several words, a number or pronouns in brackets is the mention's
        ("@Mei Ling Okafor We're shipping 2.3 on Friday", "Release", "2.3 release"),
        ("@Sam Ortiz 2 we have released the new image", "Release", "Released the new image"),
        (
            "Thanks @Jo Park (she/her), things are back to normal now",
            "Incident",
            "Things are back to normal now",
        ),
        (
            "@Ari Cohen (admin, he/him) Reminder that the cohort 2 session is on Friday",
            "Meeting",
            "Cohort 2 session",
        ),
        # a remark thanking someone after the news is not part of it
        ("back online, thanks to @Lin Wu", "Incident", "Back online"),
        # a capitalised word that starts the sentence or names the event is not the name's
        (
            "@Neo Tan Check out this Meetup with Data Folks",
            "Event",
            "Check out this Meetup with Data Folks",
        ),
        ("@Ella Fox Session 5 is on Friday", "Meeting", "Session 5"),
    ],
)
def test_a_mention_s_whole_display_name_leaves_the_title(
    sentence: str, action: str, title: str
) -> None:
    (event,) = _extract(sentence)
    assert (event.action, event.title) == (action, title)


def test_a_long_sentence_about_a_gathering_is_titled_by_the_gathering_not_cut_off() -> None:
    sentence = (
        "The Rust book club will be organised in six online sessions every two weeks starting "
        "in March"
    )
    assert make_title(sentence, "Meeting") == "Rust book club"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "FYI the wiki editor got locked due to a failed sync, looking into it",
            "Wiki editor got locked",
        ),
        (
            "unfortunately, most repositories are now blocked until the mirror is fixed",
            "Most repositories are now blocked until the mirror is fixed",
        ),
    ],
)
def test_a_service_locked_or_blocked_is_an_incident_of_the_day(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert (event.action, event.category, event.title) == ("Incident", "risk", title)
    assert event.event_date == WEDNESDAY
    # someone's own lock-out is help talk, not an incident
    assert _extract("I tried to log in but my account is locked, any idea?") == []


def test_a_mention_that_is_the_news_s_subject_stays_as_a_name() -> None:
    (event,) = _extract("Sadly @Ana Lee is no longer available for session 6 on Friday")
    assert event.title == "Ana Lee is no longer available for session 6"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # the thing first, then what happened to it
        ("Deployed search-api v4.2.0 to prod", "Search-api v4.2.0 deployed to prod"),
        (
            "Deployed search-api v4.1.9 to prod (rollback)",
            "Search-api v4.1.9 deployed to prod (rollback)",
        ),
        # a version that opens the sentence and is out: the rest is what it holds
        ("v3.4.1 is live, includes the cache fix from PR #77", "v3.4.1 release"),
        ("1.9.0 has been released and brings the new importer and a faster CLI", "1.9.0 release"),
    ],
)
def test_deploys_and_versions_out_are_titled_thing_first(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a broadcast is no display name: the version after it stays whole
        ("@channel 2.0 is out!", "2.0 release"),
        ("@here Apache Arrow 18.0.0 ships on Friday", "Apache Arrow 18.0.0 release"),
        # a name runs on only where it surely ends; else it is one more word
        (
            "@Priya Raman Google Summer of Code applications close on Friday",
            "Google Summer of Code applications close",
        ),
        ("@Ana Lee Dev Day is on Friday", "Dev Day"),
        # an npm scope keeps its "@"
        ("Deployed @acme/web 2.3.1 to prod", "@acme/web 2.3.1 deployed to prod"),
    ],
)
def test_a_mention_does_not_swallow_the_event_after_it(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "Deployed payments-api to prod in eu-west-1",
            "Payments-api deployed to prod in eu-west-1",
        ),
        ("Helm chart RC2 is on the way", "Helm chart RC2 release"),
        ("R-Ladies US East meetup is on Friday at 6pm", "R-Ladies US East meetup"),
        (
            "We are excited to host useR! 2026 conference at the University of Warsaw on May 3",
            "useR! 2026 conference at the University of Warsaw",
        ),
    ],
)
def test_titles_keep_the_subject_around_a_version_or_an_acronym(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title


@pytest.mark.parametrize(
    ("text", "action", "wrong"),
    [
        ("3.0.0 beta 2 is out, please test it", "Release", "3.0.0 release"),  # not the final
        ("The 2.0 release is delayed to Friday because of a regression", "Release", "2.0 release"),
        ("Rolled out the new UI in stages", "Release", "The new UI deployed to stages"),
        ("We made a new logo for the launch on Friday", "Launch", "Logo for the launch on launch"),
        (
            "We still have 20 tickets for the R-Ladies Rome meetup on Friday, grab one!",
            "Event",
            "20 tickets",
        ),
        (
            "We hold the community call in 2 time slots on Thursday",
            "Meeting",
            "Community call in 2",
        ),
    ],
)
def test_titles_do_not_drop_what_the_sentence_says(text: str, action: str, wrong: str) -> None:
    assert make_title(text, action) != wrong


def test_a_pre_release_keeps_its_subject() -> None:
    assert make_title("The Android app beta 3 is out", "Release") == "Android app beta 3 release"


def test_a_made_package_title_ends_with_the_thing() -> None:
    link = "https://github.com/me/pqdiff"
    text = f"I made a small CLI to diff parquet schemas. Feedback welcome: {link}"
    (event,) = _extract(text, links=(link,))
    assert event.title == "CLI to diff parquet schemas launch"


def test_a_long_gathering_phrase_still_fits_a_calendar_line() -> None:
    name = "Twentieth International Interdisciplinary Bioinformatics Biostatistics Conference"
    sentence = f"The {name} at Universidade Federal Fluminense Niteroi will be organised over days"
    assert len(make_title(sentence, "Event")) <= 80


def test_a_reply_that_calls_to_action_takes_only_a_gathering_from_its_parent() -> None:
    parent = "CI is failing on main again, I'm looking into it. The community call is on Thursday."
    (event,) = _extract("See you there on Thursday!", thread_parent=parent)
    assert event.title == "Community call"


@pytest.mark.parametrize(
    "text",
    [
        "The project is blocked on the upstream fix",
        "PR merges are blocked until CI is green",
        "Repos are locked during the migration on Saturday",
    ],
)
def test_a_planned_lock_or_a_wait_is_no_incident(text: str) -> None:
    assert all(event.action != "Incident" for event in _extract(text))


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # "see you (all) in/for/at" leads in; "see you there" is a call to action, as before
        ("Hi, see you all in one hour in our June community call!", "June community call"),
        ("See you in one hour for the Julia docs workshop!", "Julia docs workshop"),
        # pronouns in brackets after a name are not part of a calendar line
        ("Webinar with @Ana Lee (she/her) on Friday at 6pm", "Webinar with Ana Lee"),
    ],
)
def test_lead_ins_and_pronouns_leave_the_title(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title
    assert _extract("See you all there!") == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # A leading date goes with its possessive ('s), not leaving "'s meetup".
        ("Tonight's meetup moved to room B2", "Meetup moved to room B2"),
        ("Thursday’s TSC meeting, open to all", "TSC meeting, open to all"),
        ("next week's community call will be in Spanish", "Community call will be in Spanish"),
        ("Sorry folks, tomorrow's meetup is cancelled", "Meetup is cancelled"),
        ("Next week's all-hands is on Tuesday at 10:00", "All-hands"),
    ],
)
def test_a_leading_date_leaves_no_possessive_or_apology_in_the_title(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert event.title == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # A version made public first thing: the version's release, of the thing it names.
        ("Tagged 2.3.0, wheels uploading now, should be on PyPI in ~20 min", "2.3.0 release"),
        (
            "Just pushed v0.3.0 of the dbconn ClickHouse dialect. breaking: engine renamed",
            "dbconn ClickHouse dialect v0.3.0 release",
        ),
        ("just released 0.9.0 of hop-action — new flags", "hop-action 0.9.0 release"),
        ("2.0.0rc1 is on PyPI (`pip install --pre dbconn`)", "2.0.0rc1 release"),
        # A version that does not end its clause is titled by the rules after this one, whole.
        ("Released v5.1.0 for the Grafana plugin", "Released v5.1.0 for the Grafana plugin"),
    ],
)
def test_a_version_made_public_first_thing_is_titled_as_its_release(text: str, title: str) -> None:
    (event,) = _extract(text)
    assert (event.action, event.title) == ("Release", title)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        # A headline that announces a version is out when posted, whatever else it says.
        ("Security release: dbconn 2.3.1 fixes an SQL injection.", "Security"),
        (":lock: Security advisory: dbconn 2.3.0 is affected, upgrade to 2.3.1", "Security"),
        ("Release: dbconn v2.3.1, with the parser fix", "Release"),
    ],
)
def test_a_headline_announcing_a_version_is_dated_by_the_message(text: str, action: str) -> None:
    (event,) = _extract(text)
    assert (event.action, event.date_source, event.event_date) == (
        action,
        "message_time",
        WEDNESDAY,
    )
    assert _extract("release: which version should we pick, 2.3 or 2.4?") == []


def test_a_hostname_that_ends_in_dev_is_no_staging_environment() -> None:
    (event,) = _extract("launching the theme gallery today! themes.example.dev, submit yours")
    assert (event.action, event.title) == ("Launch", "Launching the theme gallery")
    assert _extract("Deployed the fix to dev.") == []  # the environment still is


@pytest.mark.parametrize(
    ("parent", "reply", "when"),
    [
        (
            "when's the next community call?",
            "Thursday 17:00 UTC, link in the channel topic",
            datetime(2026, 11, 19, 17, tzinfo=UTC),
        ),
        (
            "are office hours happening this week?",
            "yes, Friday 10:00 UTC as usual, Ana is hosting",
            datetime(2026, 11, 20, 10, tzinfo=UTC),
        ),
    ],
)
def test_a_reply_that_opens_with_its_date_dates_the_parent_whatever_detail_follows(
    parent: str, reply: str, when: datetime
) -> None:
    (event,) = _extract(reply, thread_parent=parent)
    assert (event.event_date, event.date_source) == (when, "relative")
    # a reply that names another thing before its date, or speaks for the replier, does not
    assert (
        _extract("QA plan is in PAY-1, regression run starts Wednesday", thread_parent=parent) == []
    )
    assert (
        _extract("Thursday works for me, but I can't do the one after", thread_parent=parent) == []
    )


@pytest.mark.parametrize(
    "text",
    [
        "re the docs outage on Tuesday: turned out to be an expired cert on the CDN",
        "for those who missed it, the talk about tiling is here https://vimeo.com/812345",
        "had an outage at work today, our own geoserver ran out of file handles",
        "our own deadline at work is end of month so I need this connector stable before then",
        "the freeze hasn't been scheduled yet afaik",
        "upgraded to 0.15.0 and now the source hangs forever. rolling back to 0.14.2 works fine",
        "we got paged at 3am because our sync job double-wrote a day of orders",
    ],
)
def test_accounts_of_the_past_and_of_the_writers_own_work_announce_nothing(text: str) -> None:
    assert _extract(text) == []


def test_a_users_own_deploy_in_reply_to_a_release_announces_nothing() -> None:
    assert (
        _extract("deployed to prod, works. thanks!", thread_parent="kubeferry 1.9.1 is out") == []
    )


def test_minutes_ago_is_still_news_and_days_ago_is_not() -> None:
    parent = "is 0.16.2 out?"
    (event,) = _extract(
        "yep, tagged 20 min ago and the pypi upload just finished", thread_parent=parent
    )
    assert (event.action, event.date_source) == ("Release", "message_time")
    assert _extract("yep, tagged 2 days ago", thread_parent=parent) == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("footfall v2.4.0 out now, images are updated", "footfall v2.4.0 release"),
        ("3.2.5 published with the fix for the sitemap", "3.2.5 release"),
        ("shipped geodrift 2.7.0 :ship: GeoParquet read/write", "geodrift 2.7.0 release"),
        ("geodrift 3.0.0a1 pre-release just hit pypi. big breaking changes", None),
        ("crates.io has tallow 0.10.1 now. homebrew is pending review", None),
        ("arm64 images for 0.16.0 are finally published", None),
        ("odeon just landed in debian unstable as python3-odeon", None),
    ],
)
def test_a_version_out_in_few_words_or_on_a_registry_is_a_release_now(
    text: str, title: str | None
) -> None:
    (event,) = _extract(text)
    assert (event.action, event.event_date, event.date_source) == (
        "Release",
        WEDNESDAY,
        "message_time",
    )
    assert title is None or event.title == title
    assert "big breaking" not in event.title  # a lower-case sentence after it is another one


@pytest.mark.parametrize(
    "text",
    [
        "3.0 isn't out yet, the next tag is the nightly",
        "I'm the co-author of two R packages now on CRAN",
        "it all comes down to the config",
    ],
)
def test_near_misses_of_releases_and_outages_announce_nothing(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("footfall 1.x reaches end-of-life on 31 December, no more fixes after that", "2026-12-31"),
        ("the old /v1/tiles endpoint gets turned off on Dec 15, please move to /v2", "2026-12-15"),
    ],
)
def test_the_end_of_a_versions_or_services_life_is_dated(text: str, when: str) -> None:
    (event,) = _extract(text)
    assert event.action == "Migration"
    assert event.event_date == datetime.fromisoformat(when).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "it's down, the bot token expired. fixing it right after standup",
        "the registry mirror returns 503s since 09:00 UTC, cargo install fails",
        "we yanked 0.12.0, the macOS wheel segfaults on import",
    ],
)
def test_a_service_down_or_a_yanked_release_is_an_incident(text: str) -> None:
    (event,) = _extract(text)
    assert (event.category, event.action) == ("risk", "Incident")


@pytest.mark.parametrize(
    ("text", "parent", "action", "when"),
    [
        ("tiles.example.org is serving stale tiles since this morning", None, "Incident", None),
        ("docs search is returning nothing since the index got wiped", None, "Incident", None),
        (
            "form is here, signups close on Friday",
            "where do I submit a talk?",
            "Deadline",
            "2026-11-20",
        ),
        (
            "the contributor survey is up and stays open for two weeks, until the 28th",
            None,
            "Deadline",
            "2026-11-28",
        ),
        ("steering committee election: voting runs through Nov 30", None, "Deadline", "2026-11-30"),
        (
            "Ana starts as RM on the 1st",
            "who is the release manager for 1.12?",
            "Org change",
            "2026-12-01",
        ),
        (
            "I'm leaving the footfall core team at the end of December",
            None,
            "Org change",
            "2026-12-31",
        ),
        (
            "the newly elected steering committee starts its term on Dec 1",
            None,
            "Org change",
            "2026-12-01",
        ),
        ("the docs-a-thon starts Monday and runs all week", None, "Event", "2026-11-23"),
    ],
)
def test_community_news_in_its_own_words(
    text: str, parent: str | None, action: str, when: str | None
) -> None:
    (event,) = _extract(text, thread_parent=parent)
    assert event.action == action
    if when is not None:
        assert event.event_date == datetime.fromisoformat(when).replace(tzinfo=UTC)


def test_a_role_someone_takes_stays_in_the_title() -> None:
    (event,) = _extract("Ana starts as RM on the 1st")
    assert event.title == "Ana starts as RM"
    (event,) = _extract("The meetup is on Friday as usual")
    assert event.title == "Meetup"  # "as usual" is still a side clause


@pytest.mark.parametrize(
    "text",
    [
        "what a turnout at the hack day on Saturday :heart: 11 PRs merged",
        "we got paged at 3am. root cause was on our side (two schedulers running)",
        "I tried it this morning and the pod crashes",
    ],
)
def test_a_look_back_or_a_morning_of_trying_announces_nothing(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "Translators are welcome to join the R Contributor Office Hours. Our next office hours"
            " are this Thursday.",
            "Next R Contributor Office Hours",
        ),
        (
            "We are working hard to hold LatinR 2027 in Montevideo. If you did something"
            " interesting with R, consider submitting it. The deadline is December 4.",
            "Deadline: LatinR 2027",
        ),
        (
            "R Dev Day @ Rencontres R is on Fri 19 Dec in Nantes. Registration deadline is Dec 5.",
            "Registration deadline: R Dev Day @ Rencontres R",
        ),
    ],
)
def test_a_generic_title_takes_the_name_the_message_gives_elsewhere(text: str, title: str) -> None:
    assert [event.title for event in _extract(text)][-1] == title


@pytest.mark.parametrize(
    "text",
    [
        "@channel\nFriendly reminder: our next in-person meetup is on Nov 25 at the office",
        "Happy New Year!\nOur next meetup is on Nov 25, all welcome",
    ],
)
def test_a_greeting_or_a_mention_is_no_subject_for_a_generic_title(text: str) -> None:
    (event,) = _extract(text)
    assert event.title.lower().startswith(("next", "our next")), event.title


@pytest.mark.parametrize(
    ("text", "parent", "action", "title"),
    [
        ("brindle 1.3.0's out :tada: mostly perf work", None, "Release", "brindle 1.3.0 release"),
        ("loomweave@5.3.0 now on npm, includes the tree-shaking fix", None, "Release", None),
        ("saltmarsh 0.20 drops today, last call", None, "Release", "saltmarsh 0.20 release"),
        (
            "mossgate 3.0 is GA :rocket: the changelog is long",
            None,
            "Release",
            "mossgate 3.0 release",
        ),
        ("the tidewater mirror is 503ing, we're looking", None, "Incident", None),
        ("the crates mirror 502s on every other request", None, "Incident", None),
        ("Jo is our new release manager from the 1st :tada:", None, "Org change", None),
        (
            "please welcome Ana and Bo to the brindle core team, effective today",
            None,
            "Org change",
            None,
        ),
        (
            "I'm handing the orrery maintainer role over to Bo at the end of the month",
            None,
            "Org change",
            None,
        ),
        ("Ana is taking a step back from ferrocat starting next week", None, "Org change", None),
        ("brindle user survey: open until the 21st, 6 questions", None, "Deadline", None),
        ("TSC election: ballots are open through Friday 23:59 UTC", None, "Deadline", None),
        ("GSoC mentors: project ideas need to be in the wiki by the 5th", None, "Deadline", None),
        ("the old apt repo is going away on the 1st, use the new one", None, "Migration", None),
        ("going live right after lunch (13:00 UTC) to build a plugin", None, "Launch", None),
        (
            "the 14th, after that only fixes",
            "when is the freeze for saltmarsh 0.21?",
            "Deadline",
            None,
        ),
    ],
)
def test_more_community_news_in_few_words(
    text: str, parent: str | None, action: str, title: str | None
) -> None:
    (event,) = _extract(text, thread_parent=parent)
    assert event.action == action
    assert event.event_date is not None and event.event_date >= WEDNESDAY.replace(hour=0, minute=0)
    assert title is None or event.title == title


@pytest.mark.parametrize(
    ("text", "parent"),
    [
        (
            "Friday the 27th, the changelog has the details",
            "what was the date of the last release?",
        ),
        ("crates.io has ferrocat 0.10.1 now? `cargo search ferrocat` still shows 0.10.0", None),
        ("can you hand over the logs from the failing pod? `kubectl logs` and attach it", None),
        ("`GET /status` returns 503 while the agent is still warming up, that's expected", None),
        ("no, my proxy still returns 503s with the same config", "did 0.10.1 fix it for you?"),
    ],
)
def test_questions_past_questions_and_behaviours_announce_nothing(
    text: str, parent: str | None
) -> None:
    assert _extract(text, thread_parent=parent) == []


@pytest.mark.parametrize(
    ("text", "title", "when"),
    [
        (
            "lunch is at 12:30 in the atrium today",
            "Lunch",
            datetime(2026, 11, 18, 12, 30, tzinfo=UTC),
        ),
        ("Group photo at 4pm on the front steps, please be there!", "Group photo", None),
        (
            "Dinner tonight at 7pm at The Crooked Billet",
            "Dinner",
            datetime(2026, 11, 18, 19, tzinfo=UTC),
        ),
        ("coffee break at 10:30 in the foyer", "Coffee break", None),
    ],
)
def test_a_gathering_of_the_day_at_a_time_is_an_event(
    text: str, title: str, when: datetime | None
) -> None:
    (event,) = _extract(text)
    assert event.category == "marketing"
    assert event.title.startswith(title)  # a date inside the title stays (as for a meetup)
    assert when is None or event.event_date == when


@pytest.mark.parametrize(
    "text",
    [
        "I'm having lunch at 1, ping me after",
        "back after lunch at 2",
        "this week: reviewing translations. my own deadline is Friday since I'm off next week",
        "my capstone is due Friday so brutal honesty appreciated",
        "went through 3 bugs tagged BeginnerFriendly today: two already fixed",
        "the NEWS for R 4.3.0 mentions the change, that explains my failing test",
        "slowly! hoping to submit something before the end of the week",
    ],
)
def test_own_meals_deadlines_and_work_announce_nothing(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("Sponsor thank-you happy hour Friday 6pm at the Brewhouse, all welcome", "Event"),
        ("final presentations start at 15:30, everyone back in the main room please!", "Event"),
        ("RSVPs for Saturday's jam close Thursday night so we can order food", "Deadline"),
    ],
)
def test_the_days_programme_rsvps_and_a_stopped_mirror(text: str, action: str) -> None:
    (event,) = _extract(text)
    assert event.action == action
    assert event.event_date is not None and event.event_date >= WEDNESDAY


@pytest.mark.parametrize(
    ("text", "action", "when"),
    [
        ("Release call after lunch tomorrow, link in the topic", "Release", "2026-11-19"),
        ("Speakers need to submit slides by Friday so we can load them", "Deadline", "2026-11-20"),
        ("You will need to submit your talk abstract by Dec 1", "Deadline", "2026-12-01"),
        ("Call for work-in-progress papers closes on Friday", "Deadline", "2026-11-20"),
        ("Meetup on Thursday at 6pm at my company's office, RSVP here", "Event", "2026-11-19"),
        ("The mirror is back up, pip install works again", "Incident", "2026-11-18"),
    ],
)
def test_what_the_first_versions_of_this_sessions_guards_dropped_is_found(
    text: str, action: str, when: str
) -> None:
    _assert_one_event_on(text, action, when)


@pytest.mark.parametrize(
    "text",
    [
        "we just hit PyPI rate limits in CI again, ugh",
        "Tried 1.3.0's out-of-the-box config on my laptop and it crashed",
        "3.0 lands on my wishlist for sure",
        "As a maintainer I'd rather not merge this today without tests",
        "I'm taking a step back from this thread for today",
        "Handing this issue over to @bob for today",
        "I'm leaving the project channel for a bit today",
        "my internet's down so replying from my phone today",
        "yes, it's down to a race in the file watcher, PR incoming",
        "yanked the wrong cable and lost my connection today",
        "support ends up taking most of my Friday",
        "I set eol=lf in .gitattributes today",
        "deadline for my thesis is on the 14th so I'm slow",
        "I have a deadline on the 14th, will review after",
        "my PR needs to be merged by Friday or I miss my review",
        "lunch is at 12:30 for me, so the 12 UTC slot doesn't work",
        "I skipped lunch at 12:30 to finish the PR",
        "Kids' bowling at 5pm so I'm out early today",
        "my build is returning nothing when I add the date filter today",
        "we're down two reviewers this week",
        "I'm stepping down from my role at my company next month",
        "we shipped 2.7.0 to our internal cluster last sprint",
    ],
)
def test_the_new_phrasings_in_ordinary_talk_announce_nothing(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("text", "action", "title", "when"),
    [
        ("RC2 should land in an hour or so", "Release", "RC2 release", "2026-11-18"),
        ("0.9.1 landed on conda-forge, thanks Bo", "Release", "0.9.1 release", "2026-11-18"),
        ("going to publish 0.5.2 right now", "Release", None, "2026-11-18"),
        ("Ask-me-anything with the maintainers on Thursday", "Meeting", None, "2026-11-19"),
        ("the signup form stays open till end of month", "Deadline", None, "2026-11-30"),
        ("The mentoring program starts on Monday", "Event", None, "2026-11-23"),
        ("Cohort 3 begins next Tuesday, same Zoom link", "Event", None, "2026-11-24"),
        (
            "heads up: we're migrating the forum to discourse this weekend",
            "Migration",
            None,
            "2026-11-21",
        ),
    ],
)
def test_releases_that_land_programmes_that_start_and_a_thing_someone_made(
    text: str, action: str, title: str | None, when: str
) -> None:
    event = _assert_one_event_on(text, action, when)
    assert title is None or event.title == title


def test_a_made_thing_is_titled_by_what_it_is() -> None:
    link = "https://github.com/y/pq2csv"
    (made,) = _extract(f"I made a thing: a CLI that converts parquet to csv {link}", links=(link,))
    assert (made.action, made.title) == ("Launch", "CLI that converts parquet to csv launch")


@pytest.mark.parametrize(
    "text",
    [
        "after upgrading to 0.8 the connector is stuck in a retry loop",
        "attending my first hackathon this weekend. any advice for first timers?",
        "I've taken part in that meeting. we had Easter this weekend, so I was slow",
        "the fix for 1.3 lands on main once CI is green",
    ],
)
def test_own_upgrades_plans_and_past_meetings_announce_nothing(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("text", "action", "when"),
    [
        ("rc2 on the way, ETA ~1h", "Release", "2026-11-18"),
        ("I'll push the 2.0.1 tag asap, waiting on CI", "Release", "2026-11-18"),
        ("tinyrouter 0.8.0 → PyPI, with the new middleware", "Release", "2026-11-18"),
        ("mapkit 2.2 is now in the official plugin repo", "Release", "2026-11-18"),
        ("pg_foo 1.2.0 just hit PGXN", "Release", "2026-11-18"),
        ("binaries for the desktop app are up: https://example.org/dl", "Release", "2026-11-18"),
        (
            "we're branching 3.0 off main on Monday, merge what you need before",
            "Deadline",
            "2026-11-23",
        ),
        ("the forum seems down, we're looking into it", "Incident", "2026-11-18"),
        (
            "the charts repo is 404ing since this morning, restoring it now",
            "Incident",
            "2026-11-18",
        ),
        ("the mirror is having DNS issues since 08:00 UTC", "Incident", "2026-11-18"),
        ("we're turning off the old v2 API endpoint on Dec 15", "Migration", "2026-12-15"),
        ("moving the wiki from Confluence to GitHub tomorrow", "Migration", "2026-11-19"),
        ("reviewers: please submit your scores in the portal by Dec 3", "Deadline", "2026-12-03"),
        ("New-package submissions for Bioc 3.25 close this Friday", "Deadline", "2026-11-20"),
        ("the triage call is tomorrow 10:00 CET", "Meeting", "2026-11-19"),
        (
            "Next seminar: Dr. Ada Lin on reproducible notebooks, Thursday 4pm CET",
            "Event",
            "2026-11-19",
        ),
        ("our journal club is on Dec 2, 12:30 in room B2", "Event", "2026-12-02"),
        (
            "Translation sprint this Saturday 9:00-17:00 UTC, join the channel",
            "Event",
            "2026-11-21",
        ),
        (
            "Good news: Lukas joined the project as co-maintainer this week",
            "Org change",
            "2026-11-16",
        ),
    ],
)
def test_release_shorthand_outages_moves_and_gatherings_in_community_words(
    text: str, action: str, when: str
) -> None:
    _assert_one_event_on(text, action, when)


@pytest.mark.parametrize(
    ("parent", "reply", "when"),
    [
        (
            "anyone up for a profiling session this week?",
            "yes! let's do it thursday 17:00 UTC in the voice channel, I'll bring the traces",
            "2026-11-19",
        ),
        (
            "Are we doing the monthly office hours in December?",
            "yep, 1st Tuesday as usual -> Dec 1, 17:00 UTC. link in the channel topic",
            "2026-12-01",
        ),
        (
            "Is there a registration link for the launch webinar?",
            "here: <https://example.org/w|example.org/w> — it's Tuesday 1 Dec, 17:00 UTC",
            "2026-12-01",
        ),
    ],
)
def test_a_reply_that_opens_on_its_date_dates_its_parents_event(
    parent: str, reply: str, when: str
) -> None:
    _assert_one_event_on(reply, None, when, thread_parent=parent)


@pytest.mark.parametrize(
    ("parent", "reply"),
    [
        ("when is the next office hour?", "Thursday works for me, I'll try to be there"),
        ("when is the next office hour?", "I'm free on Thursday at 17:00, maybe"),
    ],
)
def test_a_reply_about_the_replier_where_it_gives_the_date_dates_nothing(
    parent: str, reply: str
) -> None:
    assert _extract(reply, thread_parent=parent) == []


@pytest.mark.parametrize(
    "text",
    [
        "can't make the dev sync today, dentist. notes pls",
        "I'll be late tonight, stuck in traffic",
        "I will be on holiday until the end of the month, so the queue is unmaintained",
        "the outage we had on Tuesday was not our fault, our etcd was overloaded",
        "the coworking on sunday was chill, we should do it more often",
        "changelog for 0.13 for reference: added zoom, fixed audio on linux",
        "upgrade guide PR is up for review: #1203, eyes welcome",
        "our airflow deploy keeps failing in the prod namespace only. ideas?",
        "we showcase the new API in the docs, see the examples page",
        "the release checklist is in the wiki",
    ],
)
def test_plans_past_gatherings_references_and_reviews_announce_nothing(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        ("We will release a fix for it soon", "Fix release"),
        ("we're planning to ship the new importer next week", "Importer release"),
        ("I'll publish the wheels tonight", "Wheels release"),
        ("We will release", "We will release"),  # nothing named: the sentence stays
    ],
)
def test_a_release_someone_will_make_is_titled_by_what_is_released(
    sentence: str, title: str
) -> None:
    assert make_title(sentence, "Release") == title


@pytest.mark.parametrize(
    ("text", "parent", "when"),
    [
        (
            "we're deploying the new docs site at 14:00 UTC today, a few minutes of downtime",
            None,
            "2026-11-18",
        ),
        (
            "starting the feature freeze for v5 now, only bugfix PRs until the final",
            None,
            "2026-11-18",
        ),
        (
            "here: example.org/webinar — it's Tuesday 1 Dec, 17:00 UTC",
            "Launch webinar link?",
            "2026-12-01",
        ),
    ],
)
def test_a_duration_a_freeze_starting_now_and_a_links_text_before_a_replys_date(
    text: str, parent: str | None, when: str
) -> None:
    _assert_one_event_on(text, None, when, thread_parent=parent)


@pytest.mark.parametrize(
    ("text", "action", "when"),
    [
        ("Hex has phoenix_kit 0.6.0 now, the hooks API is stable", "Release", "2026-11-18"),
        ("texkit-apa 1.0 is on CTAN now, thanks to the testers", "Release", "2026-11-18"),
        ("flutter_maps 2.1.0 and flutter_nfc 1.4.2 all published today", "Release", "2026-11-18"),
        ("I published `flutter_haptics` 0.1.0 today, reviews welcome", "Release", "2026-11-18"),
        ("pushing typekit 0.9.1 to crates.io right after lunch", "Release", "2026-11-18"),
        ("svyboot 0.1.0 got accepted on CRAN :partying_face:", "Release", "2026-11-18"),
        ("firmware binaries for 2.3.1 are now on the downloads page", "Release", "2026-11-18"),
        ("the beta goes public Thursday if nothing catches fire", "Launch", "2026-11-19"),
        ("docs.example.org is throwing 502s, looking into it", "Incident", "2026-11-18"),
        ("/scratch is currently unavailable on all compute nodes", "Incident", "2026-11-18"),
        (
            "PagerDuty P2 alert: arm64 runner pool has 0 of 6 runners online",
            "Incident",
            "2026-11-18",
        ),
        (
            "downloads.example.org will be offline Sunday 06:00-09:00 CET",
            "Maintenance",
            "2026-11-22",
        ),
        ("we're rolling the new Slurm config to the login nodes in 15 min", "Deploy", "2026-11-18"),
        ("Get your PRs in by Friday if you want them in 0.20", "Deadline", "2026-11-20"),
        ("comments on the draft are being accepted until 5pm Thursday", "Deadline", "2026-11-19"),
        ("reviewers asked for changes, we have until Dec 19 to respond", "Deadline", "2026-12-19"),
        ("the monthly user call is this Friday at 14:00 CET", "Meeting", "2026-11-20"),
        ("the reading group restarts Friday 27 November, 15:00 UTC", "Meeting", "2026-11-27"),
        ("plugin bug bash on Saturday 28 November, 14:00 UTC", "Event", "2026-11-28"),
        ("Streaming now: pairing on the layout engine, drop in", "Webinar", "2026-11-18"),
        (
            "Please welcome @ana as a new Extru core maintainer starting today",
            "Org change",
            "2026-11-18",
        ),
        (
            "@bo takes over Windows packaging for stackform from next Monday",
            "Org change",
            "2026-11-23",
        ),
    ],
)
def test_registries_outages_deadlines_and_roles_a_sixth_set_showed(
    text: str, action: str, when: str
) -> None:
    _assert_one_event_on(text, action, when)


@pytest.mark.parametrize(
    "text",
    [
        "no, the cluster isn't going down for maintenance this month",
        "Queue times are long this week due to the end-of-term rush, nothing is broken",
        "Great turnout at the workshop on Saturday, 48 people came",
        "We had a short CI outage this morning but it's been fine since 10ish",
        "ok the hackathon is over, I'll archive this channel in a few days",
        "I'll probably come to the Saturday coworking but might be late",
        "dependabot: Bump `plug` from 1.15.3 to 1.16.0 (#412) · checks failing",
        "I have a paper deadline on March 10, so no PRs from me before that",
        "Uni assignment due tomorrow and my job is still pending on the cluster",
    ],
)
def test_negations_look_backs_own_plans_and_a_prs_checks_announce_nothing(text: str) -> None:
    assert _extract(text) == []


def test_an_invitation_to_come_is_still_an_announcement() -> None:
    (event,) = _extract("I'd love for you all to come to the meetup on Thursday at 6pm")
    assert event.action == "Event"


@pytest.mark.parametrize(
    ("text", "action", "when"),
    [
        ("game patch 1.14 drops thursday, expect mods to break", "Release", "2026-11-19"),
        ("unboxr 0.7.2.0 uploaded to hackage, supports GHC 9.12", "Release", "2026-11-18"),
        ("I just put my first package on CRAN, {censosPT} :tada:", "Release", "2026-11-18"),
        (
            "we're moving media storage from the hetzner box to B2 this saturday",
            "Migration",
            "2026-11-21",
        ),
        (
            "welcome our new community moderators @ana and @bo! they start on the 23rd",
            "Org change",
            "2026-11-23",
        ),
        ("500 words max, and they're due the 25th", "Deadline", "2026-11-25"),
    ],
)
def test_versions_sent_to_registries_moves_and_new_moderators(
    text: str, action: str, when: str
) -> None:
    _assert_one_event_on(text, action, when)


@pytest.mark.parametrize(
    "text",
    [
        "I'm out next week on holiday, ping Jonas for reviews",
        "the osx-arm64 build is failing on the proj pin, if anyone knows conda-smithy well...",
        "sidekiq was stuck again around 3am but it recovered on its own",
        "certbot renew failing with too many certificates on the box. not urgent",
        "The newsroom Slack was down for a while this morning due to an SSO glitch, all fine now",
        "Thanks to everyone who came to the meetup on Thursday, slides are in #events",
        "yes, the deployment on our fleet went fine, 12 robots running it since friday",
        "[GitHub] Check failed: e2e-tests on PR #7012 — 2 failing",
        "the jupyterhub kept timing out during the last hackathon, hope it's better this time",
        "I have long pushed to Debian unstable and updated the containers",
    ],
)
def test_absences_help_requests_and_states_that_were_announce_nothing(text: str) -> None:
    assert _extract(text) == []


def test_a_reply_that_takes_up_a_reported_outage_is_that_incident_now() -> None:
    (event,) = _extract(
        "yes we see it, db disk is full, fixing now",
        thread_parent="weblate seems down?? getting 500 on every project page",
    )
    assert (event.category, event.action) == ("risk", "Incident")
    assert event.event_date == WEDNESDAY
    assert event.title.startswith("Weblate seems down")
    assert _extract("looking into it", thread_parent="my sync is stuck at 45%, any ideas?") == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Dark mode is now available for everyone", "Dark mode launch"),
        ("Python 3.13 is now supported in the nightly builds", "Python 3.13 launch"),
        ("the Portuguese team is now set up, ping me for rights", "Portuguese team launch"),
        ("SSO has just been enabled for the wiki", "SSO launch"),
        ("machine suggestions are also available from now on (10k chars a day)",
         "Machine suggestions launch"),
    ],
)  # fmt: skip
def test_something_made_available_now_is_a_launch_today(text: str, title: str) -> None:
    event = _assert_one_event_on(text, "Launch", "2026-11-18")
    assert (event.category, event.title) == ("product", title)


@pytest.mark.parametrize(
    "text",
    [
        "I have added a test, the fix has been added to the PR",
        "the talk recordings are now up on YouTube",
        "It looks like this problem has been resolved, thanks all",
    ],
)
def test_code_review_additions_and_materials_going_up_are_no_launch(text: str) -> None:
    assert _extract(text) == []


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        # too long for a calendar line: cut before its last "and" clause, not mid-phrase with …
        ("Generate the quarterly translation patch for base R and the recommended R packages"
         " of the release",
         "Generate the quarterly translation patch for base R"),
        ("Nominations are now open for the next cohort of community mentors and reviewers of"
         " the docs", "Nominations are now open for the next cohort of community mentors"),
    ],
)  # fmt: skip
def test_an_overlong_title_ends_before_its_last_and_clause(sentence: str, title: str) -> None:
    assert make_title(sentence, "Reminder") == title


@pytest.mark.parametrize(
    "text",
    [
        "We'll go through the flamegraph tooling in the next meetup, but a workshop would be "
        "better for it",
        "so for the next meeting we are reading: chapter 6 and the lab, is that right?",
        "I find this article a good companion to the chapter for the next session.",
    ],
)
def test_an_undated_gathering_that_only_sets_other_talk_is_no_event(text: str) -> None:
    assert _extract(text) == []


def test_an_undated_gathering_that_is_the_news_stays() -> None:
    (event,) = _extract("The next session covers chapter 5, see you there")
    assert (event.action, event.event_date) == ("Meeting", None)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("I think the wiki is down again", "Wiki is down again"),
        ("I guess the package index is back online. Shout if not", "Package index is back online"),
    ],
)
def test_a_hedged_service_state_is_still_an_incident_now(text: str, title: str) -> None:
    event = _assert_one_event_on(text, None, "2026-11-18")
    assert (event.category, event.title) == ("risk", title)
    assert _extract("I think I'll join the incident review") == []
