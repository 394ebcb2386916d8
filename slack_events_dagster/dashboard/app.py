"""The events dashboard (Streamlit), read-only on the configured database.

Start it with `make dashboard` (http://localhost:8501), or
`streamlit run slack_events_dagster/dashboard/app.py`. The database is the one config.yaml, .env
and the environment name, as for every other command; queries live in dashboard/data.py.
"""

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from slack_events_dagster.dashboard import data
from slack_events_dagster.dashboard.slack_preview import blocks_to_markdown
from slack_events_dagster.settings import SettingsError, load_settings
from slack_events_dagster.storage.engine import describe


@st.cache_resource
def database() -> tuple[Engine, str]:
    """The configured database's engine and where it is (no secrets)."""
    settings = load_settings()
    where = describe(settings.database)
    if settings.database.type == "sqlite" and not Path(settings.database.path).is_file():
        raise FileNotFoundError(
            f"No database yet: {where}. Run `make demo` (or materialise the assets in Dagster) "
            "first, or point SQLITE_PATH / DATABASE_TYPE at the pipeline's database."
        )
    return data.read_only_engine(settings.database), where


def engine() -> Engine:
    return database()[0]


# -- Upcoming events ------------------------------------------------------------------------------


def _date_range(value: Any, fallback: tuple[date, date]) -> tuple[date, date]:
    """st.date_input's range: while a user picks, it holds one date (or none)."""
    picked = [day for day in (value if isinstance(value, list | tuple) else [value]) if day]
    if not picked:
        return fallback
    return picked[0], picked[-1]


def timeline_page() -> None:
    st.title("Upcoming events")
    choices = data.filter_choices(engine())
    as_of = data.data_as_of(engine()) or datetime.now(UTC)
    default_range = data.default_date_range(as_of)
    with st.sidebar:
        st.header("Filters")
        channels = st.multiselect("Channel", choices["channels"], key="channels")
        categories = st.multiselect("Category", choices["categories"], key="categories")
        min_confidence = st.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="confidence")
        picked = st.date_input("Event dates", value=default_range, key="dates")
        text = st.text_input("Search", key="search", placeholder="words in titles or messages")
    start, end = _date_range(picked, default_range)
    selection = data.EventFilter(
        channels=tuple(channels),
        categories=tuple(categories),
        min_confidence=min_confidence,
        start=datetime.combine(start, time.min, tzinfo=UTC),
        end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        text=text,
    )
    frame = data.timeline_events(engine(), selection)
    st.caption(
        f"{len(frame)} events shown · dates {start:%d %b %Y} – {end:%d %b %Y} (UTC) · the data "
        f"is as of {as_of:%d %b %Y %H:%M} UTC, its newest message"
    )
    if frame.empty:
        st.info("No event matches these filters.")
        return
    shown = frame.assign(
        event_date=frame["event_date"].dt.tz_convert(None),
        event_end=frame["event_end"].fillna(frame["event_date"]).dt.tz_convert(None),
    )
    tooltip = ["title", "event_date:T", "category", "confidence", "channel_name", "status"]
    spans = (
        alt.Chart(shown)
        .mark_rule(strokeWidth=4, opacity=0.5)
        .encode(x="event_date:T", x2="event_end:T", y="channel_name:N", color="category:N")
    )
    points = (
        alt.Chart(shown)
        .mark_circle(size=160)
        .encode(
            x=alt.X("event_date:T", title="Event date (UTC)"),
            y=alt.Y("channel_name:N", title="Channel"),
            color=alt.Color("category:N", title="Category"),
            opacity=alt.Opacity("confidence:Q", scale=alt.Scale(domain=[0, 1]), legend=None),
            tooltip=tooltip,
        )
    )
    st.altair_chart((spans + points).properties(height=260), use_container_width=True)
    st.dataframe(
        frame[["event_date", "title", "category", "status", "confidence", "channel_name"]].assign(
            message=frame["permalink"]
        ),
        hide_index=True,
        column_config={
            "event_date": st.column_config.DatetimeColumn("When (UTC)", format="ddd D MMM HH:mm"),
            "confidence": st.column_config.NumberColumn(format="%.2f"),
            "message": st.column_config.LinkColumn("Message", display_text="open in Slack"),
        },
    )


