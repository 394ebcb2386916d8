# One image for the code server, webserver, daemon, dashboard and the one-shot migration.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home
# Every Dagster process stores run events in batches (one INSERT per batch on PostgreSQL storage):
# a range run's per-hour materialization events then cost a fraction (benchmarks/README.md).
ENV DAGSTER_EVENT_BATCH_SIZE=1000
WORKDIR /opt/slack-events

COPY pyproject.toml README.md ./
COPY slack_events_dagster ./slack_events_dagster
COPY alembic.ini config.yaml workspace.yaml ./
COPY sample_data ./sample_data
RUN pip install --no-cache-dir -e . \
    && mkdir -p "$DAGSTER_HOME"
COPY deploy/dagster.yaml deploy/workspace.yaml "$DAGSTER_HOME/"

EXPOSE 3000 4000 8501
