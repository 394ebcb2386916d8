"""The built wheel is the product: installed alone, it migrates a database and passes `doctor`.

The wheel is built from a copy of the sources (pip's usual isolated build, as `make install`
does) and installed with --no-deps into a fresh venv whose only link to the project's .venv is a
.pth line to its site-packages, for the dependencies. Every command runs in a folder outside the
checkout, so nothing can be read from the repository by accident.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from slack_events_dagster.settings import PROJECT_ROOT

SAMPLE_EXPORT = PROJECT_ROOT / "sample_data" / "slack_export"
REVISIONS = ("001", "002", "003", "004", "005", "006", "007", "008", "009")
PACKAGE = "slack_events_dagster"
# Emulators, the PostgreSQL starter and test support live beside the package, not in the wheel.
CHECKOUT_ONLY = ("devtools", "slack_events_dagster_tests", "benchmarks")


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    # The packages beside the product too, so the wheel's contents are pyproject's choice.
    for package in (PACKAGE, *CHECKOUT_ONLY):
        shutil.copytree(
            PROJECT_ROOT / package,
            source / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "snapshots"),
        )
    wheels = tmp_path / "wheels"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), "."],
        cwd=source,
        env=dict(os.environ),
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("slack_events_dagster-*.whl")
    return wheel


def _fresh_venv_with(wheel: Path, tmp_path: Path) -> Path:
    """A new venv holding only the wheel; the pinned dependencies come from .venv via a .pth."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    installed = _run(
        [*pip, "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        cwd=tmp_path,
        env=dict(os.environ),
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    site_packages = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=tmp_path,
        env={},
    ).stdout.strip()
    (Path(site_packages) / "project_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return venv


@pytest.mark.slow
def test_wheel_carries_prompt_and_migrations_and_runs_outside_the_checkout(
    tmp_path: Path,
) -> None:
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    package = PACKAGE
    modules = {name for name in names if name.endswith(".py")}
    assert modules and all(name.startswith(f"{package}/") for name in modules), sorted(modules)
    markers = ("emulator", "conftest", "postgres16", "devtools", "/test_")
    test_support = {name for name in names if any(marker in name for marker in markers)}
    assert not test_support, sorted(test_support)
    assert f"{package}/prompts/extract_events_v3.txt" in names, sorted(names)
    assert {f"{package}/migrations/env.py", f"{package}/migrations/script.py.mako"} <= names
    for revision in REVISIONS:
        assert any(
            name.startswith(f"{package}/migrations/versions/{revision}_") for name in names
        ), f"revision {revision} is not in the wheel"

    venv = _fresh_venv_with(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "SLACK_EVENTS_CONFIG", "VIRTUAL_ENV"}
        and not key.startswith(("DATABASE_", "SQLITE_", "POSTGRES_", "SLACK_", "OPENAI_"))
    }
    env |= {
        "DATABASE_TYPE": "sqlite",
        "SQLITE_PATH": str(elsewhere / "by_alembic.db"),
        "SLACK_EXPORT_PATH": str(SAMPLE_EXPORT),
        "EXTRACTOR": "rules",
    }
    bin_dir = venv / "bin"

    # The prompt and the package come from the installed wheel, not from the checkout.
    loaded = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import slack_events_dagster as p; from slack_events_dagster.domain.llm import "
            "system_prompt; print(p.__file__); print(len(system_prompt()))",
        ],
        cwd=elsewhere,
        env=env,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    module_file, prompt_length = loaded.stdout.split()
    assert Path(module_file).is_relative_to(venv), module_file
    assert int(prompt_length) > 500

    # `alembic upgrade head` with the repository's alembic.ini copied next to the database
    # (`python -m alembic` is the `alembic` script, which a --no-deps install does not create).
    shutil.copy2(PROJECT_ROOT / "alembic.ini", elsewhere / "alembic.ini")
    alembic = [str(bin_dir / "python"), "-m", "alembic"]
    upgraded = _run([*alembic, "upgrade", "head"], cwd=elsewhere, env=env)
    assert upgraded.returncode == 0, upgraded.stderr[-3000:]
    assert "Running upgrade 008 -> 009" in upgraded.stderr
    doctor = _run([str(bin_dir / "slack-events"), "doctor"], cwd=elsewhere, env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "(head 009, up to date)" in doctor.stdout

    # `slack-events migrate` needs no alembic.ini at all.
    (elsewhere / "alembic.ini").unlink()
    env["SQLITE_PATH"] = str(elsewhere / "by_cli.db")
    migrated = _run([str(bin_dir / "slack-events"), "migrate"], cwd=elsewhere, env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "is at revision 009" in migrated.stdout
    doctor = _run([str(bin_dir / "slack-events"), "doctor"], cwd=elsewhere, env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "(head 009, up to date)" in doctor.stdout
