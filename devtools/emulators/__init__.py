"""Local stand-ins for external services (Slack Web API, OpenAI), for tests and offline demos."""
