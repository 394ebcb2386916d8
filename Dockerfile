# One image for the code server, webserver, daemon, dashboard and the one-shot migration.
# config.yaml is not in it: docker-compose.yml mounts it (edit it, restart, no rebuild).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home
# Every Dagster process stores run events in batches (one INSERT per batch on PostgreSQL storage):
# a range run's per-hour materialization events then cost a fraction (benchmarks/README.md).
ENV DAGSTER_EVENT_BATCH_SIZE=1000
WORKDIR /opt/slack-events

# pg_dump/pg_restore/psql of PostgreSQL 16, the server's major version, for the daily backup and
# `slack-events backup/restore` (Debian bookworm ships 15): the PostgreSQL project's repository.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-16 \
    && apt-get purge -y curl && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*
ENV SLACK_EVENTS_PG_BIN=/usr/lib/postgresql/16/bin

COPY pyproject.toml README.md ./
COPY slack_events_dagster ./slack_events_dagster
COPY alembic.ini workspace.yaml ./
COPY sample_data ./sample_data
# EXTRAS=docker or EXTRAS=k8s adds that run launcher (README "Backfills on parallel workers").
ARG EXTRAS=""
RUN pip install --no-cache-dir -e . \
    && if [ -n "$EXTRAS" ]; then pip install --no-cache-dir -e ".[$EXTRAS]"; fi \
    && mkdir -p "$DAGSTER_HOME"
COPY deploy/dagster.yaml deploy/workspace.yaml "$DAGSTER_HOME/"

EXPOSE 3000 4000 8501