# -- Digests --------------------------------------------------------------------------------------


def _preselected(options: list[Any], wanted: Any) -> int:
    return options.index(wanted) if wanted in options else 0


def digests_page() -> None:
    st.title("Digests")
    targets = data.digest_targets(engine())
    if not targets:
        st.info("No digest is stored yet: materialise the `digests` asset first.")
        return
    params = st.query_params
    target = st.selectbox(
        "Target", targets, index=_preselected(targets, params.get("target")), key="target"
    )
    hours = data.digest_hours(engine(), target)
    hour = st.selectbox(
        "Hour (UTC partition)",
        hours,
        index=_preselected(hours, data.parse_hour_key(params.get("hour"))),
        format_func=data.hour_key,
        key=f"hour-{target}",
    )
    st.query_params.update({"target": target, "hour": data.hour_key(hour)})
    digest = data.stored_digest(engine(), target, hour)
    if digest is None:
        st.warning("That digest is gone (its partition was re-run); pick another hour.")
        return
    rendered, posted = st.columns(2)
    with rendered:
        st.subheader("As rendered (Markdown)")
        st.markdown(digest["markdown"])
    with posted:
        st.subheader("As posted (Slack)")
        post = digest["post"]
        if post:
            st.caption(
                f"Posted to {post['channel_id']} at {post['posted_at']:%d %b %Y %H:%M} UTC "
                f"(message ts {post['message_ts']}, last updated {post['updated_at']:%H:%M})"
            )
        else:
            st.caption("Not posted to Slack (not a publish hour, or digest.publish is off).")
        with st.container(border=True):
            st.markdown(blocks_to_markdown(digest["blocks"]))
        with st.expander("Block Kit JSON"):
            st.json(digest["blocks"], expanded=False)
    if digest["entries"]:
        st.subheader("Why is each line there?")
        for index, entry in enumerate(digest["entries"]):
            st.page_link(
                PAGES["drilldown"],
                label=f"{entry['title']} → events, messages and scores",
                query_params={"target": target, "hour": data.hour_key(hour), "line": str(index)},
            )


# -- Drill-down -----------------------------------------------------------------------------------


def _entry_from_params() -> tuple[str, datetime, int, dict[str, Any]] | None:
    params = st.query_params
    target, hour = params.get("target"), data.parse_hour_key(params.get("hour"))
    line = params.get("line", "")
    if not target or hour is None or not line.isdigit():
        return None
    digest = data.stored_digest(engine(), target, hour)
    if digest is None or int(line) >= len(digest["entries"]):
        return None
    return target, hour, int(line), digest["entries"][int(line)]


def drilldown_page() -> None:
    st.title("Why this line?")
    found = _entry_from_params()
    if found is None:
        st.info("Pick a line of a digest on the Digests page to see where it comes from.")
        st.page_link(PAGES["digests"], label="← Digests")
        return
    target, hour, _line, entry = found
    st.page_link(
        PAGES["digests"],
        label=f"← Back to the {target} digest of {data.hour_key(hour)}",
        query_params={"target": target, "hour": data.hour_key(hour)},
    )
    st.header(entry["title"])
    st.caption(
        f"{entry['category']} · {entry['status']} · date {entry['event_date'] or 'unknown'} · "
        f"confidence {entry['confidence']:.2f} · {len(entry['event_ids'])} announcement(s)"
    )
    found_events = data.events_by_id(engine(), entry["event_ids"])
    messages = data.source_messages(engine(), found_events)
    candidates = data.candidate_scores(engine(), found_events)
    features = data.score_features(candidates)
    st.subheader("Events")
    st.dataframe(
        found_events[["title", "event_date", "confidence", "channel_name", "extractor"]],
        hide_index=True,
    )
    for message in messages.to_dict("records"):
        with st.container(border=True):
            who = message["user_real_name"] or message["user_name"] or "someone"
            st.markdown(
                f"**#{message['channel_name']}** · {who} · "
                f"{message['message_time']:%a %d %b %Y %H:%M} UTC"
            )
            st.text(message["text"])
            if message["permalink"]:
                st.markdown(f"[Open the message in Slack]({message['permalink']})")
            _score(candidates, features, message["channel_id"], message["ts"])


