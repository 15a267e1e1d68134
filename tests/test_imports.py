"""The packages import one way: storage <- jobs <- bot, and only bot/ imports telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "storage": {"jobs", "bot", "telegram"},
    "jobs": {"bot", "telegram"},
    "bot": set(),
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules() -> list[Path]:
    return sorted(p for package in FORBIDDEN for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_point_one_way(path: Path) -> None:
    package = path.relative_to(ROOT).parts[0]

    wrong = imported_packages(path) & FORBIDDEN[package]

    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_the_import_checker_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("from telegram import Bot\nimport bot.cli.main\n")

    assert {"telegram", "bot"} <= imported_packages(sample)
