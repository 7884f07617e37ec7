"""Signed, expiring session tokens for the auditor pages (stdlib HMAC, no server-side store).

A token is ``base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload))``. The
payload names the key id and role that signed in, when the session ends, and a fingerprint of
the key's stored hash: a session dies when it expires, when the key is removed from the
settings, when its role changes, and when the key is rotated under the same id.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from serving.api.security import KeyRing, Principal, Role, StoredKey, b64url, unb64url

SESSION_COOKIE = "mutasi_audit_session"
WEB_ROLES: frozenset[Role] = frozenset({Role.AUDITOR, Role.ADMIN})


@dataclass(frozen=True)
class WebSession:
    """Who signed in and until when (unix seconds)."""

    key_id: str
    role: Role
    expires: int
    key_fingerprint: str


def new_secret() -> bytes:
    """A random signing secret (sessions then end when the process restarts)."""
    return secrets.token_bytes(32)


class SessionCodec:
    """Issues and checks session tokens against the configured keys."""

    def __init__(
        self,
        secret: bytes,
        lifetime_seconds: int,
        keyring: KeyRing,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self._secret = secret
        self.lifetime_seconds = lifetime_seconds
        self.keyring = keyring
        self.clock = clock

    def _fingerprint(self, stored: StoredKey) -> str:
        # Keyed, so the cookie reveals nothing about the stored hash.
        return hmac.new(self._secret, b"key:" + stored.digest, hashlib.sha256).hexdigest()[:32]

    def _signature(self, payload: str) -> str:
        return b64url(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def _stored(self, key_id: str) -> StoredKey | None:
        return next((k for k in self.keyring.keys if k.key_id == key_id), None)

    def issue(self, principal: Principal) -> str:
        """A token for a principal the key ring authenticated."""
        stored = self._stored(principal.key_id)
        if stored is None:
            raise ValueError(f"key {principal.key_id!r} is not configured")
        body = {
            "kid": principal.key_id,
            "role": principal.role.value,
            "exp": int(self.clock()) + self.lifetime_seconds,
            "kfp": self._fingerprint(stored),
        }
        payload = b64url(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{payload}.{self._signature(payload)}"

    def read(self, token: str | None) -> WebSession | None:
        """The session of a valid, unexpired token whose key still exists unchanged; else None."""
        if not token or not token.isascii() or token.count(".") != 1:
            return None
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature, self._signature(payload)):
            return None
        try:
            body = json.loads(unb64url(payload))
            session = WebSession(
                key_id=str(body["kid"]),
                role=Role(body["role"]),
                expires=int(body["exp"]),
                key_fingerprint=str(body["kfp"]),
            )
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        if session.expires <= self.clock():
            return None
        stored = self._stored(session.key_id)
        if stored is None or stored.role != session.role or session.role not in WEB_ROLES:
            return None
        if not hmac.compare_digest(session.key_fingerprint, self._fingerprint(stored)):
            return None
        return session
