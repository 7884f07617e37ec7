"""Letters in words: the wording file, one letter's text in a language, HTML and PDF.

The HTML is one document of ``<section class="letter">`` pages (A4, one per person); the PDF
is that document printed by WeasyPrint (an HTML/CSS layout engine in Python on Debian's pango:
no browser process in the service, and it tells how many pages each letter took, which the
export reports and the tests hold at one). Without pango, HTML letters still work and PDF
answers say what to install.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from features.catalogue import FeatureCatalogue
from serving.domain.explain import value_text
from serving.domain.participation.letters import LetterFacts
from serving.errors import ServingError

HERE = Path(__file__).parent
WORDING_FILE = HERE / "letter_wording.yaml"
LANGS = ("id", "en")
_DECIMAL_POINT = re.compile(r"(\d)\.(\d)")
MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


class LettersUnavailableError(ServingError):
    """PDF letters cannot be made here (WeasyPrint or pango missing): 503 with the fix."""


@lru_cache(maxsize=1)
def wording() -> dict[str, dict[str, dict[str, str]]]:
    """The wording file: section -> key -> {id, en}."""
    loaded: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(
        WORDING_FILE.read_text(encoding="utf-8")
    )
    return loaded


def say(section: str, key: str, lang: str, **values: Any) -> str:
    """One sentence of the wording in ``lang`` with its placeholders filled."""
    return wording()[section][key][lang].format(**values)


def decimal(text: str, lang: str) -> str:
    """Numbers with a decimal comma in Bahasa Indonesia (4,5), a point in English (4.5)."""
    return _DECIMAL_POINT.sub(r"\1,\2", text) if lang == "id" else text


def long_date(day: date, lang: str) -> str:
    """``12 Januari 2026`` / ``12 January 2026``."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def _number(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class LetterText:
    """Every sentence of one letter in one language, in reading order."""

    lang: str
    nip: str
    title: str
    reference: str
    status: str
    final: bool
    to: str
    the_move: str
    why_heading: str
    why_intro: str
    reasons: tuple[str, ...]
    prediction: str
    shortage: str
    wishes_heading: str
    wishes_intro: str
    wishes: tuple[str, ...]
    opt_out: str | None
    support_heading: str
    support: tuple[str, ...]
    object_heading: str
    object_body: str
    person_decides_heading: str
    person_decides: str
    notice_link: str
    issuer: str


def _wishes_intro(facts: LetterFacts, lang: str) -> str:
    if facts.wish_source in ("usulan", "withdrawn") and facts.statement is not None:
        version, effective_on = facts.statement
        key = "wishes_from_usulan" if facts.wish_source == "usulan" else "wishes_withdrawn"
        return say("text", key, lang, version=version, effective_on=long_date(effective_on, lang))
    if facts.wish_source == "export":
        return say("text", "wishes_from_export", lang)
    return say("text", "no_wishes", lang)


