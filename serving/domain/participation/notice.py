"""The notice (pemberitahuan): what the system assesses, which data it uses and never uses,
the model in use, and how to ask for a human review.

Built on every request from the feature catalogue (every feature, its meaning and the tables
it needs), the rule set (every requirement, its parameters and legal source), the data
contract (the tables read) and the served model, so that it cannot drift from the code; the
few words around them are in ``notice_wording.yaml``. The attributes listed as never used are
checked by a test that changes them and expects identical features and eligibility.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from features.catalogue import GROUPS, FeatureCatalogue
from features.contract import OPTIONAL_TABLES, REQUIRED_TABLES
from features.rule_set import Rule, RuleSet
from serving.audit.records import Lineage
from serving.domain.participation.letter_render import decimal
from serving.schemas.notice import (
    Notice,
    NoticeFeature,
    NoticeGroup,
    NoticeModel,
    NoticeRule,
    NoticeTable,
    Text,
)

WORDING_FILE = Path(__file__).with_name("notice_wording.yaml")
# Contract columns no feature and no eligibility rule reads (tests/code/test_notice.py changes
# them and expects the same features and verdicts), then what the data does not hold at all.
NEVER_USED: tuple[str, ...] = ("gender", "name", "potential", "not_held", "birth_date")
CARD_URL = "/notice/model-card"


@lru_cache(maxsize=1)
def wording() -> dict[str, Any]:
    """The notice's words: text, groups, tables, never_used (each {id, en}) and rules (id)."""
    loaded: dict[str, Any] = yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))
    return loaded


def _text(section: str, key: str, **values: Any) -> Text:
    words = wording()[section][key]
    return Text(id=words["id"].format(**values), en=words["en"].format(**values))


def _params(rule: Rule) -> dict[str, Any]:
    """A rule's parameters as the notice shows them (lists joined, mappings left out)."""
    out: dict[str, Any] = {}
    for name, value in rule.params.items():
        out[name] = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
    return out


def rule_text(rule: Rule) -> Text:
    """A rule in words: the Indonesian sentence of the notice, the rule set's own meaning."""
    # With a decimal comma (0,5 tahun), as the letters write numbers in Bahasa Indonesia.
    indonesian = decimal(wording()["rules"][rule.id].format(**_params(rule)), "id")
    return Text(id=indonesian, en=" ".join(rule.meaning.split()))


def build_notice(
    catalogue: FeatureCatalogue,
    rule_set: RuleSet,
    lineage: Lineage | None,
    contact: str,
) -> Notice:
    """The notice for the served catalogue, rules and model (``lineage`` None: none served)."""
    model = None
    model_text = _text("text", "model_not_loaded")
    if lineage is not None:
        model = NoticeModel(
            name=lineage.model_name,
            version=lineage.model_version,
            run_id=lineage.run_id,
            rule_set_version=lineage.rule_set_version,
            snapshot_id=lineage.snapshot_id,
            card_url=CARD_URL,
        )
        line = _text("text", "model_line", **model.model_dump(exclude={"card_url"}))
        card = _text("text", "model_card", card_url=CARD_URL)
        model_text = Text(id=f"{line.id} {card.id}", en=f"{line.en} {card.en}")
    headings = ("assesses", "assesses_intro", "data_used", "data_used_intro", "never_used")
    return Notice(
        title=_text("text", "title"),
        intro=_text("text", "intro"),
        catalogue_version=catalogue.version,
        rule_set_version=rule_set.version,
        assesses=[
            NoticeGroup(
                group=group,
                label=_text("groups", group),
                features=[
                    NoticeFeature(
                        name=f.name,
                        meaning=Text(id=f.meaning_id, en=f.meaning_en),
                        unit=f.unit,
                        needs=list(f.requires),
                    )
                    for f in catalogue.features
                    if f.group == group
                ],
            )
            for group in GROUPS
            if any(f.group == group for f in catalogue.features)
        ],
        rules=[
            NoticeRule(id=r.id, kind=r.kind, meaning=rule_text(r), source=r.source)
            for r in rule_set.rules
        ],
        data_used=[
            NoticeTable(
                table=t.value, label=_text("tables", t.value), required=t in REQUIRED_TABLES
            )
            for t in (*REQUIRED_TABLES, *OPTIONAL_TABLES)
        ],
        never_used=[_text("never_used", key) for key in NEVER_USED],
        fairness_only=_text("text", "fairness_only"),
        model=model,
        model_text=model_text,
        review=_text("text", "review_body", contact=contact),
        headings={
            **{key: _text("text", key) for key in headings},
            "never_used_intro": _text("text", "never_used_intro"),
            "rules": _text("text", "rules"),
            "rules_intro": _text("text", "rules_intro", version=rule_set.version),
            "model": _text("text", "model"),
            "review": _text("text", "review"),
        },
    )
