"""Performance benchmarks for slack-events-dagster (issue #7): `python -m benchmarks --help`."""
