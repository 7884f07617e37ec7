"""The served model's documents: its model card and fairness report, as its bundle carries them.

Training writes ``model_card/model_card.{md,html}`` and ``fairness/report.json`` into the
model's bundle and :func:`training.bundle.load_bundle` reads them with the model, so they always
belong to the version being served. A version trained before they existed has none; the pages
and ``GET /v1/model/card`` then say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from serving.state import ServingState
from training.fairness import FairnessReport
from training.fairness_review import Review

# The full HTML card is a document to read, not a page of this site: its own inline styles, but
# no script, no network, and sandboxed so that it cannot act as this origin.
CARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _aligned_cell(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A table cell aligned by a class, not by the inline style the page's CSP would block."""
    token = tokens[idx]
    style = str(token.attrs.pop("style", ""))
    if style.startswith("text-align:"):
        token.attrJoin("class", "align-" + style.removeprefix("text-align:"))
    return renderer.renderToken(tokens, idx, options, env)


def _markdown() -> MarkdownIt:
    """CommonMark plus tables; raw HTML in the card is shown as text, never rendered."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    for rule in ("th_open", "td_open"):
        md.add_render_rule(rule, _aligned_cell)
    return md


_MARKDOWN = _markdown()


@dataclass(frozen=True)
class ModelDocuments:
    """What the served version's bundle documents about it (None = not available)."""

    card_markdown: str | None
    card_html: str | None
    fairness: FairnessReport | None
    review: Review | None = None  # reference columns and the mitigation in force (issue 13)

    @property
    def card_body(self) -> Markup | None:
        """The Markdown card rendered to safe HTML for the auditor page."""
        if self.card_markdown is None:
            return None
        return Markup(_MARKDOWN.render(self.card_markdown))


def served_documents(state: ServingState) -> ModelDocuments:
    """The documents of the model version ``state`` serves."""
    bundle = state.bundle
    return ModelDocuments(
        bundle.model_card_md, bundle.model_card_html, bundle.fairness, bundle.review
    )
