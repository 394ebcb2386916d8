"""Replay a labelled Slack export through scoring and extraction, and score the result.

The messages go through the code the assets run: `message_row` (as `raw_slack_messages`),
`candidate_row` with the thread parent (as `event_candidates`) and the extractor resource's
`extract_batch` (as `events`), with the channel policies of the user's configuration. Metrics
follow shared/LABELLING.md; misses and false alarms are grouped by kind so a person sees which
kind of failure to fix.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from slack_events_dagster.domain.candidates import (
    candidate_row,
    extraction_input,
    parent_context,
)
from slack_events_dagster.domain.messages import MessageFilter, message_row
from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput
from slack_events_dagster.domain.scoring import ChannelPolicy
from slack_events_dagster.evaluation.labels import LabelledEvent, LabelledMessage
from slack_events_dagster.evaluation.titles import title_problems
from slack_events_dagster.resources.slack_export import SlackExport

Extract = Callable[[list[ExtractionInput]], list[list[ExtractedEvent]]]
PolicyFor = Callable[[str, str], ChannelPolicy]


@dataclass(frozen=True)
class Outcome:
    """One labelled message after the replay."""

    label: LabelledMessage
    text: str  # normalised, for the report
    ingested: bool  # the export reader kept it (not a skipped subtype, not missing)
    is_reply: bool
    candidate: bool
    predicted: tuple[ExtractedEvent, ...]
    pairs: tuple[tuple[int, int], ...]  # (labelled index, predicted index)


@dataclass
class Report:
    """Set-wide figures (shared/LABELLING.md) and the outcomes behind them."""

    outcomes: list[Outcome] = field(default_factory=list)

    def _count(self, test: Callable[[Outcome], bool]) -> int:
        return sum(1 for outcome in self.outcomes if test(outcome))

    @property
    def messages(self) -> int:
        return len(self.outcomes)

    def metrics(self) -> dict[str, float]:
        positives = self._count(lambda o: o.label.announces)
        reported = self._count(lambda o: bool(o.predicted))
        hits = self._count(lambda o: o.label.announces and bool(o.predicted))
        expected = sum(len(o.label.events) for o in self.outcomes)
        predicted = sum(len(o.predicted) for o in self.outcomes)
        matched = sum(len(o.pairs) for o in self.outcomes)
        pairs = [(o.label.events[e], o.predicted[p]) for o in self.outcomes for e, p in o.pairs]
        dated = [(want, got) for want, got in pairs if want.date is not None]
        negatives = self.messages - positives
        return {
            "message_precision": _ratio(hits, reported),
            "message_recall": _ratio(hits, positives),
            "event_precision": _ratio(matched, predicted),
            "event_recall": _ratio(matched, expected),
            "date_accuracy": _ratio(sum(_same_day(w, g) for w, g in dated), len(dated)),
            "category_accuracy": _ratio(sum(w.category == g.category for w, g in pairs), matched),
            "no_event_accuracy": _ratio(
                self._count(lambda o: not o.label.announces and not o.predicted), negatives
            ),
            "false_positive_events_per_1000": 1000 * (predicted - matched) / max(self.messages, 1),
            "candidate_recall": _ratio(
                self._count(lambda o: o.label.announces and o.candidate), positives
            ),
            "candidate_rate": _ratio(self._count(lambda o: o.candidate), self.messages),
            "titles_kept": _ratio(
                sum(not title_problems(e.title) for o in self.outcomes for e in o.predicted),
                predicted,
            ),
        }

    def counts(self) -> dict[str, int]:
        return {
            "messages": self.messages,
            "announcing_messages": self._count(lambda o: o.label.announces),
            "labelled_events": sum(len(o.label.events) for o in self.outcomes),
            "predicted_events": sum(len(o.predicted) for o in self.outcomes),
            "candidates": self._count(lambda o: o.candidate),
            "not_ingested": self._count(lambda o: not o.ingested),
        }

    def misses(self) -> list[tuple[str, Outcome]]:
        """Announcing messages without a predicted event, each with the kind of miss."""
        return [(_miss_kind(o), o) for o in self.outcomes if o.label.announces and not o.predicted]

    def false_alarms(self) -> list[tuple[str, Outcome]]:
        """Messages that announce nothing but gave events, each with the kind of false alarm."""
        return [
            (_false_alarm_kind(o), o)
            for o in self.outcomes
            if o.predicted and not o.label.announces
        ]

    def edited_titles(self) -> list[tuple[str, str]]:
        """(problems, title) of each predicted title a reviewer would edit (evaluation.titles)."""
        return [
            (", ".join(problems), event.title)
            for outcome in self.outcomes
            for event in outcome.predicted
            if (problems := title_problems(event.title))
        ]

    def wrong_dates(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if any(
                o.label.events[e].date is not None
                and not _same_day(o.label.events[e], o.predicted[p])
                for e, p in o.pairs
            )
        ]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 1.0


def _utc_day(event: ExtractedEvent) -> date | None:
    return event.event_date.astimezone(UTC).date() if event.event_date else None


def _same_day(want: LabelledEvent, got: ExtractedEvent) -> bool:
    return want.date == _utc_day(got)


def _miss_kind(outcome: Outcome) -> str:
    stage = (
        "not ingested"
        if not outcome.ingested
        else "scored below threshold"
        if not outcome.candidate
        else "candidate, no event extracted"
    )
    first = outcome.label.events[0]
    return f"{stage} / {first.category}, date {first.date_basis}"


def _false_alarm_kind(outcome: Outcome) -> str:
    first = outcome.predicted[0]
    where = "thread reply" if outcome.is_reply else "top-level"
    return f"{first.category}:{first.action} ({first.date_source}, {where})"


def match_events(
    labelled: Sequence[LabelledEvent], predicted: Sequence[ExtractedEvent]
) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs within a message: same day first, then same category, then order."""
    options = sorted(
        (want.date != _utc_day(got), want.category != got.category, e, p)
        for e, want in enumerate(labelled)
        for p, got in enumerate(predicted)
    )
    used_e: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, _, e, p in options:
        if e not in used_e and p not in used_p:
            used_e.add(e)
            used_p.add(p)
            pairs.append((e, p))
    return sorted(pairs)


