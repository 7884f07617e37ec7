"""Security headers of every response under ``/audit`` (pages, redirects, static files).

The pages load nothing but their own stylesheet, run no script and may not be framed. A
response that sets its own Content-Security-Policy keeps it (the full HTML model card does).
Audit data is not to be kept in shared or browser caches: ``Cache-Control: no-store``.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
