"""The SHAP waterfall of one prediction as a self-contained inline ``<svg>`` (no JS, no CDN).

A row per bar, top to bottom: the model's base value, then the largest contributions by
magnitude, each bar starting where the previous one ended, then one bar for all the remaining
features, and the raw prediction the bars arrive at. The bars therefore add up exactly to
``raw prediction - base value`` (TreeSHAP is additive); each ``<rect class="bar">`` carries its
unrounded contribution in ``data-contribution`` so that this can be checked from the page.
Colours are SVG presentation attributes, not styles, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

RAISES = "#ff0051"  # the SHAP palette: red raises the prediction, blue lowers it
LOWERS = "#008bfb"
INK = "#1f2933"
MUTED = "#616e7c"

WIDTH = 800
LABEL_WIDTH = 300
VALUE_WIDTH = 70
ROW = 24
TOP = 8
AXIS = 30
MAX_LABEL = 44


@dataclass(frozen=True)
class Bar:
    """One contribution bar: from ``start`` to ``start + contribution`` on the rating axis."""

    label: str
    title: str
    start: float
    contribution: float
    feature: str | None  # None for the bar that lumps the remaining features

    @property
    def end(self) -> float:
        """Where the bar ends (the next bar starts here)."""
        return self.start + self.contribution


@dataclass(frozen=True)
class Waterfall:
    """A prediction split into bars from ``base`` to ``prediction``."""

    base: float
    prediction: float
    bars: tuple[Bar, ...]


def build_waterfall(
    base: float,
    contributions: Mapping[str, float],
    *,
    labels: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
    top_n: int = 10,
    other_label: Callable[[int], str] = "{} other features".format,
) -> Waterfall:
    """The ``top_n`` largest contributions by magnitude, then the rest lumped into one bar.

    ``labels``/``titles`` give each feature's short label and tooltip (default: its name);
    ``other_label`` names the lumped bar from the number of features in it.
    """
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}")
    labels = labels or {}
    titles = titles or {}
    # Stable order on ties: by magnitude, then by name, so the same answer always draws the same.
    ordered = sorted(contributions.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    shown, rest = ordered[:top_n], ordered[top_n:]
    bars: list[Bar] = []
    position = float(base)
    for feature, value in shown:
        bar = Bar(
            labels.get(feature, feature), titles.get(feature, feature), position, value, feature
        )
        bars.append(bar)
        position = bar.end
    if rest:
        lumped = sum(value for _, value in rest)
        text = other_label(len(rest))
        names = ", ".join(name for name, _ in rest)
        bars.append(Bar(text, f"{text}: {names}", position, lumped, None))
        position += lumped
    return Waterfall(float(base), position, tuple(bars))


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def _signed(value: float) -> str:
    return f"{value:+.2f}"


class _Scale:
    """Rating points -> x pixels over the span every bar and marker needs."""

    def __init__(self, waterfall: Waterfall) -> None:
        points = [waterfall.base, waterfall.prediction]
        points += [p for bar in waterfall.bars for p in (bar.start, bar.end)]
        low, high = min(points), max(points)
        pad = max((high - low) * 0.05, 0.05)
        self.low, self.high = low - pad, high + pad
        self.left = LABEL_WIDTH
        self.right = WIDTH - VALUE_WIDTH

    def x(self, value: float) -> float:
        span = self.high - self.low
        return self.left + (value - self.low) / span * (self.right - self.left)


def render_svg(
    waterfall: Waterfall, *, title: str, base_label: str, prediction_label: str
) -> Markup:
    """The waterfall as an accessible ``<svg>`` element (escaped, safe to inline)."""
    scale = _Scale(waterfall)
    n_rows = len(waterfall.bars) + 2
    height = TOP + n_rows * ROW + AXIS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="waterfall" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'data-base="{waterfall.base!r}" data-prediction="{waterfall.prediction!r}" '
        f'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    parts.append(_marker(scale, 0, base_label, waterfall.base, "base"))
    for i, bar in enumerate(waterfall.bars, start=1):
        parts.append(_connector(scale, i - 1, bar.start))
        parts.append(_bar(scale, i, bar))
    parts.append(_connector(scale, n_rows - 2, waterfall.prediction))
    parts.append(_marker(scale, n_rows - 1, prediction_label, waterfall.prediction, "prediction"))
    parts.append(_axis(scale, TOP + n_rows * ROW))
    parts.append("</svg>")
    return Markup("".join(parts))


def _row_y(row: int) -> float:
    return TOP + row * ROW


def _label(row: int, text: str, title: str, weight: str = "normal") -> str:
    y = _row_y(row) + ROW / 2 + 4
    return (
        f'<text x="{LABEL_WIDTH - 8}" y="{y:.1f}" text-anchor="end" fill="{INK}" '
        f'font-weight="{weight}"><title>{escape(title)}</title>{escape(_short(text))}</text>'
    )


def _marker(scale: _Scale, row: int, label: str, value: float, kind: str) -> str:
    """A labelled vertical tick for the base value or the prediction, with a guide line."""
    x = scale.x(value)
    y = _row_y(row)
    return (
        f'<g class="{kind}">{_label(row, label, label, "bold")}'
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 3:.1f}" y2="{y + ROW - 3:.1f}" '
        f'stroke="{INK}" stroke-width="3"/>'
        f'<text x="{WIDTH - VALUE_WIDTH + 6}" y="{y + ROW / 2 + 4:.1f}" fill="{INK}" '
        f'font-weight="bold">{value:.2f}</text></g>'
    )


def _connector(scale: _Scale, row: int, value: float) -> str:
    """A dotted line carrying one row's end down to where the next row starts."""
    x = scale.x(value)
    return (
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_row_y(row) + ROW - 4:.1f}" '
        f'y2="{_row_y(row + 1) + 4:.1f}" stroke="{MUTED}" stroke-dasharray="2,2"/>'
    )


