"""Installing briefbot the way a new operator does gives a CLI that starts.

Two checks. The cheap one runs always: every module of the three packages
imports in a fresh interpreter, and the dependency that lxml split off (its
HTML cleaner, which trafilatura needs) is declared rather than left to a
resolver. The real one builds a new virtualenv with the interpreter's own
pip (Python 3.11 ships pip 23), runs ``pip install -e .`` and starts the
CLI; it takes a minute and needs a package index, so it runs when
BRIEFBOT_FRESH_INSTALL=1 (``make fresh-install``, which CI runs).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.mailbuild import STORIES, message

IMPORT_ALL = """
import importlib, pkgutil, sys
for top in ("bot", "jobs", "storage"):
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        if ".migrations.versions." in info.name or info.name.endswith("migrations.env"):
            continue
        importlib.import_module(info.name)
import lxml.html.clean, trafilatura
print("ok")
"""


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.split(r"[<>=!~; ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]


def test_the_html_cleaner_lxml_split_off_is_a_declared_dependency() -> None:
    names = declared()
    assert "lxml_html_clean" in names or "lxml[html_clean]" in names


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


@pytest.mark.timeout(1200)
@pytest.mark.skipif(
    os.environ.get("BRIEFBOT_FRESH_INSTALL") != "1",
    reason="builds a virtualenv and installs from the index; set BRIEFBOT_FRESH_INSTALL=1",
)
def test_a_fresh_editable_install_with_the_bundled_pip_gives_a_working_cli(
    tmp_path: Path,
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-e", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    def briefbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [env_dir / "bin" / "briefbot", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")},
        )

    started = briefbot("parse", str(ROOT / "seeds" / "world-brief_2025-02-12.txt"))
    assert started.returncode == 0, started.stderr[-3000:]
    assert "Renewing war." in started.stdout
    (tmp_path / "issue.eml").write_bytes(message().as_bytes())
    mailed = briefbot("parse", "issue.eml", "--json")
    assert mailed.returncode == 0, mailed.stderr[-3000:]
    assert STORIES[0][0] in mailed.stdout
    imported = subprocess.run(
        [python, "-c", IMPORT_ALL], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr[-3000:]
