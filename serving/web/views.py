"""What the auditor pages show, computed from the audit log: one object per page, no HTML.

A stored answer is read back twice over: its response body (what the caller saw: reasons,
eligibility, staffing) and its items (what the model computed: every feature's SHAP value, the
base value and the raw prediction the waterfall needs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from markupsafe import Markup
from pydantic import ValidationError

from features.catalogue import FeatureCatalogue, FeatureSpec
from serving.audit.queries import AnswerSummary, DecisionRecord
from serving.audit.tables import AuditAnswer, AuditItem
from serving.domain.explain import value_text
from serving.schemas.common import Contribution, Prediction
from serving.schemas.rankings import RankingResponse
from serving.schemas.recommendations import RecommendationResponse
from serving.web.i18n import Translator
from serving.web.waterfall import build_waterfall, render_svg

PAGE_SIZE = 25
WATERFALL_BARS = 10
RANKING_ENDPOINTS = frozenset({"rank_position", "rank_inline"})


@dataclass(frozen=True)
class Filters:
    """The answer list's filters as the auditor typed them, parsed, with any problems."""

    position_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    key_id: str | None = None
    overrides_only: bool = False
    page: int = 1
    problems: tuple[str, ...] = ()

    def query(self, **changes: object) -> dict[str, str]:
        """Query parameters reproducing these filters (``changes`` replace some)."""
        values: dict[str, object] = {
            "position_id": self.position_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "key_id": self.key_id,
            "overrides_only": "1" if self.overrides_only else None,
            "page": self.page if self.page > 1 else None,
        } | changes
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def store_filters(self) -> dict[str, Any]:
        """Keyword arguments of ``AuditStore.list_answers`` / ``count_answers``."""
        return {
            "position_id": self.position_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "key_id": self.key_id,
            "overrides_only": self.overrides_only,
        }


def _text(params: Mapping[str, str], name: str, limit: int = 64) -> str | None:
    value = (params.get(name) or "").strip()
    return value[:limit] or None


def _date(
    params: Mapping[str, str], name: str, label: str, t: Translator
) -> tuple[date | None, str | None]:
    raw = _text(params, name)
    if raw is None:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, t("filter_bad_date", field=label, value=raw)


