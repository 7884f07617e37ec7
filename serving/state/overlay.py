"""A served state with another preferences table: how usulan statements reach the features.

:class:`OverlaidState` shares everything with the state it is made from (model, snapshot,
rules, the cached employee snapshots per date) except the feature builder's preference index,
which :meth:`features.fit.FitFeatureBuilder.with_preferences` rebuilds from the overlaid table.
So the ``asked_for_unit`` and ``preference_priority`` features of rankings, recommendations and
plans come out of the same code as in training, and making one costs milliseconds, not a
reload: no retraining, no restart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

import pandas as pd

from serving.state import AsOfView, ServingState
from serving.state.statements import Statements


class OverlaidState(ServingState):
    """``base`` whose features read ``preferences`` and whose answers cite ``statements``."""

    def __init__(
        self, base: ServingState, preferences: pd.DataFrame | None, statements: Statements
    ) -> None:
        # Not ServingState.__init__: all of the base is reused as it is, nothing is reloaded.
        self.__dict__.update(base.__dict__)
        self.base = base
        self.snapshot = replace(
            base.snapshot, builder=base.snapshot.builder.with_preferences(preferences)
        )
        self.statements = statements
        self._views = OrderedDict()
        self._views_lock = threading.Lock()
        self._building = {}

    def _build_view(self, as_of: pd.Timestamp) -> AsOfView:
        # The base's employee snapshot of the date, scored with this state's builder: nothing
        # precomputed there reads the preferences.
        view = self.base.view(as_of)
        return replace(view, employees=view.employees.with_builder(self.snapshot.builder))
