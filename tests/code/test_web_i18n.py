"""Both languages of the auditor pages say everything, and the pages only use known strings."""

from __future__ import annotations

import re
import string
from pathlib import Path

from serving.web import i18n
from serving.web.render import TEMPLATE_DIR

PACKAGE = Path(i18n.__file__).parent


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_keys() -> None:
    assert set(i18n.ID) == set(i18n.EN)


def test_each_string_cites_the_same_values_in_both_languages() -> None:
    differing = {
        key: (_placeholders(i18n.ID[key]), _placeholders(i18n.EN[key]))
        for key in i18n.ID
        if _placeholders(i18n.ID[key]) != _placeholders(i18n.EN[key])
    }
    assert differing == {}


def test_no_string_is_left_untranslated_or_empty() -> None:
    for catalogue in (i18n.ID, i18n.EN):
        assert all(text.strip() for text in catalogue.values())
    # Names, symbols and a few loanwords read the same in both; everything else must differ.
    same = {k for k in i18n.ID if i18n.ID[k] == i18n.EN[k]}
    assert same <= {"lang_id", "lang_en", "none", "position_unit", "lineage_model"}


def test_every_key_the_templates_and_code_use_exists() -> None:
    used: set[str] = set()
    sources = [*TEMPLATE_DIR.glob("*.html"), *PACKAGE.glob("*.py")]
    sources.remove(Path(i18n.__file__))  # its docstring shows t("key") as an example
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']""", text))
    assert used, "no translated string found: the pattern is wrong"
    assert used - set(i18n.ID) == set()


def test_the_translator_formats_and_falls_back_for_codes() -> None:
    t = i18n.Translator("en")
    assert t("signed_in_as", key_id="k1", role="auditor") == "Signed in as k1 (auditor)"
    assert t.label("endpoint", "rank_position") == "Position ranking"
    assert t.label("endpoint", "something_new") == "something_new"
    assert i18n.Translator("id")("yes") == "ya"


def test_parse_lang_accepts_only_known_languages() -> None:
    assert i18n.parse_lang("EN") == "en"
    assert i18n.parse_lang(" id ") == "id"
    assert i18n.parse_lang("fr") is None
    assert i18n.parse_lang(None) is None
