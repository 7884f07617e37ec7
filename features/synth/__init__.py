"""Synthetic province generator: a pemda's ASN careers simulated over ten years, with ground truth.

``generate_province`` writes a contract dataset plus ``_oracle/``; :class:`Oracle` answers how
well a person would do in a post (the noise-free expected SKP rating); ``corrupt_dataset``
injects realistic faults into a copy for validation tests; ``continue_province`` carries a
generated dataset on by whole years, with the historical policy or with given moves.
"""

from features.synth.continuation import continue_province
from features.synth.corrupt import corrupt_dataset
from features.synth.generate import GenerationSummary, generate_province
from features.synth.given_moves import MoveError
from features.synth.oracle import Oracle

__all__ = [
    "GenerationSummary",
    "MoveError",
    "Oracle",
    "continue_province",
    "corrupt_dataset",
    "generate_province",
]
