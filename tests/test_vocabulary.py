"""The vocabulary is the one home of statuses, zones and their tables (SCORING.md §5)."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from rapor import vocabulary
from rapor.scoring.zones import category_for, zone_for

PACKAGE = Path(vocabulary.__file__).resolve().parent
WORDS = ("dinilai", "data terbatas", "tidak dinilai", "lulus", "ditahan", "belum diperiksa", "hijau", "kuning", "merah")


def test_zone_bands_are_derived_from_the_category_table():
    # ombudsman-2022: D (32) and E (0) are merah, C (54) kuning, B (78) and A (88) hijau.
    assert vocabulary.zone_bands("ombudsman-2022") == ((0, 54, "merah"), (54, 78, "kuning"), (78, 100, "hijau"))
    # ombudsman-classic: zones straight from the index (81 and 51).
    assert vocabulary.zone_bands("ombudsman-classic") == ((0, 51, "merah"), (51, 81, "kuning"), (81, 100, "hijau"))


@pytest.mark.parametrize("zone_table", vocabulary.ZONE_TABLES)
def test_every_index_falls_in_the_band_of_the_zone_it_is_given(zone_table):
    bands = vocabulary.zone_bands(zone_table)
    for hundredths in range(0, 10001, 7):  # 0.00, 0.07, ... 100.00
        index = Decimal(hundredths) / 100
        zone = zone_for(index, category_for(index), zone_table)
        low, high, _ = next(b for b in bands if b[2] == zone)
        assert low <= index and (index < high or high == 100), (zone_table, index, zone)


def test_the_status_words_are_spelled_only_in_the_vocabulary():
    # Comments and docstrings may name them; code compares with the vocabulary's constants.
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocabulary.py" or "migrations" in path.parts or "demo" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in WORDS and id(node) not in docstrings:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert found == []


def test_templates_get_the_vocabulary_as_globals():
    from rapor.publish.report import jinja_env

    env = jinja_env()
    assert env.globals["ZONE_COLOURS"] == vocabulary.ZONE_COLOURS
    assert env.globals["GATE_NOT_CHECKED"] == "belum diperiksa"
    css = env.get_template("style.css").render()
    for zone, colour in vocabulary.ZONE_COLOURS.items():
        assert f".zone.zone-{zone} {{ background: {colour}; }}" in css
