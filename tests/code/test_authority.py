"""Who decides a move (PP 11/2017 Pasal 191-193): scopes from the two employing pemda, the rule
set's authorities with their sources, and the documentation in sync with the rule set."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.authority import AUTHORITY_COLUMNS, UNKNOWN, decision_authority, move_scope
from features.rule_set import (
    AUTHORITY_SCOPES,
    RuleSetError,
    authority_table_markdown,
    load_rule_set,
    parse_rule_set,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("source", "target", "scope"),
    [
        ("7501", "7501", "same_instansi"),  # one kabupaten
        ("75", "75", "same_instansi"),  # the provincial government
        ("7501", "7571", "within_province"),  # kab -> kota of Gorontalo: the governor
        ("75", "7502", "within_province"),  # province -> one of its kabupaten
        ("7502", "75", "within_province"),
        ("7501", "7601", "across_provinces"),  # Gorontalo -> Sulawesi Barat: Mendagri
        ("75", "76", "across_provinces"),
        (None, None, "same_instansi"),  # a one-pemda export without codes
        ("7501", None, UNKNOWN),  # half known: nobody guesses
        ("", "7501", UNKNOWN),
        ("7x01", "7501", UNKNOWN),  # not a code
    ],
)
def test_the_scope_of_a_move(source: str | None, target: str | None, scope: str) -> None:
    assert move_scope([source], [target]).tolist() == [scope]


def test_each_scope_has_its_authority_and_a_legal_source() -> None:
    rules = load_rule_set()
    frame = decision_authority(
        rules, ["7501", "7501", "7501", "7501"], ["7501", "7571", "76", None]
    )
    assert list(frame.columns) == list(AUTHORITY_COLUMNS)
    assert frame["authority_id"].tolist() == ["ppk", "gubernur", "mendagri", None]
    assert "Pasal 191" in frame.at[0, "authority_source"]
    assert "Pasal 192" in frame.at[1, "authority_source"]
    assert "Pasal 193" in frame.at[2, "authority_source"]
    assert frame.at[1, "decided_by_id"].startswith("Gubernur")
    assert frame.at[2, "decided_by_en"].startswith("The Minister of Home Affairs")
    assert frame.loc[3, list(AUTHORITY_COLUMNS[1:])].isna().all()
    assert rules.authority("within_province").id == "gubernur"
    # Overridden parameters keep the authorities.
    assert rules.with_overrides({"min_years_in_position": 0.5}).authorities == rules.authorities


def test_a_rule_set_must_name_one_authority_per_scope() -> None:
    raw = {
        "version": "t",
        "rules": [
            {"id": "pppk_excluded", "kind": "bar", "meaning": "m", "source": "s",
             "message_id": "x", "message_en": "x"}
        ],
    }  # fmt: skip
    entry = {"id": "ppk", "scope": "same_instansi", "decided_by_id": "a", "decided_by_en": "a",
             "source": "s"}  # fmt: skip
    assert parse_rule_set(raw).authorities == ()  # an older rule set: no authorities at all
    with pytest.raises(RuleSetError, match="each scope"):
        parse_rule_set({**raw, "authorities": [entry]})
    with pytest.raises(RuleSetError, match="scope must be one of"):
        parse_rule_set({**raw, "authorities": [{**entry, "scope": "nowhere"}]})
    with pytest.raises(RuleSetError, match="expected keys"):
        parse_rule_set({**raw, "authorities": [{"id": "ppk"}]})
    full = [{**entry, "scope": s, "id": s} for s in AUTHORITY_SCOPES]
    assert [a.id for a in parse_rule_set({**raw, "authorities": full}).authorities] == list(
        AUTHORITY_SCOPES
    )
    with pytest.raises(KeyError, match="no authority"):
        parse_rule_set(raw).authority("same_instansi")


def test_documentation_shows_the_current_authorities() -> None:
    doc = (ROOT / "docs" / "eligibility.md").read_text(encoding="utf-8")
    expected = authority_table_markdown(load_rule_set())
    assert expected in doc, f"docs/eligibility.md is out of date; its table should be:\n{expected}"