def read_export_rows(
    export_path: Path, channel_names: set[str], message_filter: MessageFilter
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, str]]:
    """Every kept message of the named channels as `raw_slack_messages` rows keyed by
    (channel name, ts), and channel id -> name for the whole export."""
    export = SlackExport(export_path)
    channels = export.channels()
    users = export.users()
    known = {channel.name for channel in channels}
    if missing := channel_names - known:
        raise ValueError(
            f"The labels name channels the export at {export_path} does not have: "
            f"{', '.join(sorted(missing))}. Check --export"
        )
    names = {c.id: c.name for c in channels}
    covered = export.covered_days()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    if covered is None:
        return rows, names
    for channel in channels:
        if channel.name not in channel_names:
            continue
        for relative in export.day_files(channel, *covered):
            for message in export.read_messages(relative) or []:
                row, _ = message_row(channel, message, users, message_filter)
                if row is not None:
                    rows[(channel.name, row["ts"])] = row
    return rows, names


def replay(
    labels: Sequence[LabelledMessage],
    rows: Mapping[tuple[str, str], Mapping[str, Any]],
    channel_names: Mapping[str, str],
    policy_for: PolicyFor,
    extract: Extract,
    all_messages: bool = False,
) -> Report:
    """Score and extract each labelled message as the pipeline does, then match the labels.
    With `all_messages`, every labelled message goes to the extractor whatever its score (to
    measure an extractor alone)."""
    prepared: list[tuple[LabelledMessage, dict[str, Any] | None, bool, bool]] = []
    inputs: list[ExtractionInput] = []
    for label in labels:
        row = rows.get((label.channel, label.ts))
        if row is None:
            prepared.append((label, None, False, False))
            continue
        policy = policy_for(row["channel_id"], row["channel_name"])
        parent = rows.get((label.channel, row["thread_ts"])) if row["is_thread_reply"] else None
        context = parent_context(parent, channel_names) if parent else None
        candidate = candidate_row(row, policy, channel_names, context)
        scored = candidate or _forced_candidate(row, policy, channel_names, context)
        prepared.append((label, scored, candidate is not None, bool(row["is_thread_reply"])))
        if candidate is not None or all_messages:
            inputs.append(extraction_input(scored, policy.timezone))
    extracted = iter(extract(inputs)) if inputs else iter(())
    report = Report()
    for label, scored_row, is_candidate, is_reply in prepared:
        predicted: tuple[ExtractedEvent, ...] = ()
        if scored_row is not None and (is_candidate or all_messages):
            predicted = tuple(next(extracted))
        report.outcomes.append(
            Outcome(
                label=label,
                text=scored_row["text_normalized"] if scored_row else "",
                ingested=scored_row is not None,
                is_reply=is_reply,
                candidate=is_candidate,
                predicted=predicted,
                pairs=tuple(match_events(label.events, predicted)),
            )
        )
    return report


