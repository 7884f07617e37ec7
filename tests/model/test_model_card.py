"""The model card of the session's trained version: Mitchell et al.'s nine sections, numbers
equal to the run's metrics, escaped HTML, and the card in the bundle (equal to the card that
``mutasi card`` regenerates from MLflow)."""

from __future__ import annotations

from dataclasses import replace

import mlflow
import pytest
from typer.testing import CliRunner

from mutasi.cli import app
from mutasi.settings import get_settings
from training import tracking
from training.bundle import ModelBundle, load_bundle
from training.model_card import (
    METRIC_COLUMNS,
    MODEL_ROWS,
    CardFacts,
    facts_of_version,
    markdown_text,
    render_card,
)
from training.model_card_fairness import review_context
from training.train import TrainResult

SECTIONS = (
    "1. Model details",
    "2. Intended use",
    "3. Factors",
    "4. Metrics",
    "5. Evaluation data",
    "6. Training data",
    "7. Quantitative analyses",
    "8. Ethical considerations",
    "9. Caveats and recommendations",
)


@pytest.fixture(scope="module")
def bundle(trained: TrainResult) -> ModelBundle:
    return load_bundle(f"models:/{get_settings().model_name}/{trained.model_version}")


@pytest.fixture(scope="module")
def facts(bundle: ModelBundle) -> CardFacts:
    settings = get_settings()
    return facts_of_version(bundle, settings.model_name, tracking.configure(settings))


def _table_row(markdown: str, label: str) -> list[str]:
    """The cells after the label of the metrics table row starting with ``label``."""
    line = next(li for li in markdown.splitlines() if li.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_the_bundle_holds_the_card_of_its_version(
    trained: TrainResult, bundle: ModelBundle
) -> None:
    assert bundle.model_card_md is not None
    assert bundle.model_card_html is not None
    assert bundle.model_card_md.startswith(
        f"# Model card: {get_settings().model_name} v{trained.model_version}\n"
    )
    assert trained.run_id in bundle.model_card_md
    logged = {f.path for f in mlflow.MlflowClient().list_artifacts(trained.run_id, "model_card")}
    assert logged == {"model_card/model_card.md", "model_card/model_card.html"}


def test_card_regenerated_from_mlflow_equals_the_trained_one(
    bundle: ModelBundle, facts: CardFacts
) -> None:
    card = render_card(facts)
    assert card.markdown == bundle.model_card_md
    assert card.html == bundle.model_card_html


def test_every_mitchell_section_is_present(bundle: ModelBundle) -> None:
    md, html = bundle.model_card_md or "", bundle.model_card_html or ""
    for section in SECTIONS:
        assert f"\n## {section}\n" in md, section
        assert f"<h2>{section}</h2>" in html, section
    for text in ("A person decides", "Out of scope", "automatic decisions", "dismissal"):
        assert text in md
    assert "not model features" in md
    assert "`years_to_retirement`" in md


def test_metrics_table_matches_the_run(trained: TrainResult, bundle: ModelBundle) -> None:
    md = bundle.model_card_md or ""
    metrics = mlflow.get_run(trained.run_id).data.metrics
    for name, label in (("lightgbm", MODEL_ROWS["lightgbm"]), ("linear", MODEL_ROWS["linear"])):
        prefix = "test_" if name == "lightgbm" else f"{name}_test_"
        cells = _table_row(md, label)
        expected = [f"{metrics[prefix + column]:.3f}" for column in METRIC_COLUMNS]
        assert cells == expected, name
    gain = metrics["test_ndcg_at_10_oracle_gain"]
    assert f"**{gain:.3f}** for this model" in md
    assert f"contained\n  **{metrics['test_coverage_80']:.3f}**" in md
    params = mlflow.get_run(trained.run_id).data.params
    assert f"the {params['split_n_test']} moves effective from" in md
    assert f"train {params['split_n_train']} moves" in md


def test_fairness_and_proxy_sections_match_the_audit(
    trained: TrainResult, bundle: ModelBundle
) -> None:
    assert trained.audit is not None
    md = bundle.model_card_md or ""
    report = trained.audit.report
    confident, every = len(report.flags(confident=True)), len(report.flags())
    assert f"{confident} of {every} flags." in md
    assert f"Top-10 shortlists of {report.n_vacancies} held-out vacancies" in md
    assert "#### gender\n" in md
    proxy = trained.audit.proxy
    joint = proxy.loc[(proxy["attribute"] == "age_band") & (proxy["feature"] == "(all features)")]
    assert f"| `age_band` | {int(joint['n_rows'].iloc[0])} | {joint['value'].iloc[0]:.2f}" in md


def test_the_card_shows_the_reference_columns_causes_and_the_mitigation(
    trained: TrainResult, bundle: ModelBundle
) -> None:
    review = bundle.review
    assert review is not None
    md = bundle.model_card_md or ""
    section = md[md.index("### Against the references") : md.index("### Proxy check")]
    assert "Mitigation in force: **training: none; ranking: none**" in section
    assert "| group | this model | today's practice | the truth |" in section
    context = review_context(review)
    assert f"{context['review_blocking']} group(s) block promotion." in section
    assert context["review_rows"], "the protected groups compared are listed"
    for row in context["review_rows"]:
        cells = " | ".join(row["cells"])
        assert f"| `{row['attribute']}` = `{row['group']}` | {cells} |" in section
    assert {r["attribute"] for r in context["review_rows"]} <= {
        "gender", "age_band", "region_of_origin", "gender_x_age_band",
    }  # fmt: skip
    assert "### Qualifications against the posts' stated requirements" in section
    causes = section[section.index("### Causes") :]
    lines = context["cause_lines"]
    for line in lines:
        assert f"- {markdown_text(line)}\n" in causes
    # Every suspect of docs/model.md is put to its test.
    assert any("within-pool score gap" in li for li in lines)
    assert any("when neutralising" in li and "years_to_retirement" in li for li in lines)
    assert any(li.startswith("seniority-driven labels: spearman(label - truth") for li in lines)
    assert any(li.startswith("selection by the historical policy") for li in lines)


def test_html_escapes_text(facts: CardFacts) -> None:
    hostile = replace(
        facts,
        model_name="<b>fit</b>",
        tags={**facts.tags, "data_source": "<script>alert('x')</script> | [a](javascript:x)"},
    )
    card = render_card(hostile)
    assert "<script>" not in card.html
    assert "&lt;script&gt;alert" in card.html
    assert "<b>fit</b>" not in card.html
    assert "&lt;b&gt;fit&lt;/b&gt;" in card.html  # the <title> and the heading
    assert 'href="javascript' not in card.html
    assert "\\<script\\>" in card.markdown  # inert in Markdown renderers too


def test_card_command_prints_the_card(trained: TrainResult, bundle: ModelBundle) -> None:
    uri = f"models:/{get_settings().model_name}/{trained.model_version}"
    result = CliRunner().invoke(app, ["card", "--model-uri", uri])
    assert result.exit_code == 0, result.output
    assert result.output == bundle.model_card_md
    missing = CliRunner().invoke(app, ["card", "--model-uri", "no-such-alias"])
    assert missing.exit_code == 1
    assert "no-such-alias" in missing.output
