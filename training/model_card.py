"""The model card of a model version (Mitchell et al., *Model Cards for Model Reporting*, FAT*
2019): details, intended use, factors, metrics, evaluation and training data, quantitative
analyses by group, ethical considerations, caveats and recommendations.

``templates/model_card.md.j2`` renders the card as Markdown from :class:`CardFacts`;
markdown-it-py (CommonMark plus tables, raw HTML off: any ``<`` in the text comes out escaped)
turns that into the body of ``templates/model_card.html.j2``. Training writes both into the run
(``model_card/``) and the bundle; :func:`facts_of_version` gathers the same facts back from
MLflow so that ``mutasi card`` regenerates the card of any version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from training.bundle import MODEL_CARD_HTML, MODEL_CARD_MD, BundleManifest, ModelBundle
from training.fairness import FairnessReport
from training.fairness_audit import PROXY_CSV
from training.fairness_review import Review
from training.model_card_fairness import review_context
from training.proxy import ALL_FEATURES

TEMPLATES = Path(__file__).parent / "templates"
MAIN_MODEL = "lightgbm"
# Rows of the metrics table: model name in the flat metric names -> label.
MODEL_ROWS: dict[str, str] = {
    MAIN_MODEL: "**LightGBM (this model)**",
    "heuristic": "HR heuristic",
    "linear": "linear (ridge)",
    "random": "random order",
    "oracle": "oracle (truth)",
}
# Columns of the metrics table: metric -> header.
METRIC_COLUMNS: dict[str, str] = {
    "rmse": "RMSE",
    "mae": "MAE",
    "spearman": "Spearman",
    "auc_good": "AUC baik+",
    "ece": "ECE",
    "coverage_80": "coverage 80%",
    "width_80": "width 80%",
    "ndcg_at_10": "NDCG@10",
    "precision_at_10": "precision@10",
    "ndcg_at_10_oracle_gain": "oracle-gain NDCG@10",
}
PROXY_TOP = 3  # strongest single features listed per attribute
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])")


@dataclass(frozen=True)
class CardFacts:
    """Everything the card says about one version, as MLflow records it.

    ``params`` and ``tags`` are the run's (strings); the test metrics are the manifest's.
    """

    model_name: str
    version: str | None
    run_id: str
    created: datetime
    manifest: BundleManifest
    params: Mapping[str, str]
    tags: Mapping[str, str]
    fairness: FairnessReport | None
    proxy: pd.DataFrame | None
    review: Review | None = None  # references, mitigation, causes (issue 13)


@dataclass(frozen=True)
class ModelCard:
    """A rendered card."""

    markdown: str
    html: str

    def write(self, out: Path) -> Path:
        """``<out>/model_card/model_card.md`` and ``.html`` (the bundle's layout); returns the
        directory."""
        for name, text in ((MODEL_CARD_MD, self.markdown), (MODEL_CARD_HTML, self.html)):
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text, encoding="utf-8")
        return (out / MODEL_CARD_MD).parent


def started_at(start_time_ms: int) -> datetime:
    """An MLflow run's start time (epoch milliseconds) as an aware datetime."""
    return datetime.fromtimestamp(start_time_ms / 1000, UTC)


def facts_of_version(bundle: ModelBundle, model_name: str, client: MlflowClient) -> CardFacts:
    """The facts of a trained version, read back from its run and bundle (``mutasi card``)."""
    run = client.get_run(bundle.run_id)
    return CardFacts(
        model_name=model_name,
        version=bundle.version,
        run_id=bundle.run_id,
        created=started_at(run.info.start_time),
        manifest=bundle.manifest,
        params=dict(run.data.params),
        tags=dict(run.data.tags),
        fairness=bundle.fairness,
        proxy=_logged_proxy(bundle.run_id),
        review=bundle.review,
    )


def _logged_proxy(run_id: str) -> pd.DataFrame | None:
    """The run's proxy check, if it logged one."""
    try:
        local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=PROXY_CSV)
    except (MlflowException, OSError):
        return None
    return pd.read_csv(local)


