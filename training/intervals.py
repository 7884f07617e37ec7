"""Split-conformal prediction intervals on the 1..5 rating scale.

Absolute residuals of a held-out split give, for a nominal level 1 - alpha, the half-width
``q = the ceil((n + 1)(1 - alpha))-th smallest residual``; ``prediction ± q`` then covers a new
outcome with probability >= 1 - alpha when the new row is exchangeable with the held-out ones.
Time order breaks exchangeability a little, which is why coverage is *measured* on the test split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np

RATING_MIN, RATING_MAX = 1.0, 5.0
DEFAULT_LEVEL = 0.8
DEFAULT_LEVELS: tuple[float, ...] = (0.8, 0.9)


def conformal_half_width(residuals: np.ndarray, level: float) -> float:
    """Split-conformal half-width for a nominal coverage ``level`` (inf if too few residuals)."""
    if not 0 < level < 1:
        raise ValueError(f"conformal level must be in (0, 1), got {level}")
    r = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    if r.size == 0:
        raise ValueError("conformal calibration needs at least one residual")
    rank = math.ceil((r.size + 1) * level)
    return float("inf") if rank > r.size else float(r[rank - 1])


class SplitConformal:
    """Half-widths per nominal level, fitted on the residuals of a calibration split."""

    def __init__(self, levels: Sequence[float] = DEFAULT_LEVELS) -> None:
        self.levels = tuple(levels)

    def fit(self, y_true: np.ndarray, y_pred: np.ndarray) -> Self:
        """Compute the half-width of each level from ``|y_true - y_pred|``."""
        residuals = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
        self.half_widths_ = {lv: conformal_half_width(residuals, lv) for lv in self.levels}
        self.n_calibration_ = int(residuals.size)
        return self

    def half_width(self, level: float = DEFAULT_LEVEL) -> float:
        """The fitted half-width of a level (it must be one of ``levels``)."""
        if level not in self.half_widths_:
            raise KeyError(f"no conformal half-width for level {level}; have {self.levels}")
        return self.half_widths_[level]

    def interval(
        self, y_pred: np.ndarray, level: float = DEFAULT_LEVEL
    ) -> tuple[np.ndarray, np.ndarray]:
        """``prediction ± half-width``, clipped to the rating scale (outcomes never leave it)."""
        q = self.half_width(level)
        pred = np.asarray(y_pred, dtype=float)
        return np.clip(pred - q, RATING_MIN, RATING_MAX), np.clip(pred + q, RATING_MIN, RATING_MAX)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready state (the bundle stores it for serving)."""
        return {
            "method": "split_conformal_absolute_residual",
            "n_calibration": self.n_calibration_,
            "half_widths": {str(lv): q for lv, q in self.half_widths_.items()},
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, object]) -> SplitConformal:
        """Rebuild a fitted instance from :meth:`to_dict` output."""
        widths = state["half_widths"]
        if not isinstance(widths, Mapping):
            raise ValueError("conformal state: 'half_widths' must be a mapping")
        out = cls(tuple(float(k) for k in widths))
        out.half_widths_ = {float(k): float(v) for k, v in widths.items()}
        n = state.get("n_calibration", 0)
        out.n_calibration_ = int(n) if isinstance(n, int | float | str) else 0
        return out