def letter_text(facts: LetterFacts, lang: str, catalogue: FeatureCatalogue) -> LetterText:
    """The letter of ``facts`` in ``lang`` (``id`` or ``en``)."""
    specs = {spec.name: spec for spec in catalogue.features}
    reasons = tuple(
        say(
            "features",
            feature,
            lang,
            value=decimal(value_text(specs[feature], value)[LANGS.index(lang)], lang),
        )
        for feature, value in facts.reasons
        if feature in specs
    )
    post = "text", "post", lang
    final = facts.final
    status = (
        say("text", "status_draft", lang)
        if final is None
        else say(
            "text",
            "status_final",
            lang,
            finalised_by=final.finalised_by,
            finalised_on=long_date(final.finalised_at.date(), lang),
        )
    )
    config = facts.config
    return LetterText(
        lang=lang,
        nip=facts.nip,
        title=say("text", "title", lang),
        reference=say(
            "text",
            "reference",
            lang,
            request_id=facts.request_id,
            created_on=long_date(facts.created_on, lang),
            as_of=long_date(facts.as_of, lang),
        ),
        status=status,
        final=final is not None,
        to=say("text", "to", lang, name=facts.name, nip=facts.nip),
        the_move=say(
            "text",
            "the_move",
            lang,
            from_post=say(*post, title=facts.from_title, unit=facts.from_unit),
            to_post=say(*post, title=facts.to_title, unit=facts.to_unit),
        ),
        why_heading=say("text", "why_heading", lang),
        why_intro=say("text", "why_intro" if reasons else "why_none", lang),
        reasons=reasons,
        prediction=decimal(
            say(
                "text",
                "prediction",
                lang,
                rating=_number(facts.rating),
                lower=_number(facts.lower),
                upper=_number(facts.upper),
                chance=round(100 * facts.p_baik_or_better),
            ),
            lang,
        ),
        shortage=say(
            "text",
            "shortage",
            lang,
            need=facts.need,
            bezetting=facts.bezetting,
            unit=facts.to_unit,
            unit_before=facts.unit_before,
            unit_after=facts.unit_after,
        ),
        wishes_heading=say("text", "wishes_heading", lang),
        wishes_intro=_wishes_intro(facts, lang),
        wishes=tuple(
            say(
                "wishes",
                w.outcome,
                lang,
                priority=w.priority,
                unit=w.unit_name,
                rule=decimal(w.rule_message[LANGS.index(lang)] or w.rule_id, lang),
            )
            for w in facts.wishes
        ),
        opt_out=None
        if facts.opt_out_overridden is None
        else say(
            "text",
            "opt_out_overridden",
            lang,
            reason=say("opt_out_reasons", facts.opt_out_overridden, lang),
        ),
        support_heading=say("text", "support_heading", lang),
        support=tuple(say("support", s.kind, lang, levels=s.levels) for s in facts.support),
        object_heading=say("text", "object_heading", lang),
        object_body=say(
            "text",
            "object_body",
            lang,
            deadline=long_date(facts.deadline, lang),
            contact=config.objection_contact,
            request_id=facts.request_id,
        ),
        person_decides_heading=say("text", "person_decides_heading", lang),
        person_decides=say("text", "person_decides", lang, model_version=facts.model_version),
        notice_link=say("text", "notice_link", lang, notice_url=config.notice_url),
        issuer=say("text", "issuer", lang, issuer=config.issuer),
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(letters: Sequence[LetterFacts], lang: str, catalogue: FeatureCatalogue) -> str:
    """One HTML document with one A4 page per letter."""
    texts = [letter_text(facts, lang, catalogue) for facts in letters]
    return _environment().get_template("letter.html.j2").render(lang=lang, letters=texts)


@dataclass(frozen=True)
class PdfLetters:
    """The printed letters: all in one document, each on its own, and pages per letter."""

    document: bytes
    letters: dict[str, bytes]
    pages: dict[str, int]


def render_pdf(html: str, nips: Sequence[str]) -> PdfLetters:
    """Print the letters of :func:`render_html` (NIPs in the same order) with WeasyPrint."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: pango's libraries are not installed
        raise LettersUnavailableError(
            f"PDF letters need WeasyPrint and pango ({type(exc).__name__}: {exc}); install "
            "libpango-1.0-0 and libpangoft2-1.0-0 (Debian), or use the HTML letters"
        ) from exc
    # A letter is self-contained (inline style, no images or links to load), so the printer
    # fetches nothing: no protocol at all, not even file: whatever text reaches a letter, it
    # cannot make the service read a local file or call a URL (server-side request forgery).
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).render()
    starts: list[int] = []
    for nip in nips:
        anchor = f"letter-{nip}"
        starts.append(next(i for i, page in enumerate(document.pages) if anchor in page.anchors))
    ends = [*starts[1:], len(document.pages)]
    return PdfLetters(
        document=document.write_pdf(),
        letters={
            nip: document.copy(document.pages[start:end]).write_pdf()
            for nip, start, end in zip(nips, starts, ends, strict=True)
        },
        pages={nip: end - start for nip, start, end in zip(nips, starts, ends, strict=True)},
    )