def _score(candidates: pd.DataFrame, features: pd.DataFrame, channel_id: str, ts: str) -> None:
    """The message's candidate score against its threshold, and the features that made it."""
    rows = candidates[(candidates["channel_id"] == channel_id) & (candidates["ts"] == ts)]
    if rows.empty:
        st.caption("No candidate row for this message (scored in an older run).")
        return
    score, threshold = float(rows.iloc[0]["score"]), float(rows.iloc[0]["threshold"])
    verdict = "passed" if score >= threshold else "below"
    st.markdown(f"Candidate score **{score:g}** {verdict} the threshold {threshold:g}:")
    mine = features[(features["channel_id"] == channel_id) & (features["ts"] == ts)]
    chart = (
        alt.Chart(mine)
        .mark_bar()
        .encode(
            x=alt.X("points:Q", title="points"),
            y=alt.Y("feature:N", sort="-x", title=None),
            color=alt.condition("datum.points < 0", alt.value("#c0392b"), alt.value("#2e86c1")),
            tooltip=["feature", "points"],
        )
        .properties(height=max(60, 22 * len(mine)))
    )
    st.altair_chart(chart, use_container_width=True)


# -- Activity -------------------------------------------------------------------------------------


def activity_page() -> None:
    st.title("Activity")
    counts = data.daily_counts(engine())
    if counts.empty:
        st.info("No messages are stored yet.")
        return
    totals = counts.groupby("kind")["count"].sum()
    for column, kind in zip(st.columns(len(data.COUNT_KINDS)), data.COUNT_KINDS, strict=True):
        column.metric(kind.capitalize(), int(totals.get(kind, 0)))
    chart = (
        alt.Chart(counts.assign(day=pd.to_datetime(counts["day"])))
        .mark_bar()
        .encode(
            x=alt.X("day:T", title="Day (UTC, of the message)"),
            y=alt.Y("count:Q", title=None),
            color=alt.Color("channel:N", title="Channel"),
            tooltip=["day:T", "channel", "kind", "count"],
        )
        .properties(height=150)
        .facet(row=alt.Row("kind:N", sort=list(data.COUNT_KINDS), title=None))
        .resolve_scale(y="independent")
    )
    st.altair_chart(chart, use_container_width=True)
    table = counts.pivot_table(
        index=["day", "channel"], columns="kind", values="count", fill_value=0
    ).reset_index()
    st.dataframe(table, hide_index=True)


# -- Navigation -----------------------------------------------------------------------------------


def _guarded(page: Callable[[], None]) -> Callable[[], None]:
    """A page that shows a missing database or schema as the fix, not as a traceback."""

    @functools.wraps(page)
    def run() -> None:
        try:
            page()
        except (SettingsError, FileNotFoundError) as error:
            st.error(str(error))
        except (OperationalError, ProgrammingError) as error:
            st.error(
                f"Cannot read the pipeline's tables in {database()[1]} "
                f"({str(getattr(error, 'orig', error)).splitlines()[0]}). Run `slack-events "
                "migrate` and materialise the assets (`make demo`), or check the database settings."
            )

    return run


PAGES = {
    "timeline": st.Page(
        _guarded(timeline_page), title="Upcoming events", url_path="timeline", default=True
    ),
    "digests": st.Page(_guarded(digests_page), title="Digests", url_path="digests"),
    "drilldown": st.Page(_guarded(drilldown_page), title="Why this line?", url_path="drilldown"),
    "activity": st.Page(_guarded(activity_page), title="Activity", url_path="activity"),
}


def main() -> None:
    st.set_page_config(page_title="Slack events", page_icon="📅", layout="wide")
    st.navigation(list(PAGES.values())).run()


if __name__ == "__main__":
    main()
