"""The employee_portal role: how a self-service front end acts for one employee, and only one.

A portal key alone reaches nothing but the self-service routes, and even there it needs an
**employee token** in ``X-Employee-Token``: a signed, expiring statement "this portal key acts
for NIP n", which only an ``hr_system`` key can have issued (``POST /v1/portal/tokens``, after
the HR system signed the employee in through its own login). Every self-service route takes
the employee's NIP from the token, never from the request: a NIP in the path or body that is
not the token's is refused (403), so changing the NIP in a URL reads nothing of anyone else.

- a stolen portal key without tokens: useless; a stolen token: one employee's own data, until
  it expires (``MUTASI_PORTAL_TOKEN_MINUTES``), and only together with that portal key;
- a token names the key it was issued for and a keyed fingerprint of that key's stored hash:
  rotating or removing the portal key ends its tokens;
- tokens are HMAC-SHA256 signed with ``MUTASI_PORTAL_TOKEN_SECRET`` (default: random per
  process) and compared in constant time.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from mutasi.settings import Settings
from serving.api.deps import get_principal
from serving.api.security import KeyRing, Principal, Role, b64url, unb64url
from serving.audit.participation_records import ParticipationConflictError

EMPLOYEE_TOKEN_HEADER = "X-Employee-Token"
TOKEN_PREFIX = "met_"  # mutasi employee token

_employee_token = APIKeyHeader(
    name=EMPLOYEE_TOKEN_HEADER,
    scheme_name="EmployeeToken",
    auto_error=False,
    description="employee_portal keys only: the employee token from POST /v1/portal/tokens.",
)


@dataclass(frozen=True)
class EmployeeToken:
    """What a valid token says: which portal key acts for which employee, until when."""

    key_id: str
    nip: str
    expires: int


class PortalTokens:
    """Issues and checks employee tokens against the configured portal keys."""

    def __init__(
        self,
        secret: bytes,
        lifetime_seconds: int,
        keyring: KeyRing,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self.lifetime_seconds = lifetime_seconds
        self.keyring = keyring
        self.clock = clock

    def _mac(self, purpose: bytes, data: bytes) -> str:
        return b64url(hmac.new(self._secret, purpose + data, hashlib.sha256).digest())

    def _fingerprint(self, key_id: str) -> str | None:
        stored = next(
            (k for k in self.keyring.keys if k.key_id == key_id and k.role is Role.EMPLOYEE_PORTAL),
            None,
        )
        return None if stored is None else self._mac(b"key:", stored.digest)[:32]

    def portal_key_ids(self) -> list[str]:
        """Ids of the configured employee_portal keys."""
        return [k.key_id for k in self.keyring.keys if k.role is Role.EMPLOYEE_PORTAL]

    def issue(self, key_id: str, nip: str) -> EmployeeToken | None:
        """A token letting portal key ``key_id`` act for ``nip`` (None: no such portal key)."""
        fingerprint = self._fingerprint(key_id)
        if fingerprint is None:
            return None
        return EmployeeToken(key_id, nip, int(self.clock()) + self.lifetime_seconds)

    def encode(self, token: EmployeeToken) -> str:
        """The token's text for the header."""
        body = {"kid": token.key_id, "nip": token.nip, "exp": token.expires}
        body["kfp"] = self._fingerprint(token.key_id) or ""
        payload = b64url(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{TOKEN_PREFIX}{payload}.{self._mac(b'token:', payload.encode('ascii'))}"

    def read(self, text: str | None) -> EmployeeToken | None:
        """The token's statement if it is genuine, unexpired and its portal key unchanged."""
        if not text or not text.isascii() or not text.startswith(TOKEN_PREFIX):
            return None
        payload, _, mac = text.removeprefix(TOKEN_PREFIX).partition(".")
        if not hmac.compare_digest(mac, self._mac(b"token:", payload.encode("ascii"))):
            return None
        try:
            body = json.loads(unb64url(payload))
            token = EmployeeToken(str(body["kid"]), str(body["nip"]), int(body["exp"]))
            fingerprint = str(body["kfp"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        expected = self._fingerprint(token.key_id)
        if token.expires <= self.clock() or expected is None:
            return None
        return token if hmac.compare_digest(fingerprint, expected) else None


def install_portal(app: FastAPI, settings: Settings) -> None:
    """Set up the employee tokens (call after ``app.state.keyring`` is set)."""
    secret = settings.portal_token_secret
    raw = secrets.token_bytes(32) if secret is None else secret.get_secret_value().encode()
    app.state.portal_tokens = PortalTokens(
        raw, settings.portal_token_minutes * 60, app.state.keyring
    )


@dataclass(frozen=True)
class Caller:
    """Who calls a self-service route: the key, and the employee a portal acts for."""

    principal: Principal
    employee: str | None  # the token's NIP for employee_portal keys, None for the others

    def check_self(self, nip: str, where: str) -> None:
        """403 unless a portal acts for exactly this employee (others pass)."""
        if self.employee is not None and nip != self.employee:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"{where}: this employee token acts for another employee; a portal key "
                "reads and writes only its own employee's data",
            )

    @property
    def is_portal(self) -> bool:
        """Whether the caller is a portal acting for one employee."""
        return self.employee is not None


def self_service(*roles: Role) -> Callable[..., Caller]:
    """A dependency admitting ``roles`` and employee_portal keys with a valid employee token."""

    def check(
        request: Request,
        principal: Annotated[Principal, Depends(get_principal)],
        token: Annotated[str | None, Security(_employee_token)] = None,
    ) -> Caller:
        if principal.role is Role.EMPLOYEE_PORTAL:
            tokens: PortalTokens = request.app.state.portal_tokens
            found = tokens.read(token)
            if found is None or found.key_id != principal.key_id:
                what = "missing" if not token else "invalid, expired or issued for another key"
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    detail=f"employee token {what}: send {EMPLOYEE_TOKEN_HEADER} from "
                    "POST /v1/portal/tokens",
                    headers={"WWW-Authenticate": "APIKey"},
                )
            return Caller(principal, found.nip)
        if principal.role not in roles:
            allowed = ", ".join([r.value for r in roles] + [Role.EMPLOYEE_PORTAL.value])
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role.value} may not do this; needs one of: {allowed}",
            )
        return Caller(principal, None)

    return check


@contextmanager
def conflicts_as_409() -> Iterator[None]:
    """Answer a write the audit log refuses (stale version, second review) with 409."""
    try:
        yield
    except ParticipationConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc


EmployeeWriterDep = Annotated[Caller, Depends(self_service(Role.HR_SYSTEM))]
EmployeeReaderDep = Annotated[
    Caller, Depends(self_service(Role.HR_SYSTEM, Role.AUDITOR, Role.ADMIN))
]
