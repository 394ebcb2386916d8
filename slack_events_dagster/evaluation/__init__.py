"""Measure extraction on a hand-labelled Slack export: `slack-events evaluate`."""
