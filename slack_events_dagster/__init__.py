"""slack-events-dagster: Slack channel traffic in, deduplicated upcoming events and digests out."""

import warnings

# Single-run backfills and a look-back that reaches before the first partition are deliberate
# (see DESIGN.md); Dagster flags both parameters as beta on every import, which buries real logs.
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `(backfill_policy|allow_nonexistent_upstream_partitions)` .* in beta",
)
