"""Alembic's script directory (env.py, versions/), shipped in the wheel.

`slack-events migrate` finds it through the package; the `alembic` command finds it through an
alembic.ini with `script_location = slack_events_dagster:migrations` (the repository's own).
"""
