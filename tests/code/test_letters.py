"""The letters' wording covers every reason code in both languages, and a letter says all of
it on one page: every catalogue feature, opt-out reason, wish outcome and support kind."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import pandas as pd
import pytest
from PIL import Image

from features.catalogue import load_catalogue
from serving.audit.participation_records import PlanFinalRecord
from serving.domain.participation.letter_render import (
    LANGS,
    letter_text,
    render_html,
    render_pdf,
    wording,
)
from serving.domain.participation.letters import (
    LetterConfig,
    LetterFacts,
    Support,
    SupportKind,
    Wish,
    WishOutcome,
    unit_label,
)
from serving.schemas.usulan import OptOutReason

CATALOGUE = load_catalogue()
CONFIG = LetterConfig(
    "BKPSDM Provinsi Gorontalo", "portal SIMPEG", 14, "https://mutasi.example/notice"
)
LEFTOVER = re.compile(r"\{|\}|\bNone\b|\bnan\b")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _entries() -> list[tuple[str, str, dict[str, str]]]:
    return [
        (section, key, words)
        for section, entries in wording().items()
        for key, words in entries.items()
    ]


def test_every_entry_has_both_languages_with_the_same_placeholders() -> None:
    for section, key, words in _entries():
        assert set(words) == set(LANGS), (section, key)
        assert all(words[lang].strip() for lang in LANGS), (section, key)
        assert _placeholders(words["id"]) == _placeholders(words["en"]), (section, key)


def test_the_wording_covers_every_code_there_is() -> None:
    words = wording()
    assert set(words["features"]) == set(CATALOGUE.names)
    assert set(words["opt_out_reasons"]) == {r.value for r in OptOutReason}
    assert set(words["wishes"]) == set(get_args(WishOutcome))
    assert set(words["support"]) == set(get_args(SupportKind))


def facts(**changes: Any) -> LetterFacts:
    """A letter saying as much as one can: three reasons, three wishes, five support lines."""
    base: dict[str, Any] = {
        "request_id": "ab" * 16,
        "nip": "198503122010011002",
        "name": "Dr. Siti Nurhaliza Abdullah Mohammad, S.K.M., M.Kes.",
        "created_on": date(2026, 1, 2),
        "as_of": date(2026, 1, 2),
        "model_version": "12",
        "final": None,
        "from_title": "Penyuluh Kesehatan Masyarakat Ahli Muda pada Bidang Pencegahan Penyakit",
        "from_unit": "Dinas Kesehatan Kabupaten Gorontalo Utara",
        "to_title": "Kepala Seksi Pencegahan dan Pengendalian Penyakit Menular dan Imunisasi",
        "to_unit": "Dinas Kesehatan Provinsi Gorontalo",
        "to_position_id": "J000123",
        "rating": 4.21,
        "lower": 3.62,
        "upper": 4.8,
        "p_baik_or_better": 0.87,
        "reasons": (
            ("field_sector_fit", 1.0), ("skp_mean_3y", 4.67), ("years_in_target_sector", 7.5)
        ),
        "need": 4,
        "bezetting": 2,
        "unit_before": 6,
        "unit_after": 5,
        "wish_source": "usulan",
        "statement": (3, date(2025, 12, 20)),
        "wishes": (
            Wish(1, "U9", "Rumah Sakit Umum Daerah Prof. Dr. H. Aloei Saboe Kota Gorontalo",
                 "not_eligible", "min_years_in_position",
                 ("Masa jabatan saat ini 1.2 tahun, minimal 2 tahun",
                  "1.2 years in the current position, minimum 2")),
            Wish(2, "U1", "Dinas Kesehatan Provinsi Gorontalo", "honoured"),
            Wish(3, "U4", "Badan Perencanaan Pembangunan Daerah", "higher_choice"),
        ),
        "opt_out_overridden": "childcare",
        "support": (
            Support("manajerial", 2), Support("sosiokultural", 1), Support("teknis", 1),
            Support("not_assessed"), Support("orientation"),
        ),
        "deadline": date(2026, 1, 16),
        "config": CONFIG,
    }  # fmt: skip
    return LetterFacts(**(base | changes))


def _sentences(letter: Any) -> list[str]:
    out: list[str] = []
    for value in vars(letter).values():
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(value)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_reason_code_reads_fully_in_both_languages(lang: str) -> None:
    """Each feature reason, wish outcome, opt-out reason and support kind, in a letter."""
    cases: list[LetterFacts] = [facts(reasons=((name, 1.0),)) for name in CATALOGUE.names]
    cases += [
        facts(wishes=(Wish(1, "U1", "Dinas", outcome, "rule", ("syarat", "requirement")),))
        for outcome in get_args(WishOutcome)
    ]
    cases += [facts(opt_out_overridden=reason.value) for reason in OptOutReason]
    cases += [facts(support=(Support(kind, 1),)) for kind in get_args(SupportKind)]
    cases += [
        facts(wish_source=source, statement=statement, wishes=())
        for source, statement in (
            ("none", None),
            ("export", None),
            ("withdrawn", (2, date(2026, 1, 1))),
        )
    ]
    final = PlanFinalRecord(
        "r",
        "Kepala BKPSDM",
        None,
        "k",
        "admin",
        "f",
        datetime(2026, 1, 20, tzinfo=UTC),
        False,
        (),
        9,
    )
    cases.append(facts(final=final))
    for case in cases:
        letter = letter_text(case, lang, CATALOGUE)
        for sentence in _sentences(letter):
            assert sentence.strip(), (lang, case)
            assert not LEFTOVER.search(sentence), (lang, sentence)
    assert letter.final


def test_the_indonesian_letter_writes_decimal_commas() -> None:
    letter = letter_text(facts(), "id", CATALOGUE)
    assert "4,2 dari 5" in letter.prediction
    assert "1,2 tahun" in letter.wishes[0]
    assert "4.2 of 5" in letter_text(facts(), "en", CATALOGUE).prediction


def test_the_fullest_letter_fits_one_page_and_a_batch_one_page_each() -> None:
    letters = [facts(), facts(nip="199001012015032001", opt_out_overridden=None)]
    for lang in LANGS:
        printed = render_pdf(render_html(letters, lang, CATALOGUE), [f.nip for f in letters])
        assert printed.pages == {f.nip: 1 for f in letters}, lang
        assert printed.document.startswith(b"%PDF")
        assert all(pdf.startswith(b"%PDF") for pdf in printed.letters.values())


def test_printing_fetches_nothing(tmp_path: Path) -> None:
    """Whatever reaches a letter's HTML, the printer reads no file and calls no URL."""
    Image.new("RGB", (40, 40), "red").save(tmp_path / "local.png")
    html = render_html([facts()], "id", CATALOGUE).replace(
        "</section>", f'<img src="{(tmp_path / "local.png").as_uri()}"></section>', 1
    )
    printed = render_pdf(html, [facts().nip])
    assert b"/Image" not in printed.document
    assert printed.pages == {facts().nip: 1}


def test_units_of_the_same_name_are_told_apart_by_their_id() -> None:
    state = SimpleNamespace(
        units=pd.DataFrame(
            {"name": ["SMA Negeri 1 Gorontalo", "SMA Negeri 1 Gorontalo", "Dinas Kesehatan"]},
            index=pd.Index(["U3", "U7", "U9"], name="unit_id"),
        )
    )
    assert unit_label(state, "U3") == "SMA Negeri 1 Gorontalo (U3)"  # type: ignore[arg-type]
    assert unit_label(state, "U9") == "Dinas Kesehatan"  # type: ignore[arg-type]
    assert unit_label(state, "U0", "Dinas Lama") == "Dinas Lama"  # type: ignore[arg-type]
    assert unit_label(state, "U0") == "U0"  # type: ignore[arg-type]
