"""Every labelled brief, rendered in other formats, splits at least as well as the floors say.

The floors (``variants_split_exact`` in floors.json) are the briefs split exactly per
format by ``python -m tests.quality variants`` when they were last raised; a format that
falls behind the original is where a newsletter never seen breaks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.quality.evaluate import DEFAULT_LABELS
from tests.quality.variants import evaluate_variants

FLOORS = json.loads((Path(__file__).parent / "floors.json").read_text(encoding="utf-8"))
_MISSING = [p for p in DEFAULT_LABELS if not p.is_file()]
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f"no labels at {_MISSING[:1]}")


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return evaluate_variants(DEFAULT_LABELS).figures()["variants"]


@pytest.mark.parametrize("variant", sorted(FLOORS["variants_split_exact"]))
def test_each_format_splits_as_many_briefs_exactly_as_its_floor_says(figures, variant):
    assert figures[variant]["split_exact"] >= FLOORS["variants_split_exact"][variant]


def test_markdown_and_html_renditions_split_every_brief_the_original_splits(figures):
    assert figures["markdown"]["broken"] == 0
    assert figures["html"]["broken"] == 0
