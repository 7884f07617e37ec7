"""API keys: generation, hashing, the settings line format and authentication.

Settings hold one line per key, ``<key_id>:<role>:<sha256 hex of the key>``, never the key
itself. Keys are 256-bit random tokens, so a fast unsalted SHA-256 is enough (a slow salted hash
defends low-entropy passwords against guessing; a random token cannot be guessed), and it lets
us authenticate without knowing the key id in advance. Comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_PREFIX = "mk_"
API_KEY_HEADER = "X-API-Key"


class Role(StrEnum):
    """What a key may do: rank (hr_system), read answers and the model (auditor), reload (admin),
    and an HR system's self-service front end acting for one employee at a time
    (employee_portal; every request also carries an employee token, see serving.api.portal)."""

    HR_SYSTEM = "hr_system"
    AUDITOR = "auditor"
    ADMIN = "admin"
    EMPLOYEE_PORTAL = "employee_portal"


class KeyLineError(ValueError):
    """A ``MUTASI_API_KEYS`` entry is malformed."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, recorded in the audit log (never the key)."""

    key_id: str
    role: Role


@dataclass(frozen=True)
class StoredKey:
    """One configured key: its id, role and SHA-256 digest."""

    key_id: str
    role: Role
    digest: bytes


def b64url(raw: bytes) -> str:
    """URL-safe base64 without padding (signed tokens: sessions, employee tokens)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """The bytes of :func:`b64url` text (raises ``binascii.Error`` on bad input)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_key(key: str) -> str:
    """Hex SHA-256 of a key, as stored in settings."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (shown once to the operator, then only its hash is kept)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_line(key_id: str, role: Role, key: str) -> str:
    """The settings line for a key."""
    if not key_id or ":" in key_id:
        raise KeyLineError(f"key id {key_id!r} must be non-empty and contain no ':'")
    return f"{key_id}:{role.value}:{hash_key(key)}"


def parse_key_line(line: str) -> StoredKey:
    """Parse ``<key_id>:<role>:<sha256 hex>``; raises :class:`KeyLineError` naming the problem."""
    parts = line.strip().split(":")
    if len(parts) != 3:
        raise KeyLineError(f"API key entry {line[:20]!r}...: expected <key_id>:<role>:<sha256>")
    key_id, role, digest = parts
    if not key_id:
        raise KeyLineError("API key entry with an empty key id")
    try:
        parsed_role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise KeyLineError(f"API key {key_id!r}: role {role!r} is not one of {roles}") from None
    try:
        raw = bytes.fromhex(digest)
    except ValueError:
        raise KeyLineError(f"API key {key_id!r}: hash is not hexadecimal") from None
    if len(raw) != hashlib.sha256().digest_size:
        raise KeyLineError(f"API key {key_id!r}: hash is not a SHA-256 digest (64 hex chars)")
    return StoredKey(key_id, parsed_role, raw)


class KeyRing:
    """The configured keys; authenticates a presented key."""

    def __init__(self, lines: list[str]) -> None:
        self.keys = [parse_key_line(line) for line in lines if line.strip()]
        ids = [k.key_id for k in self.keys]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise KeyLineError(f"API key ids must be unique; repeated: {duplicated}")

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal whose key this is, or None.

        Every stored digest is compared (no early exit) so that timing does not reveal how
        many keys or which one came close.
        """
        if not presented:
            return None
        digest = hashlib.sha256(presented.encode("utf-8")).digest()
        found: StoredKey | None = None
        for stored in self.keys:
            if hmac.compare_digest(digest, stored.digest):
                found = stored
        return Principal(found.key_id, found.role) if found else None
