"""Plain-language reasons from the catalogue, and the deterministic top-k cut."""

from __future__ import annotations

import math

import numpy as np

from features.catalogue import load_catalogue
from serving.domain.explain import reason, top_reasons, value_text
from serving.domain.scoring import top_k


def test_reasons_use_the_catalogue_meaning_in_both_languages() -> None:
    spec = load_catalogue().by_name("field_sector_fit")
    r = reason(spec, 1.0, 0.3141)
    assert r.reason_id == f"{spec.meaning_id}: 1 (+0.31)"
    assert r.reason_en == f"{spec.meaning_en}: 1 (+0.31)"
    assert r.contribution == 0.3141


def test_values_are_written_with_their_unit() -> None:
    catalogue = load_catalogue()
    assert value_text(catalogue.by_name("years_in_position"), 2.5) == ("2.50 tahun", "2.50 years")
    assert value_text(catalogue.by_name("same_region_as_current"), 1.0) == ("ya", "yes")
    assert value_text(catalogue.by_name("same_region_as_current"), 0.0) == ("tidak", "no")
    missing = value_text(catalogue.by_name("skp_last_rating"), math.nan)
    assert missing == ("tidak ada data", "no data")


def test_negative_contributions_carry_their_sign() -> None:
    r = reason(load_catalogue().by_name("competency_shortfall_sum"), 2.0, -0.1312)
    assert r.reason_id.endswith(": 2 jenjang (-0.13)")
    assert r.reason_en.endswith(": 2 levels (-0.13)")


def test_top_reasons_are_the_largest_in_magnitude_and_skip_zeros() -> None:
    catalogue = load_catalogue()
    names = catalogue.names
    contributions = np.zeros(len(names))
    contributions[[0, 3, 5]] = [0.1, -0.4, 0.2]
    values = np.arange(len(names), dtype=float)
    specs = [catalogue.by_name(name) for name in names]
    reasons = top_reasons(specs, values, contributions, n=5)
    assert [r.feature for r in reasons] == [names[3], names[5], names[0]]
    assert [r.value for r in reasons] == [3.0, 5.0, 0.0]


def test_top_k_is_best_first_with_ties_broken_by_key() -> None:
    scores = np.array([3.0, 4.5, 4.5, 2.0, 4.5, 5.0])
    keys = np.array(["f", "e", "b", "a", "c", "d"])
    assert top_k(scores, keys, 3).tolist() == [5, 2, 4]  # 5.0, then the 4.5 ties by key b < c
    assert top_k(scores, keys, 10).tolist() == [5, 2, 4, 1, 0, 3]
    assert top_k(scores[:0], keys[:0], 3).tolist() == []


def test_top_k_agrees_with_a_full_sort() -> None:
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 50, size=2000).astype(float)  # many ties
    keys = np.array([f"{i:05d}" for i in rng.permutation(2000)])
    expected = np.lexsort((keys, -scores))[:25]
    assert top_k(scores, keys, 25).tolist() == expected.tolist()
