"""Who the mentoring list takes, and the gaps and training it names, on the tiny dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.catalogue import load_catalogue
from features.history import EmployeeHistory
from monitoring.gaps import load_trainings, person_gaps
from monitoring.mentoring import MentoringRules, contributions_of, flag_moves, gap_features
from tests.factories import E2, E4, E5, E6, EXPORT_DATE, make_dataset


def _posts() -> pd.DataFrame:
    dataset = make_dataset()
    sectors = dataset.units.set_index("unit_id")["sector"].astype(str)
    posts = dataset.positions.set_index("position_id")
    return posts.assign(sector=posts["unit_id"].map(sectors))


def _gaps(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, tuple[object, ...]]]:
    dataset = make_dataset()
    found = person_gaps(
        EmployeeHistory(dataset), dataset.employees, _posts(), [n for n, _ in pairs],
        [p for _, p in pairs], EXPORT_DATE, load_trainings(),
    )  # fmt: skip
    return {
        pair: {g.code: (g.kind, g.required, g.held, g.gap, g.training_id) for g in gaps}
        for pair, gaps in zip(pairs, found, strict=True)
    }


def test_gaps_against_the_new_post_name_the_training_that_closes_them() -> None:
    gaps = _gaps([(E2, "P3"), (E6, "P3"), (E6, "P1"), (E4, "P3"), (E5, "P4")])
    assert gaps[(E2, "P3")] == {
        "manajerial": ("competency_unassessed", "4", None, None,
                       "Asesmen kompetensi manajerial (belum pernah diases)"),
        "sosiokultural": ("competency_unassessed", "3", None, None,
                          "Asesmen kompetensi sosiokultural (belum pernah diases)"),
        "education_level": ("education_level", "S2", "S1", 1.0,
                            "Tugas belajar / izin belajar ke jenjang S2"),
    }  # fmt: skip
    assert gaps[(E6, "P3")]["manajerial"][:4] == ("competency", "4", "3", 1.0)
    assert "PKN II" in str(gaps[(E6, "P3")]["manajerial"][4])
    assert gaps[(E6, "P3")]["sosiokultural"][:4] == ("competency", "3", "2", 1.0)
    assert gaps[(E6, "P1")]["teknis_kesehatan"][0] == "competency_unassessed"
    assert gaps[(E6, "P1")]["education_field"][1] == "kedokteran;kesehatan_masyarakat"
    assert gaps[(E4, "P3")] == {}
    assert gaps[(E5, "P4")]["education_field"][2] == "administrasi_publik"


def test_a_training_catalogue_of_the_pemda_replaces_the_packaged_one(tmp_path: Path) -> None:
    own = tmp_path / "trainings.yaml"
    own.write_text(
        "competency:\n  manajerial:\n"
        "    - {up_to_level: 5, id: 'Diklat Pim {code}', en: 'Lead {code}'}\n"
        "unassessed: {id: 'Asesmen', en: 'Assessment'}\n"
        "education_level: {id: 'Tubel {level}', en: 'Study {level}'}\n"
        "education_field: {id: 'Bidang {fields}', en: 'Field {fields}'}\n",
        encoding="utf-8",
    )
    trainings = load_trainings(own)
    assert trainings.for_competency("manajerial", 4).filled(code="manajerial", sector="x") == (
        "Diklat Pim manajerial",
        "Lead manajerial",
    )
    # No ladder for a family: the assessment is the first step.
    assert trainings.for_competency("teknis_kesehatan", 3).text_id == "Asesmen"
    broken = tmp_path / "broken.yaml"
    broken.write_text("competency: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="malformed"):
        load_trainings(broken)


def _moves() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": ["rated", "rated", "rated", "unrated", "unrated", "superseded"],
            "rating": [3.0, 4.0, 5.0, np.nan, np.nan, 2.0],
            "shown_lower": [3.5, 4.6, 4.2, 3.0, 3.0, 3.0],
            "shap_values": [None, None, None, {"field_sector_fit": -0.5}, None, None],
        }
    )


def test_flags_take_low_ratings_falls_under_the_interval_and_early_gaps() -> None:
    catalogue = load_catalogue()
    names = catalogue.names
    gap_columns = np.array([names.index(f) for f in gap_features(catalogue)])
    rescored = np.zeros((6, len(names)))
    rescored[4, names.index("competency_shortfall_sum")] = -0.1  # too small to list early
    contributions = contributions_of(_moves(), rescored, names)
    assert contributions[3, names.index("field_sector_fit")] == -0.5  # the answer's own SHAP
    flags = flag_moves(_moves(), contributions, gap_columns, MentoringRules(0.5, 0.3))
    assert flags.to_dict("list") == {
        "realised_low": [True, False, False, False, False, False],
        "below_interval": [False, True, False, False, False, False],
        "early_gap": [False, False, False, True, False, False],
    }


def test_gap_reasons_are_education_and_competency_against_the_post() -> None:
    names = set(gap_features(load_catalogue()))
    assert {"field_sector_fit", "education_level_gap", "competency_shortfall_sum"} <= names
    assert not names & {"current_field_sector_fit", "competency_coverage", "skp_mean_3y"}
