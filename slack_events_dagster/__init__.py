"""slack-events-dagster: Slack channel traffic in, deduplicated upcoming events and digests out."""

import gc
import warnings

# Single-run backfills and a look-back that reaches before the first partition are deliberate
# (see DESIGN.md); Dagster flags both parameters as beta on every import, which buries real logs.
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `(backfill_policy|allow_nonexistent_upstream_partitions)` .* in beta",
)

# CPython's cyclic collector runs after every 700 new container objects by default. A run parses
# and builds hundreds of thousands (JSON messages, rows, records), nearly all freed by reference
# counting, so those collections found almost nothing: 0.2 s of a 1.3 s hourly run in-process,
# 7 % of a day's range. Importing our own modules (compiled patterns, pydantic models, Dagster
# definitions) paid another 0.1-0.15 s of them. Every process that imports this package (the
# code server and each run worker, before any of our modules loads) collects after 50,000
# instead; what a run keeps in memory is unchanged.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collection() -> None:
    """Collect cycles less often than CPython's default (never less often than this)."""
    current = gc.get_threshold()
    gc.set_threshold(*(max(now, ours) for now, ours in zip(current, GC_THRESHOLDS, strict=True)))


tune_garbage_collection()