def _bar(scale: _Scale, row: int, bar: Bar) -> str:
    x0, x1 = sorted((scale.x(bar.start), scale.x(bar.end)))
    y = _row_y(row)
    colour = RAISES if bar.contribution >= 0 else LOWERS
    feature = "" if bar.feature is None else f' data-feature="{escape(bar.feature)}"'
    return (
        f"<g>{_label(row, bar.label, bar.title)}"
        f'<rect class="bar" x="{x0:.2f}" y="{y + 4:.1f}" width="{max(x1 - x0, 1.0):.2f}" '
        f'height="{ROW - 8}" fill="{colour}"{feature} '
        f'data-contribution="{bar.contribution!r}"><title>{escape(bar.title)}: '
        f"{_signed(bar.contribution)}</title></rect>"
        f'<text x="{WIDTH - VALUE_WIDTH + 6}" y="{y + ROW / 2 + 4:.1f}" fill="{colour}">'
        f"{_signed(bar.contribution)}</text></g>"
    )


def _axis(scale: _Scale, y: float) -> str:
    """A rating axis with a few round ticks."""
    step = _tick_step(scale.high - scale.low)
    first = math.floor(scale.low / step) * step
    ticks: list[str] = [
        f'<line x1="{scale.left}" x2="{scale.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{MUTED}"/>'
    ]
    value = first
    while value <= scale.high:
        if value >= scale.low:
            x = scale.x(value)
            ticks.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" y2="{y + 4:.1f}" stroke="{MUTED}"/>'
                f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" fill="{MUTED}">'
                f"{value:g}</text>"
            )
        value = round(value + step, 10)
    return f'<g class="axis">{"".join(ticks)}</g>'


def _tick_step(span: float) -> float:
    """A round tick spacing giving about five ticks over ``span``."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0):
        if span / step <= 6:
            return step
    return 5.0