def parse_filters(params: Mapping[str, str], t: Translator) -> Filters:
    """Filters from the query string; bad values become messages, never errors."""
    problems: list[str] = []
    date_from, problem_from = _date(params, "date_from", t("filter_date_from"), t)
    date_to, problem_to = _date(params, "date_to", t("filter_date_to"), t)
    problems += [p for p in (problem_from, problem_to) if p]
    if date_from and date_to and date_from > date_to:
        problems.append(t("filter_bad_range", date_from=date_from, date_to=date_to))
    page_text = _text(params, "page") or "1"
    numeric = page_text.isascii() and page_text.isdigit()
    page = int(page_text) if numeric and 1 <= int(page_text) <= 1_000_000 else 1
    if str(page) != page_text:
        problems.append(t("filter_bad_page", value=page_text))
    return Filters(
        position_id=_text(params, "position_id"),
        date_from=date_from,
        date_to=date_to,
        key_id=_text(params, "key_id"),
        overrides_only=(params.get("overrides_only") or "") in {"1", "true", "on"},
        page=page,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class AnswerList:
    """One page of answer summaries."""

    filters: Filters
    rows: Sequence[AnswerSummary]
    total: int

    @property
    def has_previous(self) -> bool:
        """Whether there is a page before this one."""
        return self.filters.page > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.filters.page * PAGE_SIZE < self.total

    @property
    def n_pages(self) -> int:
        """Pages the filtered list spans (at least 1)."""
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class ItemView:
    """One returned candidate (ranking) or vacancy (recommendation) and why."""

    rank: int
    heading: str
    nip: str
    position_id: str | None
    detail: str | None
    prediction: Prediction | None
    contributions: Sequence[Contribution]
    waterfall: Markup | None
    chosen: bool
    stored: AuditItem | None  # the model's inputs and outputs as logged


@dataclass(frozen=True)
class AnswerView:
    """One stored answer as the detail page shows it."""

    row: AuditAnswer
    kind: Literal["ranking", "recommendation"]
    ranking: RankingResponse | None
    recommendation: RecommendationResponse | None
    items: Sequence[ItemView]
    decision: DecisionRecord | None
    parse_error: str | None

    @property
    def created_at(self) -> datetime:
        """When the answer was recorded."""
        return self.row.created_at


def _parse(row: AuditAnswer) -> tuple[RankingResponse | RecommendationResponse | None, str | None]:
    """The stored body as its response model; the error text if it no longer fits."""
    model = RankingResponse if row.endpoint in RANKING_ENDPOINTS else RecommendationResponse
    try:
        return model.model_validate_json(row.response_json), None
    except ValidationError as exc:
        return None, f"{exc.error_count()} error(s), first: {exc.errors()[0]['msg']}"


def _spec(catalogue: FeatureCatalogue | None, name: str) -> FeatureSpec | None:
    if catalogue is None:
        return None
    try:
        return catalogue.by_name(name)
    except KeyError:
        return None


def item_waterfall(
    item: AuditItem, catalogue: FeatureCatalogue | None, t: Translator
) -> Markup | None:
    """The SHAP waterfall of one stored item, or None if the item was not explained."""
    if item.shap_values is None or item.shap_base_value is None:
        return None
    contributions = {str(k): float(v or 0.0) for k, v in item.shap_values.items()}
    labels: dict[str, str] = {}
    titles: dict[str, str] = {}
    for name in contributions:
        raw = item.features.get(name)
        value = None if raw is None else float(raw)
        spec = _spec(catalogue, name)
        if spec is None:
            shown = t("none") if value is None else f"{value:g}"
            labels[name], titles[name] = f"{name} = {shown}", name
            continue
        value_id, value_en = value_text(spec, value)
        in_lang = value_id if t.lang == "id" else value_en
        labels[name] = f"{name} = {in_lang}"
        titles[name] = f"{spec.meaning_id if t.lang == 'id' else spec.meaning_en}: {in_lang}"
    waterfall = build_waterfall(
        item.shap_base_value,
        contributions,
        labels=labels,
        titles=titles,
        top_n=WATERFALL_BARS,
        other_label=lambda n: t("waterfall_other", n=n),
    )
    return render_svg(
        waterfall,
        title=t("waterfall_title"),
        base_label=t("waterfall_base"),
        prediction_label=t("waterfall_prediction"),
    )


def _ranking_items(
    response: RankingResponse,
    items: Mapping[int, AuditItem],
    decision: DecisionRecord | None,
    catalogue: FeatureCatalogue | None,
    t: Translator,
) -> list[ItemView]:
    views = []
    for candidate in response.candidates:
        item = items.get(candidate.rank)
        views.append(
            ItemView(
                rank=candidate.rank,
                heading=candidate.name or candidate.nip,
                nip=candidate.nip,
                position_id=candidate.current_position_id,
                detail=t(
                    "current_post",
                    position_id=candidate.current_position_id or t("none"),
                    unit_id=candidate.current_unit_id or t("none"),
                ),
                prediction=candidate.prediction,
                contributions=candidate.contributions,
                waterfall=None if item is None else item_waterfall(item, catalogue, t),
                chosen=decision is not None and decision.chosen_nip == candidate.nip,
                stored=item,
            )
        )
    return views


def _recommendation_items(
    response: RecommendationResponse,
    items: Mapping[int, AuditItem],
    catalogue: FeatureCatalogue | None,
    t: Translator,
) -> list[ItemView]:
    views = []
    for recommended in response.positions:
        item = items.get(recommended.rank)
        position = recommended.position
        views.append(
            ItemView(
                rank=recommended.rank,
                heading=position.title,
                nip=response.nip,
                position_id=position.position_id,
                detail=f"{position.position_id or t('position_inline')}, "
                f"{position.unit_name or position.unit_id}",
                prediction=recommended.prediction,
                contributions=recommended.contributions,
                waterfall=None if item is None else item_waterfall(item, catalogue, t),
                chosen=False,
                stored=item,
            )
        )
    return views


def answer_view(
    row: AuditAnswer,
    decision: DecisionRecord | None,
    catalogue: FeatureCatalogue | None,
    t: Translator,
) -> AnswerView:
    """The detail page of a stored answer and the decision taken on it."""
    parsed, error = _parse(row)
    items = {item.rank: item for item in row.items}
    ranking = parsed if isinstance(parsed, RankingResponse) else None
    recommendation = parsed if isinstance(parsed, RecommendationResponse) else None
    if ranking is not None:
        views = _ranking_items(ranking, items, decision, catalogue, t)
    elif recommendation is not None:
        views = _recommendation_items(recommendation, items, catalogue, t)
    else:
        views = []
    return AnswerView(
        row=row,
        kind="ranking" if row.endpoint in RANKING_ENDPOINTS else "recommendation",
        ranking=ranking,
        recommendation=recommendation,
        items=views,
        decision=decision,
        parse_error=error,
    )