def render_card(facts: CardFacts) -> ModelCard:
    """The card as Markdown and as a standalone HTML page."""
    env = _environment()
    markdown = env.get_template("model_card.md.j2").render(**card_context(facts))
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    html_env = _environment(autoescape=True)
    html = html_env.get_template("model_card.html.j2").render(
        title=f"Model card: {facts.model_name} {_version_label(facts.version)}",
        body=Markup(body),  # markdown-it escaped every raw text; the markup is its own
    )
    return ModelCard(markdown, html)


def card_context(facts: CardFacts) -> dict[str, Any]:
    """The template's variables."""
    manifest = facts.manifest
    metrics = metrics_by_model(manifest.metrics)
    main = metrics.get(MAIN_MODEL, {})
    report = facts.fairness
    return {
        "name": facts.model_name,
        "version": _version_label(facts.version),
        "run_id": facts.run_id,
        "created": facts.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "manifest": manifest,
        "params": facts.params,
        "tags": facts.tags,
        "lgb_params": sorted(manifest.lgb_params.items()),
        "monotone": [
            (name, sign)
            for name, sign in zip(manifest.feature_names, manifest.monotone, strict=True)
            if sign
        ],
        "metric_columns": METRIC_COLUMNS,
        "metric_rows": [
            (label, [metrics[name].get(column) for column in METRIC_COLUMNS])
            for name, label in MODEL_ROWS.items()
            if name in metrics
        ],
        "main": main,
        "baselines": {name: metrics[name] for name in ("heuristic", "linear") if name in metrics},
        "fairness": report,
        "fairness_markdown": _demoted(report.to_markdown()) if report is not None else None,
        "confident_flags": sorted(report.flags(confident=True)) if report is not None else [],
        "all_flags": sorted(report.flags()) if report is not None else [],
        "excluded": report.excluded.to_dict(orient="records") if report is not None else [],
        "min_group_share": report.min_group_share if report is not None else None,
        "proxy": proxy_summary(facts.proxy) if facts.proxy is not None else [],
        **review_context(facts.review),
    }


def metrics_by_model(flat: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """``test_rmse`` -> lightgbm/rmse, ``heuristic_test_rmse`` -> heuristic/rmse (see
    ``Evaluation.flat``)."""
    out: dict[str, dict[str, float]] = {}
    for key, value in flat.items():
        if key.startswith("test_"):
            name, metric = MAIN_MODEL, key.removeprefix("test_")
        else:
            name, sep, metric = key.partition("_test_")
            if not sep:
                continue
        out.setdefault(name, {})[metric] = float(value)
    return out


def proxy_summary(proxy: pd.DataFrame) -> list[dict[str, Any]]:
    """Per attribute: the all-features AUC and the strongest single features."""
    rows = []
    for attribute, lines in proxy.groupby("attribute", sort=True):
        joint = lines.loc[lines["feature"] == ALL_FEATURES]
        single = lines.loc[lines["feature"] != ALL_FEATURES].sort_values("value", ascending=False)
        rows.append(
            {
                "attribute": str(attribute),
                "n_rows": int(lines["n_rows"].iloc[0]),
                "all_features": float(joint["value"].iloc[0]) if len(joint) else float("nan"),
                "all_strength": str(joint["strength"].iloc[0]) if len(joint) else "n/a",
                "top": [
                    (str(r["feature"]), float(r["value"]), str(r["strength"]))
                    for r in single.head(PROXY_TOP).to_dict(orient="records")
                ],
            }
        )
    return rows


def markdown_text(value: object) -> str:
    """Free text (paths, names, data-source strings) made inert in Markdown and table cells."""
    flat = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def code_span(value: object) -> str:
    """An identifier (id, path, feature or group name) as inline code; backticks cannot close it."""
    flat = " ".join(str(value).split()).replace("`", "'")
    return f"`{flat}`"


def number(value: float | str | None, digits: int = 3) -> str:
    """A metric (or a logged param's string) for the card; '-' for missing or not finite."""
    if value is None:
        return "-"
    as_float = float(value)
    return f"{as_float:.{digits}f}" if np.isfinite(as_float) else "-"


def _environment(autoescape: bool = False) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_text
    env.filters["code"] = code_span
    env.filters["num"] = number
    return env


def _version_label(version: str | None) -> str:
    return f"v{version}" if version else "(not registered)"


def _demoted(markdown: str) -> str:
    """The report's ``###`` attribute headings one level down, under the card's sections."""
    return re.sub(r"^### ", "#### ", markdown, flags=re.MULTILINE)
