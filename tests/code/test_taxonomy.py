"""The education field -> sector taxonomy covers the contract and matches its documentation."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from features.contract import EDUCATION_FIELDS, SECTORS
from features.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy, taxonomy_markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def raw() -> dict[str, object]:
    text = (ROOT / "features" / "taxonomy.yaml").read_text(encoding="utf-8")
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


def test_every_field_and_sector_is_covered() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.matrix.shape == (len(EDUCATION_FIELDS), len(SECTORS))
    assert ((taxonomy.matrix >= 0) & (taxonomy.matrix <= 1)).all()
    for sector in SECTORS:
        assert taxonomy.matrix[:, SECTORS.index(sector)].max() >= taxonomy.levels["related"]
    assert all(taxonomy.meanings[f] for f in EDUCATION_FIELDS)


@pytest.mark.parametrize(
    ("field", "sector", "level"),
    [
        ("kedokteran", "kesehatan", "core"),
        ("pendidikan_guru", "pendidikan", "core"),
        ("teknik_sipil", "pekerjaan_umum", "core"),
        ("hukum", "ketertiban", "related"),
        ("administrasi_publik", "pertanian", "general"),
        ("kedokteran", "keuangan", "none"),
        ("umum", "kesehatan", "general"),
    ],
)
def test_known_fits(field: str, sector: str, level: str) -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.field_sector_fit(field, sector) == taxonomy.levels[level]


def test_missing_field_is_rejected(raw: dict[str, object]) -> None:
    broken = copy.deepcopy(raw)
    fields = broken["fields"]
    assert isinstance(fields, dict)
    del fields["farmasi"]
    with pytest.raises(TaxonomyError, match="farmasi"):
        parse_taxonomy(broken)


def test_unknown_sector_is_rejected(raw: dict[str, object]) -> None:
    broken = copy.deepcopy(raw)
    fields = broken["fields"]
    assert isinstance(fields, dict)
    fields["hukum"]["core"].append("antariksa")
    with pytest.raises(TaxonomyError, match="antariksa"):
        parse_taxonomy(broken)


def test_uncovered_sector_is_rejected(raw: dict[str, object]) -> None:
    broken = copy.deepcopy(raw)
    fields = broken["fields"]
    assert isinstance(fields, dict)
    for entry in fields.values():
        for level in ("core", "related"):
            entry[level] = [s for s in entry[level] if s != "pariwisata_kebudayaan"]
    with pytest.raises(TaxonomyError, match="pariwisata_kebudayaan"):
        parse_taxonomy(broken)


def test_documentation_shows_the_current_matrix() -> None:
    doc = (ROOT / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    assert taxonomy_markdown(load_taxonomy()) in doc
