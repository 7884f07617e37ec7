"""The fairness trade-off of one province: each mitigation's cost in accuracy against what it
does to the protected groups' selection impact ratios, next to today's practice and the truth.

One row per method (unmitigated, inverse-propensity weights, FA*IR re-ranking, both) plus the
status quo and the oracle: oracle-gain NDCG@10 of the shortlists as served, test RMSE of the
model's predictions, the lowest selection impact ratio per protected attribute, and how many
protected groups would block a first promotion (the gate against today's practice). Used by
``benchmarks/fairness_tradeoff.py``; docs/fairness.md shows the table of three provinces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from training.evaluate import load_oracle, ranking_setup
from training.fair_ranking import DEFAULT_ATTRIBUTES, FAIR, FairRankPolicy
from training.fairness_audit import shortlist_review
from training.fairness_mitigation import served_gain
from training.fairness_review import GateRule, served_ranks
from training.fairness_roles import PROTECTED
from training.fitting import TrainConfig
from training.metrics import rmse
from training.model import FitModel
from training.oracle_eval import K, evaluate_rankings
from training.propensity import PropensityConfig, propensity_weights
from training.train import Prepared, model_parts
from training.training_set import SplitName, TimeSplit

STATUS_QUO, ORACLE = "status quo", "oracle"
FAIR_ATTRIBUTES = (*DEFAULT_ATTRIBUTES, "gender_x_age_band")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Method:
    """A mitigation setting: weights at training and/or a re-ranking policy."""

    name: str
    weighted: bool
    policy: FairRankPolicy


def _fair(
    alpha: float, target: float = 1.0, attributes: tuple[str, ...] = FAIR_ATTRIBUTES
) -> FairRankPolicy:
    return FairRankPolicy(method=FAIR, attributes=attributes, target=target, alpha=alpha)


# FA*IR rows constrain gender, age band, region of origin and gender x age band unless named.
METHODS: tuple[Method, ...] = (
    Method("unmitigated", False, FairRankPolicy()),
    Method("ipw", True, FairRankPolicy()),
    Method("fa*ir a=0.1", False, _fair(0.1)),  # the level of the paper's experiments
    Method("fa*ir a=0.5", False, _fair(0.5)),
    Method("fa*ir a=0.7", False, _fair(0.7)),  # the default: per-prefix level ~0.5, the median
    Method("fa*ir a=0.7, no intersection", False, _fair(0.7, attributes=DEFAULT_ATTRIBUTES)),
    Method("fa*ir a=0.7, target 0.8", False, _fair(0.7, target=0.8)),
    Method("ipw + fa*ir a=0.7", True, _fair(0.7)),
)


def _quiet(_: str) -> None:
    return None


def tradeoff(
    prepared: Prepared,
    config: TrainConfig,
    methods: tuple[Method, ...] = METHODS,
    propensity: PropensityConfig | None = None,
    rule: GateRule | None = None,
    progress: Progress = _quiet,
) -> list[dict[str, Any]]:
    """The trade-off rows of one prepared province (see the module docstring)."""
    inputs, training_set = prepared.inputs, prepared.training_set
    propensity = propensity or PropensityConfig(enabled=True)
    rule = rule or config.gate
    time_split = TimeSplit.from_fractions(training_set.moves["as_of"], config.fractions)
    parts, retired = model_parts(prepared, time_split, config.seed)
    test = parts["test"]
    progress("ranking held-out vacancies")
    setup = ranking_setup(
        inputs.dataset, inputs.data_dir, test, inputs.builder, inputs.rule_set,
        config.max_vacancies, seed=config.seed,
    )  # fmt: skip
    if not setup.pools:
        raise ValueError(f"{inputs.data_dir}: no held-out vacancy to rank ({setup.note})")
    pools = setup.pools
    models = {False: _fit(parts, inputs.catalogue, config, None)}
    if any(m.weighted for m in methods):
        progress("propensity weights")
        usable = [n for n in inputs.catalogue.names if n not in retired]
        weights = propensity_weights(inputs, parts["train"], usable, propensity, config.seed)
        models[True] = _fit(parts, inputs.catalogue, config, weights.weights)
    ranking = evaluate_rankings(
        pools, {str(w): m.rank_score for w, m in models.items()}, seed=config.seed
    )
    rows: list[dict[str, Any]] = []
    last = None
    for method in methods:
        progress(f"method {method.name}")
        model = models[method.weighted]
        scores = ranking.scores[str(method.weighted)]
        ranks = served_ranks(pools, scores, K, method.policy)
        _, review = shortlist_review(
            pools, scores, method.policy,
            transfers=inputs.dataset.transfers, seed=config.seed,
        )  # fmt: skip
        blocking = review.blocking(rule)
        rows.append(
            {
                "method": method.name,
                "policy": method.policy.name,
                "training": propensity.name if method.weighted else "none",
                "oracle_gain": served_gain(pools, ranks, ranking),
                "rmse": rmse(test.y, model.predict(test.features)),
                **_min_ratios(review.references.groups, "model"),
                "blocking": len(blocking),
                "blocked": [
                    f"{a}={g}"
                    for a, g in zip(blocking["attribute"], blocking["group"], strict=True)
                ],
            }
        )
        last = review
    assert last is not None
    oracle = load_oracle(inputs.data_dir)
    if oracle is None:
        raise ValueError(f"{inputs.data_dir}: the trade-off needs generated data (an oracle)")
    truth = oracle.truth(
        test.moves["nip"].astype(str).to_numpy(), test.moves["position_id"].astype(str).to_numpy(),
        test.moves["as_of"].to_numpy(),
    )  # fmt: skip
    references = last.references.groups
    rows.append(_reference_row(STATUS_QUO, references, "status_quo", np.nan, np.nan))
    rows.append(_reference_row(ORACLE, references, "oracle", 1.0, rmse(test.y, truth)))
    return rows


def _fit(
    parts: Mapping[SplitName, Any], catalogue: Any, config: TrainConfig, weights: np.ndarray | None
) -> FitModel:
    args = (parts["train"].features, parts["train"].y, parts["valid"].features, parts["valid"].y)
    model = FitModel(catalogue.names, catalogue.monotone_constraints(), config.params, config.seed)
    return model.fit(*args, sample_weight=weights)


def _min_ratios(groups: Any, source: str) -> dict[str, float]:
    compared = groups.loc[~groups["excluded"]]
    out = {}
    for attribute in PROTECTED:
        values = compared.loc[compared["attribute"] == attribute, f"{source}_ratio"]
        out[f"min_ratio_{attribute}"] = float(values.min()) if len(values) else float("nan")
    return out


def _reference_row(
    name: str, groups: Any, source: str, gain: float, error: float
) -> dict[str, Any]:
    return {
        "method": name, "policy": "-", "training": "-", "oracle_gain": gain, "rmse": error,
        **_min_ratios(groups, source), "blocking": None, "blocked": [],
    }  # fmt: skip


def with_clip(config: PropensityConfig, clip: float) -> PropensityConfig:
    """The same propensity settings with another clip (the benchmark's sensitivity rows)."""
    return replace(config, clip=clip)
