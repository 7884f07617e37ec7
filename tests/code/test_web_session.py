"""Session tokens: signed, expiring, tied to the key that signed in."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from serving.api.security import KeyRing, Principal, Role, key_line
from serving.web.auth import safe_next
from serving.web.session import SessionCodec

SECRET = b"s" * 32


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _ring(role: Role = Role.AUDITOR, key: str = "mk_one") -> KeyRing:
    return KeyRing([key_line("aud", role, key)])


def test_a_token_reads_back_until_it_expires() -> None:
    clock = Clock()
    codec = SessionCodec(SECRET, 600, _ring(), clock)
    token = codec.issue(Principal("aud", Role.AUDITOR))
    session = codec.read(token)
    assert session is not None
    assert (session.key_id, session.role) == ("aud", Role.AUDITOR)
    clock.now += 599
    assert codec.read(token) is not None
    clock.now += 1
    assert codec.read(token) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: "e" + t[1:] if t[0] != "e" else "f" + t[1:],  # payload
        lambda t: t.replace(".", ""),
        lambda t: "",
        lambda t: t + ".x",
        lambda t: "é" + t,
    ],
)
def test_a_tampered_token_is_refused(tamper: Callable[[str], str]) -> None:
    codec = SessionCodec(SECRET, 600, _ring())
    token = codec.issue(Principal("aud", Role.AUDITOR))
    assert codec.read(tamper(token)) is None


def test_another_secret_does_not_accept_the_token() -> None:
    token = SessionCodec(SECRET, 600, _ring()).issue(Principal("aud", Role.AUDITOR))
    assert SessionCodec(b"t" * 32, 600, _ring()).read(token) is None


def test_removing_rotating_or_demoting_the_key_ends_its_sessions() -> None:
    token = SessionCodec(SECRET, 600, _ring()).issue(Principal("aud", Role.AUDITOR))
    assert SessionCodec(SECRET, 600, _ring()).read(token) is not None
    assert SessionCodec(SECRET, 600, KeyRing([])).read(token) is None
    assert SessionCodec(SECRET, 600, _ring(key="mk_rotated")).read(token) is None
    assert SessionCodec(SECRET, 600, _ring(role=Role.HR_SYSTEM)).read(token) is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        SessionCodec(b"short", 600, _ring())


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/audit/rankings?position_id=P1", "/audit/rankings?position_id=P1"),
        ("/audit/fairness", "/audit/fairness"),
        ("https://evil.example/audit/", "/audit/rankings"),
        ("//evil.example/audit/", "/audit/rankings"),
        ("/audit/\\evil", "/audit/rankings"),
        ("/v1/model", "/audit/rankings"),
        (None, "/audit/rankings"),
        # Paths that read as audit pages but resolve elsewhere (issue 17).
        ("/audit/../../evil", "/audit/rankings"),
        ("/audit/../v1/model", "/audit/rankings"),
        ("/audit/%2e%2e/x", "/audit/rankings"),
        ("/audit/%2E%2E/%2E%2E/evil", "/audit/rankings"),
        ("/audit/%252e%252e/x", "/audit/rankings"),
        ("/audit/%2F..%2F..%2Fevil", "/audit/rankings"),
        ("/\\evil.example", "/audit/rankings"),
        ("/audit\\..\\evil", "/audit/rankings"),
        ("/audit/%5c..%5cevil", "/audit/rankings"),
        ("///evil.example", "/audit/rankings"),
        ("https:/audit/x", "/audit/rankings"),
        ("javascript:alert(1)", "/audit/rankings"),
        ("/audit/x\r\nSet-Cookie:a=b", "/audit/rankings"),
        ("/audit/%0d%0aSet-Cookie:a=b", "/audit/rankings"),
        ("/audit", "/audit/rankings"),
        ("audit/rankings", "/audit/rankings"),
        # Local pages pass in their normal form.
        ("/audit/./chain", "/audit/chain"),
        ("/audit/rankings/../chain", "/audit/chain"),
        ("/audit//chain", "/audit/chain"),
        ("/audit/rankings?q=a%20b&page=2", "/audit/rankings?q=a%20b&page=2"),
    ],
)
def test_only_local_audit_pages_are_redirect_targets(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
