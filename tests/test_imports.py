"""The packages import one way: storage <- jobs <- bot, and only bot/ imports telegram.

storage/ imports nothing of ours; jobs/ imports storage/ and nothing else of
ours; bot/ may import both. ``telegram`` (python-telegram-bot) is imported only
inside bot/. Every import counts: at the top, inside a function, or relative.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = frozenset({"storage", "jobs", "bot", "tests", "seeds"})
# Of our packages, which each one may import (itself included).
MAY_IMPORT = {
    "storage": frozenset({"storage"}),
    "jobs": frozenset({"jobs", "storage"}),
    "bot": frozenset({"bot", "jobs", "storage"}),
}
TELEGRAM = frozenset({"telegram"})
TELEGRAM_ALLOWED = frozenset({"bot"})


def imported_packages(path: Path, root: Path = ROOT) -> set[str]:
    """The top-level packages ``path`` imports, relative imports resolved against ``root``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = list(path.relative_to(root).parent.parts)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add((node.module or "").split(".")[0])
                continue
            up = node.level - 1  # ``from . import`` is this package, each more dot one up
            base = package[: len(package) - up]
            if up > len(package):
                names.add("<outside the project>")
            elif base:
                names.add(base[0])
            elif node.module:  # from the project root: ``from .. import bot`` in a top package
                names.add(node.module.split(".")[0])
            else:
                names.update(alias.name for alias in node.names)
    names.discard("")
    return names


def violations(root: Path) -> list[str]:
    """One line per import that breaks the rule, for every module of our three packages."""
    found = []
    for package, allowed in MAY_IMPORT.items():
        for path in sorted((root / package).rglob("*.py")):
            imported = imported_packages(path, root)
            wrong = (imported & OURS) - allowed
            if package not in TELEGRAM_ALLOWED:
                wrong |= imported & TELEGRAM
            if "<outside the project>" in imported:
                wrong.add("<outside the project>")
            for name in sorted(wrong):
                found.append(f"{path.relative_to(root).as_posix()} imports {name}")
    return found


def test_every_module_imports_one_way() -> None:
    assert violations(ROOT) == []


def test_the_checker_reads_every_module_of_the_three_packages() -> None:
    checked = {p for package in MAY_IMPORT for p in (ROOT / package).rglob("*.py")}

    assert ROOT / "storage" / "models.py" in checked
    assert ROOT / "jobs" / "ingest" / "run.py" in checked
    assert ROOT / "bot" / "app.py" in checked
    assert "telegram" in imported_packages(ROOT / "bot" / "app.py")


def write(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def test_the_checker_reports_each_way_of_breaking_the_rule(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "storage/__init__.py": "",
            "storage/up_to_jobs.py": "import jobs.plan\n",
            "storage/up_to_bot.py": "def later() -> None:\n    from bot.app import x\n",
            "storage/sends.py": "from telegram import Bot\n",
            "storage/deep/relative.py": "from ...jobs import plan\n",
            "storage/fine.py": "import sqlalchemy\nfrom storage import models\nfrom . import x\n",
            "jobs/__init__.py": "",
            "jobs/up_to_bot.py": "from bot.settings import Settings\n",
            "jobs/sends.py": "import telegram.ext\n",
            "jobs/ingest/relative.py": "from ... import bot\n",
            "jobs/tests_too.py": "from tests.factories import add_brief\n",
            "jobs/fine.py": "from storage import db\nfrom jobs.errors import FeedError\n",
            "bot/__init__.py": "",
            "bot/fine.py": "from telegram import Bot\nfrom jobs import plan\nimport storage.db\n",
        },
    )

    assert violations(tmp_path) == [
        "storage/deep/relative.py imports jobs",
        "storage/sends.py imports telegram",
        "storage/up_to_bot.py imports bot",
        "storage/up_to_jobs.py imports jobs",
        "jobs/ingest/relative.py imports bot",
        "jobs/sends.py imports telegram",
        "jobs/tests_too.py imports tests",
        "jobs/up_to_bot.py imports bot",
    ]


@pytest.mark.parametrize(
    ("source", "imported"),
    [
        ("import telegram.ext as tg\n", {"telegram"}),
        ("from .. import models\n", {"storage"}),
        ("from ..planning import due\n", {"storage"}),
        ("from . import x\n", {"storage"}),
    ],
)
def test_relative_and_dotted_imports_resolve_to_their_package(
    tmp_path: Path, source: str, imported: set[str]
) -> None:
    write(tmp_path, {"storage/planning/m.py": source})

    assert imported_packages(tmp_path / "storage" / "planning" / "m.py", tmp_path) == imported
