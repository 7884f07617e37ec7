"""FA*IR (Zehlike et al. 2017): the minimum tables, the multiple-test adjustment and the
re-ranking's guarantee, on hand-made pools."""

from __future__ import annotations

import numpy as np
import pytest

from training.fair_ranking import (
    FairRankError,
    FairRankPolicy,
    adjusted_alpha,
    constrained_groups,
    fail_probability,
    fair_rerank,
    fair_top,
    minimum_table,
    minimum_tables,
    pool_ranks,
    prefix_minimums,
    ranks_of,
    score_ranks,
    unadjusted_table,
)

FAIR = FairRankPolicy(method="fair", attributes=("gender",), target=1.0, alpha=0.1)


def test_the_unadjusted_table_is_the_papers() -> None:
    # Zehlike et al. 2017, the table for p = 0.5 and alpha = 0.1.
    assert unadjusted_table(12, 0.5, 0.1).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4]


def test_the_failure_probability_matches_a_simulation() -> None:
    k, p = 20, 0.3
    table = unadjusted_table(k, p, 0.1)
    draws = np.random.default_rng(0).random((100_000, k)) < p
    simulated = (draws.cumsum(axis=1) < table).any(axis=1).mean()
    assert fail_probability(table, p) == pytest.approx(simulated, abs=0.005)


@pytest.mark.parametrize(("k", "p"), [(10, 0.5), (20, 0.3), (50, 0.1)])
def test_the_adjusted_level_keeps_the_family_wise_error_at_alpha(k: int, p: float) -> None:
    level = adjusted_alpha(k, p, 0.1)
    assert 0 < level <= 0.1
    assert fail_probability(unadjusted_table(k, p, level), p) <= 0.1
    # ...and it is the largest such level: a little more and the k tests fail too often.
    looser = unadjusted_table(k, p, min(level * 1.05 + 1e-4, 0.1))
    assert (
        fail_probability(looser, p) > 0.1
        or looser.tolist() == unadjusted_table(k, p, level).tolist()
    )


def test_tables_never_ask_more_than_the_prefix_and_grow_with_p() -> None:
    for p in (0.1, 0.3, 0.5, 0.9):
        table = minimum_table(30, p, 0.1)
        assert (table <= np.arange(1, 31)).all()
        assert (np.diff(table) >= 0).all()
    assert (minimum_table(30, 0.6, 0.1) >= minimum_table(30, 0.3, 0.1)).all()


