"""The notice (pemberitahuan) endpoint's answer: what the system assesses, from which data,
what it never uses, the model in use and how to ask for a human review, in both languages."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Text(BaseModel):
    """One text in Bahasa Indonesia and English."""

    id: str
    en: str


class NoticeFeature(BaseModel):
    """One factor the model weighs (a feature of the catalogue)."""

    name: str
    meaning: Text
    unit: str
    needs: list[str] = Field(description="Optional contract tables without which it is unknown.")


class NoticeGroup(BaseModel):
    """Factors of one kind."""

    group: str
    label: Text
    features: list[NoticeFeature]


class NoticeRule(BaseModel):
    """One requirement of the rule set."""

    id: str
    kind: str = Field(description="bar: must be met; flag: information only.")
    meaning: Text
    source: str = Field(description="Legal basis.")


class NoticeTable(BaseModel):
    """A table of the data contract the system reads."""

    table: str
    label: Text
    required: bool


class NoticeModel(BaseModel):
    """The model version in use and where its card is."""

    name: str
    version: str
    run_id: str
    rule_set_version: str
    snapshot_id: str
    card_url: str


class Notice(BaseModel):
    """Pemberitahuan: generated from the feature catalogue, the rule set and the served model."""

    title: Text
    intro: Text
    catalogue_version: str
    rule_set_version: str
    assesses: list[NoticeGroup]
    rules: list[NoticeRule]
    data_used: list[NoticeTable]
    never_used: list[Text]
    fairness_only: Text
    model: NoticeModel | None = Field(description="Null while no model is served.")
    model_text: Text
    review: Text
    headings: dict[str, Text] = Field(description="Section headings for a page.")
