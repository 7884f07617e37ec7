"""The API's routers, one module per group of endpoints, registered by the app in this order."""

from fastapi import APIRouter

from serving.api.routes import (
    card,
    decisions,
    health,
    model,
    monitoring,
    notice,
    objections,
    plan_letters,
    plans,
    portal,
    rankings,
    recommendations,
    usulan,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    rankings.router,
    recommendations.router,
    plans.router,
    model.router,
    decisions.router,
    card.router,
    monitoring.router,
    # ASN participation (issue 14)
    usulan.router,
    objections.router,
    plan_letters.router,
    portal.router,
    notice.router,
)
