"""The model bundle: everything serving needs besides the regressor itself.

A training run logs the regressor with the MLflow LightGBM flavour (registered as
``mutasi-fit``) and, next to it, a ``bundle/`` artifact directory:

- ``classifier.txt``: the P(baik+) LightGBM booster;
- ``conformal.json``: split-conformal half-widths per nominal level;
- ``catalogue.yaml``: the feature catalogue the model was trained on;
- ``manifest.json``: feature names and monotone constraints, catalogue / rule-set / contract
  versions, feature-builder parameters, data snapshot and directory, the split definition
  (date cutoffs), seed, hyper-parameters and training metrics;
- ``fairness/report.json``: the fairness report of the held-out shortlists (promotion gate);
- ``model_card/model_card.md`` and ``.html``: the model card (:mod:`training.model_card`);
- ``reference_profile.json``: distributions of the reference data that monitoring measures
  drift against (:mod:`training.reference_profile`).

The last three are optional: bundles of older versions load without them.

:func:`load_bundle` turns a registry URI (``models:/mutasi-fit@champion``), an alias
(``champion``) or ``runs:/<id>/model`` back into a :class:`ModelBundle` that predicts.
"""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import mlflow.lightgbm
import pandas as pd
from mlflow import MlflowClient

from mutasi.settings import Settings, get_settings
from training import tracking
from training.fairness import FairnessReport
from training.intervals import DEFAULT_LEVEL, SplitConformal
from training.model import FitModel
from training.oracle_eval import MAX_VACANCIES
from training.reference_profile import PROFILE_FILE, ReferenceProfile
from training.training_set import TimeSplit

BUNDLE_DIR = "bundle"
MODEL_ARTIFACT = "model"
_MANIFEST, _CLASSIFIER, _CONFORMAL, _CATALOGUE = (
    "manifest.json", "classifier.txt", "conformal.json", "catalogue.yaml",
)  # fmt: skip
FAIRNESS_REPORT = "fairness/report.json"
MODEL_CARD_MD, MODEL_CARD_HTML = "model_card/model_card.md", "model_card/model_card.html"


class BundleError(RuntimeError):
    """A model URI cannot be resolved or its bundle is incomplete."""


@dataclass
class BundleManifest:
    """Metadata of a trained model (``manifest.json``)."""

    feature_names: list[str]
    monotone: list[int]
    catalogue_version: str
    rule_set_version: str
    contract_version: str
    builder_params: dict[str, Any]
    data_dir: str
    data_snapshot_id: str
    split: dict[str, str]
    seed: int
    lgb_params: dict[str, Any]
    has_oracle: bool
    max_vacancies: int = MAX_VACANCIES
    retired_features: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    outcome_counts: dict[str, int] = field(default_factory=dict)

    @property
    def time_split(self) -> TimeSplit:
        """The split definition: test = moves on or after ``split['test_start']``."""
        return TimeSplit.from_dict(self.split)

    def to_json(self) -> str:
        """Serialised manifest."""
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> BundleManifest:
        """Parse a manifest, naming the fields that are missing."""
        raw = json.loads(text)
        needed = {
            name
            for name, f in cls.__dataclass_fields__.items()
            if f.default is MISSING and f.default_factory is MISSING
        }
        missing = sorted(needed - set(raw))
        if missing:
            raise BundleError(f"bundle manifest.json lacks fields {missing}")
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


