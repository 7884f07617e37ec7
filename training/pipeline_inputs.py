"""What every training-stage command loads first: the validated dataset, the feature catalogue,
the eligibility rule set and a feature builder fitted on the dataset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from features.catalogue import FeatureCatalogue, load_catalogue
from features.contract import Dataset
from features.data import read_raw_tables
from features.eligibility import RuleSet, rule_set_from_settings
from features.fit import FitFeatureBuilder
from features.validation import ValidationResult, validate_tables
from mutasi.settings import Settings


@dataclass
class PipelineInputs:
    """Loaded inputs of a training, evaluation or promotion run."""

    data_dir: Path
    dataset: Dataset
    validation: ValidationResult
    catalogue: FeatureCatalogue
    catalogue_path: Path
    rule_set: RuleSet
    rule_set_yaml: str
    builder: FitFeatureBuilder
    builder_params: dict[str, Any]

    def rule_set_json(self) -> str:
        """The effective rule set (file plus overrides) as JSON, for the run's artifacts."""
        rules = [
            {"id": r.id, "kind": r.kind, "params": dict(r.params), "source": r.source}
            for r in self.rule_set.rules
        ]
        return json.dumps(
            {
                "version": self.rule_set.version,
                "base_version": self.rule_set.base_version,
                "overrides": dict(self.rule_set.overrides),
                "rules": rules,
            },
            indent=2,
            default=str,
        )


def builder_params_of(builder: FitFeatureBuilder) -> dict[str, Any]:
    """The builder's constructor parameters (scikit-learn style), JSON-safe."""
    params = builder.get_params() if hasattr(builder, "get_params") else {}
    safe: dict[str, Any] = json.loads(json.dumps(params, default=str))
    return safe


def fitted_builder(dataset: Dataset, params: dict[str, Any] | None = None) -> FitFeatureBuilder:
    """A feature builder with ``params`` (default ones if None), fitted on the dataset."""
    return FitFeatureBuilder(**(params or {})).fit(dataset)


def load_inputs(
    data_dir: Path, settings: Settings, builder_params: dict[str, Any] | None = None
) -> PipelineInputs:
    """Validate and load a contract directory and everything the pipeline needs with it."""
    validation = validate_tables(
        read_raw_tables(data_dir), max_cell_length=settings.max_cell_length
    )
    if emptied := validation.emptied_tables:
        names = ", ".join(t.value for t in emptied)
        raise ValueError(
            f"{data_dir}: validation rejected every row of {names}; run `mutasi validate` on it"
        )
    dataset = validation.dataset
    catalogue_path = Path(str(resources.files("features").joinpath("catalogue.yaml")))
    rule_source = settings.rules_file or Path(
        str(resources.files("features").joinpath("rules.yaml"))
    )
    builder = fitted_builder(dataset, builder_params)
    return PipelineInputs(
        data_dir=Path(data_dir).resolve(),
        dataset=dataset,
        validation=validation,
        catalogue=load_catalogue(),
        catalogue_path=catalogue_path,
        rule_set=rule_set_from_settings(settings),
        rule_set_yaml=Path(rule_source).read_text(encoding="utf-8"),
        builder=builder,
        builder_params=builder_params_of(builder),
    )
