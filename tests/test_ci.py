"""What CI relies on: any CI value makes PostgreSQL required, and the installed package carries its data."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # port 1: nothing listens
ONE_POSTGRES_TEST = "tests/test_lookups.py::test_search_needs_words[postgresql]"


def _pytest(ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"CATALOGUE_TEST_POSTGRES_URL": UNREACHABLE}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_POSTGRES_TEST],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_any_ci_value_makes_an_unreachable_postgres_a_failure(ci):
    done = _pytest(ci)
    assert done.returncode == 1 and "unreachable" in done.stdout and "1 error" in done.stdout, done.stdout


def test_without_ci_an_unreachable_postgres_is_skipped():
    done = _pytest(None)
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout


def test_ci_script_sets_ci_itself():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert any(line.split("#")[0].strip() == "export CI=true" for line in lines)


def test_installed_package_carries_the_nk_missile_tests_licence():
    # Run from / so that the installed package answers, not the source tree (a non-editable install in CI).
    code = ("from importlib.resources import files; "
            "print(files('catalogue.extract').joinpath('data', 'NK-MISSILE-TESTS-LICENSE').read_text('utf-8'), end='')")
    done = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (ROOT / "catalogue" / "extract" / "data" / "NK-MISSILE-TESTS-LICENSE").read_text("utf-8")
    assert "Apache License" in done.stdout
