"""ASN participation in the plan: usulan (wishes and opt-outs) received through the service,
objections and their human review, a personal explanation letter for every planned move, and
the notice of what the system assesses.

Statements and objections live in the audit log (:mod:`serving.audit.participation`); this
package holds the rules: what a valid statement is, how statements overlay the export's
preferences (:mod:`.usulan`), what may be objected to and when a plan may become final
(:mod:`.objections`), what a letter says (:mod:`.letters`) and the notice (:mod:`.notice`).
"""
