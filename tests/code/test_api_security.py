"""API keys: hashing, the settings line format, authentication (no app needed)."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from mutasi.cli import app
from serving.api.security import KeyLineError, KeyRing, Principal, Role, key_line, new_key


def test_a_key_line_holds_the_hash_never_the_key() -> None:
    key = new_key()
    line = key_line("hr", Role.HR_SYSTEM, key)
    assert key not in line
    assert line == f"hr:hr_system:{hashlib.sha256(key.encode()).hexdigest()}"


def test_the_keyring_authenticates_the_matching_key_only() -> None:
    hr, admin = new_key(), new_key()
    ring = KeyRing([key_line("hr", Role.HR_SYSTEM, hr), key_line("ops", Role.ADMIN, admin)])
    assert ring.authenticate(hr) == Principal("hr", Role.HR_SYSTEM)
    assert ring.authenticate(admin) == Principal("ops", Role.ADMIN)
    assert ring.authenticate(hr + "x") is None
    assert ring.authenticate("") is None
    assert ring.authenticate(None) is None


def test_fresh_keys_differ() -> None:
    assert len({new_key() for _ in range(20)}) == 20


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("hr:hr_system", "expected <key_id>:<role>:<sha256>"),
        ("hr:boss:" + "0" * 64, "role 'boss' is not one of"),
        ("hr:auditor:xyz", "not hexadecimal"),
        ("hr:auditor:abcd", "not a SHA-256 digest"),
        (":auditor:" + "0" * 64, "empty key id"),
    ],
)
def test_malformed_lines_are_named(line: str, message: str) -> None:
    with pytest.raises(KeyLineError, match=message):
        KeyRing([line])


def test_key_ids_are_unique() -> None:
    lines = [key_line("a", Role.ADMIN, new_key()), key_line("a", Role.AUDITOR, new_key())]
    with pytest.raises(KeyLineError, match="repeated"):
        KeyRing(lines)


def test_a_key_id_cannot_contain_the_separator() -> None:
    with pytest.raises(KeyLineError, match="contain no ':'"):
        key_line("a:b", Role.ADMIN, new_key())


def test_mutasi_keys_prints_a_key_once_and_its_settings_line() -> None:
    result = CliRunner().invoke(app, ["keys", "admin", "--key-id", "ops"])
    assert result.exit_code == 0, result.output
    key = next(w for w in result.output.split() if w.startswith("mk_"))
    line = next(w for w in result.output.split() if w.startswith("ops:admin:"))
    assert KeyRing([line]).authenticate(key) == Principal("ops", Role.ADMIN)
    assert result.output.count(key) == 1