def evaluate_export(
    labels: Sequence[LabelledMessage],
    export: Path,
    message_filter: MessageFilter,
    policy_for: PolicyFor,
    extract: Extract,
    all_messages: bool = False,
) -> Report:
    """Read the export the labels describe and replay them (see `replay`)."""
    rows, channel_names = read_export_rows(export, {m.channel for m in labels}, message_filter)
    return replay(labels, rows, channel_names, policy_for, extract, all_messages)


def combine(reports: Sequence[Report]) -> Report:
    """One report over several exports' labelled messages."""
    return Report([outcome for report in reports for outcome in report.outcomes])


def _forced_candidate(
    row: Mapping[str, Any],
    policy: ChannelPolicy,
    channel_names: Mapping[str, str],
    context: str | None,
) -> dict[str, Any]:
    """The candidate row a message would have with no threshold (for reports and --all)."""
    forced = ChannelPolicy(policy.timezone, float("-inf"), policy.weights, policy.trusted_bots)
    candidate = candidate_row(row, forced, channel_names, context)
    assert candidate is not None
    return candidate


# --------------------------------------------------------------------------- the printed report

METRIC_LABELS = {
    "message_precision": "message precision",
    "message_recall": "message recall",
    "event_precision": "event precision",
    "event_recall": "event recall",
    "date_accuracy": "date accuracy (same UTC day)",
    "category_accuracy": "category accuracy",
    "no_event_accuracy": "no-event accuracy",
    "false_positive_events_per_1000": "false-positive events / 1,000 messages",
    "candidate_recall": "candidate recall",
    "candidate_rate": "candidate rate (share of messages scored in)",
    "titles_kept": "titles a reviewer keeps unedited",
}


def format_report(
    report: Report, examples: int = 3, now: datetime | None = None, figures_only: bool = False
) -> str:
    """Metrics, then misses, false alarms and titles to edit grouped by kind with a few examples
    each, then wrong dates. `figures_only`: the metrics alone (a held-out set is measured, never
    read)."""
    lines = [", ".join(f"{name}={value}" for name, value in report.counts().items()), ""]
    for name, value in report.metrics().items():
        shown = f"{value:8.1f}" if name.endswith("_per_1000") else f"{value:8.3f}"
        lines.append(f"  {METRIC_LABELS[name]:<46}{shown}")
    if figures_only:
        return "\n".join(lines)
    for title, groups in (
        ("Missed announcements, by kind", report.misses()),
        ("False alarms, by kind", report.false_alarms()),
    ):
        cases = [(kind, f"#{o.label.channel} {o.label.ts}: {_snippet(o)}") for kind, o in groups]
        lines += _grouped(title, cases, examples)
    edited = [(problems, repr(title)) for problems, title in report.edited_titles()]
    lines += _grouped("Titles a reviewer would edit, by problem", edited, examples)
    wrong = report.wrong_dates()
    lines += ["", f"Wrong dates ({len(wrong)}):"]
    for outcome in wrong[: max(examples * 3, 10)]:
        for e, p in outcome.pairs:
            want, got = outcome.label.events[e], outcome.predicted[p]
            if want.date is not None and not _same_day(want, got):
                lines.append(
                    f"          #{outcome.label.channel} {outcome.label.ts}: labelled {want.date}, "
                    f"got {_utc_day(got)} ({got.date_source}) {_snippet(outcome)}"
                )
    return "\n".join(lines)


def _grouped(title: str, items: Sequence[tuple[str, str]], examples: int) -> list[str]:
    """(kind, example) pairs as a section: each kind with its count and first examples, the
    most frequent kind first."""
    lines = ["", f"{title} ({len(items)}):"]
    by_kind: dict[str, list[str]] = {}
    for kind, example in items:
        by_kind.setdefault(kind, []).append(example)
    for kind, shown in sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"  {len(shown):4d}  {kind}")
        lines += [f"          {example}" for example in shown[:examples]]
    return lines


def _snippet(outcome: Outcome, width: int = 90) -> str:
    text = " ".join(outcome.text.split())
    return repr(text[:width] + ("…" if len(text) > width else ""))