def _pool(n: int = 40, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Half women, every woman scored below every man: score order shortlists men only."""
    rng = np.random.default_rng(seed)
    gender = np.array(["L", "P"] * (n // 2), dtype=object)
    scores = rng.normal(size=n) + 10.0 * (gender == "L")
    return scores, {"gender": gender}


def test_score_order_is_kept_without_a_policy() -> None:
    scores, codes = _pool()
    result = fair_rerank(scores, codes, 10, FairRankPolicy())
    assert result.order.tolist() == np.argsort(-scores, kind="stable").tolist()
    assert result.moved == 0


def test_every_prefix_meets_its_minimum_and_the_rest_keeps_score_order() -> None:
    scores, codes = _pool()
    k = 10
    result = fair_rerank(scores, codes, k, FAIR)
    women = (codes["gender"][result.order[:k]] == "P").cumsum()
    table = minimum_table(k, 0.5, 0.1)
    assert (women >= table).all()
    assert table[-1] >= 1
    assert result.moved == table[-1]
    # Within each group the order is still by score, and below k it is plain score order.
    for g in ("L", "P"):
        mine = [r for r in result.order[:k] if codes["gender"][r] == g]
        assert mine == sorted(mine, key=lambda r: -scores[r])
    rest = result.order[k:]
    assert list(rest) == sorted(rest, key=lambda r: -scores[r])


def test_a_ranking_that_is_already_fair_is_not_changed() -> None:
    rng = np.random.default_rng(1)
    gender = np.array(["L", "P"] * 20, dtype=object)
    scores = rng.normal(size=40)
    result = fair_rerank(scores, {"gender": gender}, 10, FAIR)
    by_score = np.argsort(-scores, kind="stable")
    if ((gender[by_score[:10]] == "P").cumsum() >= minimum_table(10, 0.5, 0.1)).all():
        assert result.moved == 0
        assert result.order.tolist() == by_score.tolist()


def test_small_groups_are_not_constrained() -> None:
    scores = np.arange(20, 0, -1, dtype=float)
    gender = np.array(["L"] * 19 + ["P"], dtype=object)
    policy = FairRankPolicy(method="fair", attributes=("gender",), alpha=0.5, min_group_share=0.2)
    assert fair_rerank(scores, {"gender": gender}, 10, policy).moved == 0  # P is 5%: too small


def test_no_group_is_asked_for_more_than_its_proportional_share() -> None:
    # A level near 1 puts the binomial minimum of P (3 of 12) at 6 of 12 places, and L's at
    # 12 of 12: no ranking meets both. The part that fits is met first in every prefix.
    few = np.array(["L"] * 9 + ["P"] * 3, dtype=object)
    strict = FairRankPolicy(method="fair", attributes=("gender",), alpha=0.99)
    assert minimum_table(12, 0.25, 0.99)[-1] > 3
    result = fair_rerank(np.arange(12, 0, -1, dtype=float), {"gender": few}, 12, strict)
    assert result.unmet == ()
    women = (few[result.order] == "P").cumsum()
    assert (women >= np.floor(0.25 * np.arange(1, 13))).all()
    assert (women <= np.ceil(0.25 * np.arange(1, 13))).all()  # ...and not more than asked
    assert (women >= prefix_minimums(12, [0.75, 0.25], 0.99)[1]).all()


def test_a_majority_s_rounded_up_table_never_takes_a_minority_s_places() -> None:
    # At the default level L's and P's tables ask for 7 of the first 6 places. Pursued whole,
    # L (better placed at every tie) would keep P at 1 of 6 where FA*IR asks for 2.
    few = np.array(["L"] * 9 + ["P"] * 3, dtype=object)
    policy = FairRankPolicy(method="fair", attributes=("gender",), alpha=0.7)
    assert minimum_tables(12, [0.75, 0.25], 0.7)[:, 5].sum() == 7
    result = fair_rerank(np.arange(12, 0, -1, dtype=float), {"gender": few}, 12, policy)
    women = (few[result.order] == "P").cumsum()
    assert (women >= minimum_table(12, 0.25, 0.7)).all()


def test_what_is_reported_fits_the_prefix_and_keeps_the_small_groups_minimum() -> None:
    # Age bands of a typical pool at the default level: the tables ask for 11 of 10 places.
    shares = [0.1, 0.3, 0.35, 0.25]
    full = minimum_tables(10, shares, 0.7)
    fitting = prefix_minimums(10, shares, 0.7)
    assert full.sum(axis=0)[-1] == 11
    assert (fitting.sum(axis=0) <= np.arange(1, 11)).all()
    assert (fitting <= full).all()
    assert (fitting >= np.floor(np.outer(shares, range(1, 11)) + 1e-9)).all()
    # The excess is taken from the groups most above their share: the smallest keeps its table.
    assert fitting[0].tolist() == full[0].tolist()


def test_a_group_left_short_by_competing_attributes_is_reported() -> None:
    # What fits: a=0 [1, 2, 2], a=1 [0, 0, 1], b=1 [0, 1, 1], b=0 [1, 1, 2]. At the first place
    # a=0 and b=0 are short; their heads, row 0 (a=0) and row 2 (b=0), are each in one short
    # group, so the better placed, row 0, is taken, and at the second row 1 (a=0) the same way.
    # Row 2 (a=1 and b=0) takes the third and b=0 ends one short. Row 3 is in both a=0 and b=0
    # and [3, 0, 2] would meet every group, but row 3 is neither group's best remaining member:
    # like FA*IR, the greedy only moves up a short group's best and does not search.
    codes = {
        "a": np.array(list("001000"), dtype=object),
        "b": np.array(list("110010"), dtype=object),
    }
    policy = FairRankPolicy(method="fair", attributes=("a", "b"), alpha=0.9)
    result = fair_rerank(np.arange(6, 0, -1, dtype=float), codes, 3, policy)
    assert result.order[:3].tolist() == [0, 1, 2]
    assert result.unmet == ("b=0",)
    fitting = {g.label: g.fitting.tolist() for g in constrained_groups(codes, 3, policy)}
    assert fitting == {"a=0": [1, 2, 2], "a=1": [0, 0, 1], "b=1": [0, 1, 1], "b=0": [1, 1, 2]}
    look_ahead = [3, 0, 2]
    for label, table in fitting.items():
        a, v = label.split("=")
        assert ((codes[a][look_ahead] == v).cumsum() >= table).all(), label


def test_unknown_values_belong_to_no_group() -> None:
    scores, codes = _pool()
    codes["gender"][:4] = None
    result = fair_rerank(scores, codes, 10, FAIR)
    assert len(set(result.order.tolist())) == len(scores)


def test_ranks_and_pool_ranks_agree() -> None:
    scores, codes = _pool()
    order = fair_rerank(scores, codes, 10, FAIR).order
    ranks = pool_ranks([scores], [codes], 10, FAIR)[0]
    assert (ranks_of(order) == ranks).all()
    assert sorted(ranks.tolist()) == list(range(1, len(scores) + 1))


def test_policies_round_trip_and_bad_ones_are_named() -> None:
    assert FairRankPolicy.from_dict(FAIR.to_dict()) == FAIR
    assert FairRankPolicy.from_dict({}) == FairRankPolicy()
    assert FAIR.name == "fa*ir(target=1, alpha=0.1: gender)"
    with pytest.raises(FairRankError, match="alpha"):
        FairRankPolicy(method="fair", alpha=0.0)
    with pytest.raises(FairRankError, match="method"):
        FairRankPolicy(method="quota")  # type: ignore[arg-type]
    scores, _ = _pool()
    with pytest.raises(FairRankError, match="lack the attribute 'gender'"):
        fair_rerank(scores, {}, 10, FAIR)


def test_the_sort_free_shortlist_breaks_ties_by_key_like_a_full_sort() -> None:
    rng = np.random.default_rng(3)
    n = 400
    gender = rng.choice(np.array(["L", "P"], dtype=object), n, p=[0.7, 0.3])
    # Many ties, as tree models give; women scored lower, so that FA*IR has work to do.
    scores = np.round(rng.normal(size=n) - 1.5 * (gender == "P"), 1)
    keys = np.array([f"19{rng.integers(10**15):016d}" for _ in range(n)], dtype=object)
    codes = {"gender": gender}
    by_key = np.lexsort((keys, -scores))  # what serving's plain top-k orders by
    reference = ranks_of(by_key)
    result = fair_top(scores, codes, 10, FAIR, keys=keys)
    assert result.ranks.tolist() == reference[result.top].tolist()
    assert (score_ranks(scores, by_key[:25], keys) == np.arange(1, 26)).all()
    assert result.moved == int((result.ranks > 10).sum()) > 0
    # Without keys, ties go by row number: the same shortlist as the full order's top k.
    assert fair_top(scores, codes, 10, FAIR).top.tolist() == (
        fair_rerank(scores, codes, 10, FAIR).order[:10].tolist()
    )
