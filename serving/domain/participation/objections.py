"""Objections to audited answers and plans, their human review, and when a plan may be final.

An employee may contest an answer that concerns them: a ranking that lists them, the
recommendations made for them, or a plan that moves them (UU 27/2022 on personal data gives a
right to object to automated profiling; the plan's sosialisasi asks that people be heard
before it is final). A person reviews each objection and records the outcome (upheld or
rejected), who decided and why. A plan with an objection still open, or upheld (it must then
be planned again), cannot be declared final unless an admin overrides with a reason; the
override, and the objections it passed over, are in the audit log.
"""

from __future__ import annotations

from serving.audit import AuditStore
from serving.audit.participation_records import (
    NewObjection,
    NewPlanFinal,
    NewReview,
    ObjectionRecord,
    ParticipationConflictError,
    PlanFinalRecord,
    ReviewRecord,
)
from serving.audit.tables import AuditAnswer
from serving.errors import FieldProblem, NotFoundError, RequestFieldError
from serving.schemas.objections import (
    ExportStatus,
    Finalisation,
    FinalisationRequest,
    ObjectionRequest,
    PlanStatus,
    ReviewRequest,
)

PLAN_ENDPOINT = "plan"
UNRESOLVED = ("open", "upheld")


def _problem(field: str, message: str, value: object = None) -> RequestFieldError:
    return RequestFieldError([FieldProblem(("body", field), message, value)])


def concerned_position(answer: AuditAnswer, nip: str, position_id: str | None) -> str | None:
    """The position an objection of ``nip`` is about; 422 naming the field if the answer does
    not concern them there."""
    own = [item.position_id for item in answer.items if item.nip == nip]
    subject = answer.subject_nip == nip
    if not own and not subject:
        raise _problem(
            "nip",
            f"{nip} does not appear in {answer.request_id} ({answer.endpoint}): only an "
            "employee it ranks, recommends vacancies to or moves may object to it",
            nip,
        )
    if position_id is None:  # recommendations as a whole; else their move or ranked post
        return None if subject else own[0]
    offered = [item.position_id for item in answer.items] if subject else own
    if position_id not in offered:
        raise _problem(
            "position_id",
            f"{answer.request_id} gives {nip} no position {position_id!r}",
            position_id,
        )
    return position_id


def submit_objection(
    audit: AuditStore, body: ObjectionRequest, key_id: str, role: str
) -> tuple[ObjectionRecord, str]:
    """Record an objection (and the endpoint of what it contests); one open at a time per
    employee and answer (409)."""
    answer = audit.answer(body.request_id)
    if answer is None:
        raise _problem(
            "request_id",
            f"no audited answer or plan with request id {body.request_id!r}",
            body.request_id,
        )
    position_id = concerned_position(answer, body.nip, body.position_id)

    def one_open(earlier: list[ObjectionRecord]) -> None:
        still_open = [o.objection_id for o in earlier if o.status == "open"]
        if still_open:
            raise ParticipationConflictError(
                f"{body.nip} already has an open objection to {body.request_id} "
                f"({still_open[0]}); it is reviewed before another one is taken"
            )

    record = audit.record_objection(
        NewObjection(
            request_id=body.request_id,
            nip=body.nip,
            position_id=position_id,
            category=body.category.value,
            reason=body.reason,
            submitted_by=body.submitted_by,
            key_id=key_id,
            role=role,
        ),
        one_open,
    )
    return record, answer.endpoint


def find_objection(audit: AuditStore, objection_id: str) -> ObjectionRecord:
    """The objection; 404 if there is none."""
    record = audit.objection(objection_id)
    if record is None:
        raise NotFoundError(f"no objection with id {objection_id!r}")
    return record


def review_objection(
    audit: AuditStore, objection_id: str, body: ReviewRequest, key_id: str, role: str
) -> ReviewRecord:
    """Record a person's review of an objection (404 if unknown, 409 if already reviewed)."""
    find_objection(audit, objection_id)
    return audit.record_review(
        NewReview(
            objection_id=objection_id,
            outcome=body.outcome.value,
            reviewed_by=body.reviewed_by,
            reason=body.reason,
            key_id=key_id,
            role=role,
        )
    )


def find_plan(audit: AuditStore, request_id: str) -> AuditAnswer:
    """The audited plan; 404 if there is none (or the answer is not a plan)."""
    answer = audit.answer(request_id)
    if answer is None:
        raise NotFoundError(f"no audited plan with request id {request_id!r}")
    if answer.endpoint != PLAN_ENDPOINT:
        raise NotFoundError(f"{request_id} is a {answer.endpoint} answer, not a plan")
    return answer


def _export_status(
    objections: list[ObjectionRecord], final: PlanFinalRecord | None
) -> ExportStatus:
    if final is not None:
        return "final"
    statuses = {o.status for o in objections}
    if "open" in statuses:
        return "open_objections"
    if "upheld" in statuses:
        return "upheld_objections"
    return "ready"


def plan_status(audit: AuditStore, request_id: str) -> PlanStatus:
    """Whether the plan may be exported as final, with its objections by status."""
    answer = find_plan(audit, request_id)
    objections = audit.objections(request_id=request_id, limit=10_000)
    final = audit.plan_final(request_id)

    def ids(status: str) -> list[str]:
        return [o.objection_id for o in objections if o.status == status]

    return PlanStatus(
        request_id=request_id,
        status=_export_status(objections, final),
        n_moves=len(answer.items),
        open=ids("open"),
        upheld=ids("upheld"),
        rejected=ids("rejected"),
        final=None if final is None else Finalisation.of(final),
    )


def finalise_plan(
    audit: AuditStore, request_id: str, body: FinalisationRequest, key_id: str, role: str
) -> PlanFinalRecord:
    """Declare the plan final; 409 while objections are open or upheld, unless ``body`` gives
    an override reason (the route lets only admins give one)."""
    find_plan(audit, request_id)

    def overriding(objections: list[ObjectionRecord]) -> list[str]:
        unresolved = [o for o in objections if o.status in UNRESOLVED]
        if unresolved and body.override_reason is None:
            n_open = sum(o.status == "open" for o in unresolved)
            raise ParticipationConflictError(
                f"plan {request_id} has {n_open} open and {len(unresolved) - n_open} upheld "
                f"objection(s) ({', '.join(o.objection_id for o in unresolved)}): review them "
                "(or plan again) first, or an admin overrides with override_reason"
            )
        return [o.objection_id for o in unresolved]

    return audit.record_plan_final(
        NewPlanFinal(
            request_id=request_id,
            finalised_by=body.finalised_by,
            override_reason=body.override_reason,
            key_id=key_id,
            role=role,
        ),
        overriding,
    )