@dataclass
class ModelBundle:
    """A loaded model version: the fitted model plus its manifest and provenance."""

    model: FitModel
    manifest: BundleManifest
    model_uri: str
    run_id: str
    version: str | None = None
    catalogue_path: Path | None = None
    fairness: FairnessReport | None = None
    model_card_md: str | None = None
    model_card_html: str | None = None
    reference_profile: ReferenceProfile | None = None

    @property
    def feature_names(self) -> list[str]:
        """Model input columns, in order."""
        return self.manifest.feature_names

    def predict_frame(self, features: pd.DataFrame, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """expected_rating, interval_low, interval_high, p_good per feature row."""
        expected = self.model.predict(features)
        low, high = self.model.conformal_.interval(expected, level)
        return pd.DataFrame(
            {
                "expected_rating": expected,
                "interval_low": low,
                "interval_high": high,
                "p_good": self.model.prob_good(features),
            },
            index=features.index,
        )


def write_bundle(out_dir: Path, model: FitModel, manifest: BundleManifest, catalogue: Path) -> Path:
    """Write the bundle files of a fitted model into ``out_dir`` (created)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / _MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    (out_dir / _CLASSIFIER).write_text(model.classifier_.model_to_string(), encoding="utf-8")
    (out_dir / _CONFORMAL).write_text(
        json.dumps(model.conformal_.to_dict(), indent=2), encoding="utf-8"
    )
    (out_dir / _CATALOGUE).write_text(catalogue.read_text(encoding="utf-8"), encoding="utf-8")
    return out_dir


def resolve_model_uri(model_uri_or_alias: str, model_name: str | None = None) -> str:
    """``champion`` -> ``models:/<model_name>@champion``; full URIs pass through."""
    if ":" in model_uri_or_alias:
        return model_uri_or_alias
    return f"models:/{model_name or get_settings().model_name}@{model_uri_or_alias}"


def run_of(model_uri: str, client: MlflowClient) -> tuple[str, str | None]:
    """Run id (and registry version, if any) behind a ``models:/`` or ``runs:/`` URI."""
    if m := re.fullmatch(r"runs:/([^/]+)/.+", model_uri):
        return m.group(1), None
    if m := re.fullmatch(r"models:/([^/@]+)@([^/]+)", model_uri):
        try:
            mv = client.get_model_version_by_alias(m.group(1), m.group(2))
        except mlflow.exceptions.MlflowException as exc:
            raise BundleError(f"no model version behind {model_uri}: {exc.message}") from exc
        return str(mv.run_id), str(mv.version)
    if m := re.fullmatch(r"models:/([^/@]+)/(\d+)", model_uri):
        try:
            mv = client.get_model_version(m.group(1), m.group(2))
        except mlflow.exceptions.MlflowException as exc:
            raise BundleError(f"no model version behind {model_uri}: {exc.message}") from exc
        return str(mv.run_id), str(mv.version)
    raise BundleError(
        f"unsupported model URI {model_uri!r}: use an alias (champion), "
        "models:/<name>@<alias>, models:/<name>/<version> or runs:/<run_id>/model"
    )


def read_bundle_dir(bundle_dir: Path) -> tuple[BundleManifest, lgb.Booster, SplitConformal]:
    """Manifest, classifier and conformal state from a bundle directory."""
    missing = [f for f in (_MANIFEST, _CLASSIFIER, _CONFORMAL) if not (bundle_dir / f).exists()]
    if missing:
        raise BundleError(f"bundle at {bundle_dir} lacks {missing}")
    manifest = BundleManifest.from_json((bundle_dir / _MANIFEST).read_text(encoding="utf-8"))
    classifier = lgb.Booster(model_file=str(bundle_dir / _CLASSIFIER))
    conformal = SplitConformal.from_dict(
        json.loads((bundle_dir / _CONFORMAL).read_text(encoding="utf-8"))
    )
    return manifest, classifier, conformal


def read_fairness(bundle_dir: Path) -> FairnessReport | None:
    """The bundle's fairness report; None for bundles trained without one."""
    path = bundle_dir / FAIRNESS_REPORT
    if not path.exists():
        return None
    return FairnessReport.from_dict(json.loads(path.read_text(encoding="utf-8")))


def read_reference_profile(bundle_dir: Path) -> ReferenceProfile | None:
    """The bundle's reference profile; None for bundles trained before profiles existed."""
    path = bundle_dir / PROFILE_FILE
    if not path.exists():
        return None
    try:
        return ReferenceProfile.from_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BundleError(f"bundle at {bundle_dir}: {exc}") from exc


def _optional_text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def load_bundle(
    model_uri_or_alias: str = "champion", settings: Settings | None = None
) -> ModelBundle:
    """Load the regressor (native LightGBM flavour) and the bundle files of its run.

    ``settings`` picks the tracking/registry store (default: the process settings).
    """
    settings = settings or get_settings()
    client = tracking.configure(settings)
    uri = resolve_model_uri(model_uri_or_alias, settings.model_name)
    run_id, version = run_of(uri, client)
    regressor = mlflow.lightgbm.load_model(uri)
    if not isinstance(regressor, lgb.Booster):
        raise BundleError(f"{uri} is not a native LightGBM Booster ({type(regressor).__name__})")
    try:
        local = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=BUNDLE_DIR))
    except (mlflow.exceptions.MlflowException, OSError) as exc:
        raise BundleError(f"run {run_id} of {uri} has no {BUNDLE_DIR}/ artifact: {exc}") from exc
    manifest, classifier, conformal = read_bundle_dir(local)
    if regressor.feature_name() != manifest.feature_names:
        raise BundleError(f"{uri}: regressor features differ from the bundle manifest's")
    model = FitModel.from_fitted(regressor, classifier, conformal, manifest.monotone)
    catalogue = local / _CATALOGUE
    return ModelBundle(
        model,
        manifest,
        uri,
        run_id,
        version,
        catalogue if catalogue.exists() else None,
        fairness=read_fairness(local),
        model_card_md=_optional_text(local / MODEL_CARD_MD),
        model_card_html=_optional_text(local / MODEL_CARD_HTML),
        reference_profile=read_reference_profile(local),
    )
