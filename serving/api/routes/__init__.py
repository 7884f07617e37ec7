"""The API's routers, one module per group of endpoints, registered by the app in this order."""

from fastapi import APIRouter

from serving.api.routes import (
    card,
    decisions,
    health,
    model,
    monitoring,
    plans,
    rankings,
    recommendations,
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
)
