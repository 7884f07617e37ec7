"""Re-building a model version's test split from data and evaluating any bundle on it.

``mutasi promote`` evaluates champion and challenger on the *challenger's* test split (same moves,
same held-out vacancies, same random orders); ``mutasi evaluate`` does the same for one model on
the test period of any dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutasi.settings import Settings
from training.bundle import BundleManifest, ModelBundle
from training.evaluate import Evaluation, RankingSetup, evaluate_models, ranking_setup
from training.oracle_eval import with_features
from training.pipeline_inputs import PipelineInputs, fitted_builder, load_inputs
from training.training_set import Part, Progress, TimeSplit, build_features, build_split_part


class HoldoutError(RuntimeError):
    """A test split cannot be rebuilt (data changed, features no longer produced...)."""


@dataclass
class Holdout:
    """A test split rebuilt from data: moves, features, candidate pools, and its definition."""

    inputs: PipelineInputs
    time_split: TimeSplit
    test: Part
    ranking: RankingSetup
    seed: int


def rebuild_holdout(
    manifest: BundleManifest,
    settings: Settings,
    data_dir: Path | None = None,
    same_snapshot: bool = True,
    progress: Progress | None = None,
) -> Holdout:
    """The test split a manifest defines, on its own data (or on ``data_dir``).

    With ``same_snapshot`` the data must be byte-identical to what the model was trained on,
    otherwise "the same test split" would be a different set of moves.
    """
    source = Path(data_dir or manifest.data_dir)
    if not source.is_dir():
        raise HoldoutError(f"data directory {source} does not exist")
    inputs = load_inputs(source, settings, manifest.builder_params)
    if same_snapshot and inputs.dataset.snapshot_id != manifest.data_snapshot_id:
        raise HoldoutError(
            f"{source} changed since training (snapshot {inputs.dataset.snapshot_id}, "
            f"model trained on {manifest.data_snapshot_id}): retrain before comparing"
        )
    time_split = manifest.time_split
    test = build_split_part(inputs.dataset, inputs.builder, time_split, "test")
    setup = ranking_setup(
        inputs.dataset,
        inputs.data_dir,
        test,
        inputs.builder,
        inputs.rule_set,
        manifest.max_vacancies,
        seed=manifest.seed,
        progress=progress,
    )
    return Holdout(inputs, time_split, test, setup, manifest.seed)


def evaluate_bundle(bundle: ModelBundle, holdout: Holdout) -> Evaluation:
    """Evaluate a bundle on a holdout, rebuilding features with its own builder if it differs."""
    test, pools = holdout.test, holdout.ranking.pools
    if bundle.manifest.builder_params != holdout.inputs.builder_params:
        builder = fitted_builder(holdout.inputs.dataset, bundle.manifest.builder_params)
        triples = test.moves[["nip", "position_id", "as_of"]]
        test = Part(test.moves, build_features(builder, triples), test.y)
        pools = with_features(pools, builder) if pools else None
    missing = [c for c in bundle.feature_names if c not in test.features.columns]
    if missing:
        raise HoldoutError(
            f"{bundle.model_uri}: features {missing} are no longer built (catalogue "
            f"{bundle.manifest.catalogue_version} vs {holdout.inputs.catalogue.version})"
        )
    return evaluate_models(
        [bundle.model],
        test,
        pools,
        holdout.ranking.note,
        holdout.ranking.n_skipped,
        seed=holdout.seed,
    )
