"""Credentials in a configured URL are never shown (doctor, Slack and OpenAI errors)."""

from slack_events_dagster.urls import without_credentials


def test_without_credentials_drops_only_the_user_info() -> None:
    assert without_credentials("http://u:p%40ss@proxy.test:8080/v1?x=1") == (
        "http://proxy.test:8080/v1?x=1"
    )
    assert without_credentials("https://token@slack.test/api/") == "https://slack.test/api/"
    assert without_credentials("https://api.openai.com/v1") == "https://api.openai.com/v1"
