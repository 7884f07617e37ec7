"""The whole-plan answer: inputs from the served state (:mod:`.inputs`), the exact optimiser of
``planning``, and the explained, audited answer (:mod:`.answer`)."""
