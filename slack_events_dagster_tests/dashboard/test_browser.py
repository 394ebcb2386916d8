"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
`streamlit run` as a subprocess on the materialised sample, every page loads without an error, a
filter changes what is shown, and a digest line drills down to its Slack message's permalink.

Screenshots go to $SCREENSHOT_DIR, else test-artifacts/screenshots/ (gitignored): CI keeps them.
In CI (CI=true) a missing Chromium fails with the command that installs it; elsewhere it skips.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as day_start
from pathlib import Path

import pytest

from slack_events_dagster.dashboard import data
from slack_events_dagster.settings import PROJECT_ROOT, Settings
from slack_events_dagster.storage.engine import get_engine

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
INSTALL = "apt-get install -y chromium chromium-driver  (.ci/run does this when they are missing)"
APP = PROJECT_ROOT / "slack_events_dagster" / "dashboard" / "app.py"
STARTUP_SECONDS = 60
WAIT_MS = 30_000
PAGES = {"timeline": "", "digests": "digests", "drilldown": "drilldown", "activity": "activity"}
TITLES = {
    "timeline": "Upcoming events",
    "digests": "Digests",
    "drilldown": "Why this line?",
    "activity": "Activity",
}
# Streamlit marks its app element with the script's state, elements of an earlier run as stale,
# and components still loading (charts, tables) as skeletons; a drawn chart holds a canvas.
SCRIPT_DONE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  return app && app.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')
    && charts.every((chart) => chart.querySelector("canvas, svg"));
}"""
SHOWN = re.compile(r"(\d+) events shown")


def _screenshot_dir() -> Path:
    folder = Path(
        os.environ.get("SCREENSHOT_DIR") or PROJECT_ROOT / "test-artifacts" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _chromium() -> Path:
    if CHROMIUM.is_file() and shutil.which(str(CHROMIUM)):
        return CHROMIUM
    message = f"No Chromium at {CHROMIUM} for the dashboard's browser test: {INSTALL}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    """`make dashboard`'s command (headless, no usage statistics), on a local port."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


@contextmanager
def serving(sqlite_path: Path, folder: Path) -> Iterator[str]:
    """`streamlit run` of the dashboard on a SQLite file, as a subprocess; its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
        "DATABASE_TYPE": "sqlite",
        "SQLITE_PATH": str(sqlite_path),
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
        "HOME": str(folder),  # no ~/.streamlit of the user's
    }
    log = (folder / "streamlit.log").open("w")
    server = subprocess.Popen(
        streamlit_command(port), cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"streamlit did not start: {(folder / 'streamlit.log').read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, checked before the sample is materialised."""
    return _chromium()


@pytest.fixture(scope="module")
def dashboard_url(
    chromium: Path, sample_sqlite: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard served on the sample's SQLite database."""
    with serving(sample_sqlite.database.path, tmp_path_factory.mktemp("dashboard")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium: Path, dashboard_url: str) -> Iterator[object]:
    """Chromium under Playwright, started once the sample is materialised (outside its loop)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def _settled(page, title: str) -> None:
    """Wait for the page's title and for Streamlit to finish running its script."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=WAIT_MS)
    page.wait_for_function(SCRIPT_DONE, timeout=WAIT_MS)


def _assert_no_error(page, name: str) -> None:
    main = page.locator('[data-testid="stMain"]').inner_text()
    exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
    assert not exceptions, f"{name}: {exceptions[0][:2000]}"
    assert "Traceback" not in main and "Cannot read the pipeline's tables" not in main, main[:2000]


def _shot(page, name: str) -> None:
    page.screenshot(path=str(_screenshot_dir() / f"dashboard-{name}.png"), full_page=True)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_without_an_error(page, dashboard_url: str, name: str) -> None:
    page.goto(f"{dashboard_url}/{PAGES[name]}")
    _settled(page, TITLES[name])
    _assert_no_error(page, name)
    _shot(page, name)


def _shown_count(page) -> int:
    caption = page.get_by_text(SHOWN).first
    caption.wait_for(timeout=WAIT_MS)
    match = SHOWN.search(caption.inner_text())
    assert match, caption.inner_text()
    return int(match.group(1))


def test_the_text_search_filter_changes_the_timeline(
    page, dashboard_url: str, sample_sqlite: Settings
) -> None:
    engine = get_engine(sample_sqlite.database)
    as_of = data.data_as_of(engine)
    assert as_of is not None
    first, last = data.default_date_range(as_of)
    window = {
        "start": datetime.combine(first, day_start.min, tzinfo=UTC),
        "end": datetime.combine(last + timedelta(days=1), day_start.min, tzinfo=UTC),
    }
    everything = len(data.timeline_events(engine, data.EventFilter(**window)))
    frozen = len(data.timeline_events(engine, data.EventFilter(text="freeze", **window)))
    assert 0 < frozen < everything

    page.goto(dashboard_url)
    _settled(page, "Upcoming events")
    assert _shown_count(page) == everything
    search = page.get_by_role("textbox", name="Search")
    search.fill("freeze")
    search.press("Enter")
    page.get_by_text(f"{frozen} events shown").wait_for(timeout=WAIT_MS)
    _settled(page, "Upcoming events")
    assert _shown_count(page) == frozen
    _assert_no_error(page, "timeline filtered")
    _shot(page, "timeline-filtered")


def test_a_digest_line_drills_down_to_the_slack_message_and_back(
    page, dashboard_url: str, sample_sqlite: Settings
) -> None:
    engine = get_engine(sample_sqlite.database)
    newest = data.digest_hours(engine, "default")[0]
    digest = data.stored_digest(engine, "default", newest)
    assert digest is not None
    (line,) = [entry for entry in digest["entries"] if entry["title"] == "Code freeze"]
    permalinks = {source["permalink"] for source in line["sources"]}

    page.goto(f"{dashboard_url}/digests")
    _settled(page, "Digests")
    page.get_by_text("Code freeze → events, messages and scores").click()
    _settled(page, "Why this line?")
    assert "drilldown" in page.url and f"hour={data.hour_key(newest)}" in page.url.replace(
        "%3A", ":"
    )
    links = page.get_by_role("link", name="Open the message in Slack")
    links.first.wait_for(timeout=WAIT_MS)
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs == permalinks and len(hrefs) == 2
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert main.count("passed the threshold") == 2, main[:2000]  # each candidate's score
    _assert_no_error(page, "drill-down")
    _shot(page, "drilldown-line")

    page.get_by_text("← Back to the default digest").click()
    _settled(page, "Digests")
    page.get_by_text("Code freeze → events, messages and scores").wait_for(timeout=WAIT_MS)
    _assert_no_error(page, "digests after going back")


def test_without_a_database_every_page_says_how_to_make_one(browser, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.db"
    with serving(missing, tmp_path) as url:
        context = browser.new_context()
        page = context.new_page()
        # The drill-down shows a digest line: one named in its link's parameters.
        line = "?target=default&hour=2026-11-24-23:00&line=0"
        for name, path in {**PAGES, "drilldown": f"drilldown{line}"}.items():
            page.goto(f"{url}/{path}")
            page.get_by_text("No database yet").wait_for(timeout=WAIT_MS)
            page.wait_for_function(SCRIPT_DONE, timeout=WAIT_MS)
            assert "make demo" in page.locator('[data-testid="stMain"]').inner_text(), name
            assert page.locator('[data-testid="stException"]').count() == 0, name
        context.close()
    assert not missing.exists(), "the dashboard must not create the database"
