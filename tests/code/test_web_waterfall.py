"""The SHAP waterfall: bars chained from the base value to the prediction, drawn as SVG."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.web.waterfall import build_waterfall, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def _svg(base: float, contributions: dict[str, float], top_n: int = 10) -> ET.Element:
    waterfall = build_waterfall(base, contributions, top_n=top_n)
    markup = render_svg(waterfall, title="t", base_label="base", prediction_label="prediction")
    return ET.fromstring(str(markup))


def _bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_bars_chain_from_the_base_to_the_prediction() -> None:
    contributions = {"a": 0.3, "b": -0.5, "c": 0.05, "d": 0.0}
    waterfall = build_waterfall(3.0, contributions, top_n=10)
    assert [bar.feature for bar in waterfall.bars] == ["b", "a", "c", "d"]  # by magnitude
    assert waterfall.bars[0].start == 3.0
    for before, after in zip(waterfall.bars, waterfall.bars[1:], strict=False):
        assert after.start == pytest.approx(before.end)
    assert waterfall.prediction == pytest.approx(3.0 + sum(contributions.values()))


def test_features_beyond_top_n_are_lumped_into_one_bar() -> None:
    contributions = {f"f{i}": (i + 1) / 100 * (-1) ** i for i in range(12)}
    waterfall = build_waterfall(2.0, contributions, top_n=4, other_label="{} lain".format)
    assert len(waterfall.bars) == 5
    lumped = waterfall.bars[-1]
    assert lumped.feature is None
    assert lumped.label == "8 lain"
    shown = {bar.feature for bar in waterfall.bars[:4]}
    assert shown == {"f11", "f10", "f9", "f8"}
    assert lumped.contribution == pytest.approx(
        sum(v for k, v in contributions.items() if k not in shown)
    )


@given(
    base=st.floats(-5, 10),
    values=st.lists(st.floats(-2, 2), min_size=1, max_size=30),
    top_n=st.integers(1, 12),
)
def test_the_svg_bars_sum_to_prediction_minus_base(
    base: float, values: list[float], top_n: int
) -> None:
    contributions = {f"feature_{i}": v for i, v in enumerate(values)}
    svg = _svg(base, contributions, top_n)
    total = sum(float(bar.get("data-contribution", "nan")) for bar in _bars(svg))
    assert math.isclose(total, sum(values), abs_tol=1e-9)
    assert math.isclose(float(svg.get("data-prediction", "nan")) - base, total, abs_tol=1e-9)
    assert len(_bars(svg)) == min(len(values), top_n) + (len(values) > top_n)


def test_the_svg_is_labelled_coloured_by_sign_and_escapes_text() -> None:
    waterfall = build_waterfall(
        3.0,
        {"up": 0.4, "down": -0.2},
        labels={"up": "<script>alert(1)</script>", "down": "turun"},
    )
    markup = str(
        render_svg(waterfall, title="Air & terjun", base_label="dasar", prediction_label="prediksi")
    )
    assert "<script>" not in markup
    svg = ET.fromstring(markup)
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert any("<script>alert(1)</script>" in t for t in texts)  # shown as text, escaped
    assert any("dasar" in t for t in texts)
    assert any("prediksi" in t for t in texts)
    assert any(t == "+0.40" for t in texts)
    assert any(t == "-0.20" for t in texts)
    colours = {bar.get("data-feature"): bar.get("fill") for bar in _bars(svg)}
    assert colours["up"] != colours["down"]
    assert svg.find(f"{SVG}title") is not None


def test_a_bar_spans_its_contribution_on_the_axis() -> None:
    svg = _svg(3.0, {"big": 1.0, "small": 0.25})
    widths = {bar.get("data-feature"): float(bar.get("width", "0")) for bar in _bars(svg)}
    assert widths["big"] == pytest.approx(4 * widths["small"], rel=1e-3)


def test_top_n_must_be_positive() -> None:
    with pytest.raises(ValueError, match="top_n"):
        build_waterfall(0.0, {"a": 1.0}, top_n=0)
