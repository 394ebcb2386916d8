"""Development tools that the wheel and the Docker image do not ship: the local Slack and OpenAI
emulators, a PostgreSQL 16 starter, and the settings and runs the tests and benchmarks share.

Import it from a checkout (the repository root on sys.path: pytest, `python -m benchmarks` and
`python -m devtools.emulators.slack` run from the root all do that); pyproject.toml's package
discovery leaves it out of the wheel.
"""

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
