"""The last good model bundle, kept on local disk for when the registry cannot be reached.

Every successful model load copies the bundle to ``MUTASI_FALLBACK_BUNDLE_DIR`` (written to a
sibling directory, then swapped in, so a crash mid-copy never leaves half a bundle there). At
start-up, if the registry is unreachable or has no such model, the service serves this copy
and says so in its lineage (the model URI names the fallback directory).
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import lightgbm as lgb

from mutasi.settings import Settings
from serving.state import ReloadOutcome, StateHolder, build_state
from training.bundle import (
    FAIRNESS_REPORT,
    MODEL_CARD_HTML,
    MODEL_CARD_MD,
    ModelBundle,
    read_bundle_dir,
    read_fairness,
    write_bundle,
)
from training.model import FitModel

log = logging.getLogger(__name__)

REGRESSOR_FILE = "regressor.txt"
ORIGIN_FILE = "origin.json"
CATALOGUE_FILE = "catalogue.yaml"


def save_fallback(bundle: ModelBundle, target: Path) -> Path:
    """Copy ``bundle`` to ``target`` atomically (replaces the previous copy)."""
    target = Path(target)
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    # Trained on the packaged catalogue: keep a copy of that one.
    catalogue = bundle.catalogue_path or Path(str(resources.files("features") / CATALOGUE_FILE))
    write_bundle(staging, bundle.model, bundle.manifest, catalogue)
    (staging / REGRESSOR_FILE).write_text(bundle.model.regressor_.model_to_string(), "utf-8")
    origin = {"model_uri": bundle.model_uri, "run_id": bundle.run_id, "version": bundle.version}
    (staging / ORIGIN_FILE).write_text(json.dumps(origin, indent=2), encoding="utf-8")
    if bundle.fairness is not None:
        _write(staging / FAIRNESS_REPORT, json.dumps(bundle.fairness.to_dict(), indent=2))
    cards = ((MODEL_CARD_MD, bundle.model_card_md), (MODEL_CARD_HTML, bundle.model_card_html))
    for name, text in cards:
        if text is not None:
            _write(staging / name, text)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def load_fallback(source: Path) -> ModelBundle:
    """The bundle saved by :func:`save_fallback`; raises ``BundleError``/``OSError`` if broken."""
    source = Path(source)
    manifest, classifier, conformal = read_bundle_dir(source)
    regressor = lgb.Booster(model_file=str(source / REGRESSOR_FILE))
    origin = json.loads((source / ORIGIN_FILE).read_text(encoding="utf-8"))
    model = FitModel.from_fitted(regressor, classifier, conformal, manifest.monotone)
    return ModelBundle(
        model,
        manifest,
        f"{origin['model_uri']} (fallback copy at {source.resolve()})",
        str(origin["run_id"]),
        origin.get("version"),
        source / CATALOGUE_FILE,
        fairness=read_fairness(source),
        model_card_md=_read(source / MODEL_CARD_MD),
        model_card_html=_read(source / MODEL_CARD_HTML),
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


class FallbackStateHolder(StateHolder):
    """A :class:`StateHolder` that keeps the last good model on disk and starts from it when
    the registry fails (``settings.fallback_bundle_dir`` must be set)."""

    def __init__(self, settings: Settings, fallback_dir: Path) -> None:
        super().__init__(settings)
        self.fallback_dir = Path(fallback_dir)

    def reload(
        self, model: bool, snapshot: bool, data_dir: Path | None = None, today: date | None = None
    ) -> ReloadOutcome:
        """Reload as usual; a newly loaded model is then copied to the fallback directory."""
        outcome = super().reload(model, snapshot, data_dir, today)
        if "model" in outcome.reloaded:
            try:
                save_fallback(outcome.state.bundle, self.fallback_dir)
            except OSError as exc:  # serving goes on; only the safety copy is stale
                log.warning("could not copy the model to %s: %s", self.fallback_dir, exc)
        return outcome

    def load_initial(self, today: date) -> None:
        """Start-up load; when it fails and a fallback copy exists, serve that copy."""
        super().load_initial(today)
        if self.ready or not (self.fallback_dir / ORIGIN_FILE).exists():
            return
        reason = self.last_error
        try:
            state = build_state(self.settings, load_fallback(self.fallback_dir), None)
            state.warm(today)
        except Exception as exc:  # a broken copy leaves the service not ready, with both reasons
            self.last_error = (
                f"{reason}; the fallback bundle failed too: {type(exc).__name__}: {exc}"
            )
            return
        log.warning(
            "registry load failed (%s): serving the fallback copy %s", reason, self.fallback_dir
        )
        self._current = state
        self.last_error = None


def make_holder(settings: Settings) -> StateHolder:
    """The state holder the settings ask for (with a fallback copy when configured)."""
    if settings.fallback_bundle_dir is None:
        return StateHolder(settings)
    return FallbackStateHolder(settings, settings.fallback_bundle_dir)
