"""No NIP and no API key in any log record (issue 17): messages, arguments, tracebacks, access
lines with query strings; checked on records and on the captured log of a served process."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from serving.api import log_privacy
from serving.api.security import KEY_PREFIX, Role
from tests.serving_fixtures import KEYS, Champion

NIP = "198503122010011002"
KEY = KEYS[Role.HR_SYSTEM]
EIGHTEEN_DIGITS = re.compile(r"\b\d{18}\b")
# What the log shows instead (docs/operations.md).
NIP_MASK = "<nip>"
KEY_MASK = "<api-key>"
REDACTED = "<redacted>"


def _record(msg: object, *args: object, exc_info: object = None, sinfo: str | None = None) -> Any:
    log_privacy.install_log_masking()
    return logging.getLogger("tests.privacy").makeRecord(
        "tests.privacy",
        logging.INFO,
        __file__,
        1,
        msg,
        args,
        exc_info,
        sinfo=sinfo,  # type: ignore[arg-type]
    )


def _formatted(record: logging.LogRecord) -> str:
    return logging.Formatter("%(message)s").format(record)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/v1/employees/{NIP}/recommendations", f"/v1/employees/{NIP_MASK}/recommendations"),
        (f"GET /v1/model?api_key={KEY}", f"GET /v1/model?api_key={REDACTED}"),
        ("GET /x?X-API-Key=secret&k=1", f"GET /x?X-API-Key={REDACTED}&k=1"),
        ("GET /x?k=1&token=abc", f"GET /x?k=1&token={REDACTED}"),
        (f"key {KEY} refused", f"key {KEY_MASK} refused"),
        ("GET /x?q=mk%5Fencoded-Key_1", f"GET /x?q={KEY_MASK}"),
        ("1" * 19, "1" * 19),  # longer than a NIP: another number
        ("12345 2024-01-02", "12345 2024-01-02"),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert log_privacy.mask_text(text) == expected


def test_string_and_integer_arguments_are_masked() -> None:
    assert _formatted(_record("nip %s of %d", NIP, int(NIP))) == f"nip {NIP_MASK} of {NIP_MASK}"
    assert _formatted(_record("%(who)s", {"who": NIP})) == NIP_MASK
    assert _formatted(_record(ValueError(f"bad {NIP}"))) == f"bad {NIP_MASK}"


def test_tracebacks_and_stacks_are_masked() -> None:
    try:
        raise RuntimeError(f"failed for {NIP} with {KEY}")
    except RuntimeError:
        record = _record("boom", exc_info=sys.exc_info(), sinfo=f"stack of {NIP}")
    text = _formatted(record)
    assert "Traceback" in text
    assert f"failed for {NIP_MASK} with {KEY_MASK}" in text
    assert f"stack of {NIP_MASK}" in text
    assert record.exc_info is None  # no handler can render the original again


def test_uvicorn_access_lines_still_format_with_masked_arguments() -> None:
    record = _record(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "POST",
        f"/v1/employees/{NIP}/recommendations?api_key={KEY}",
        "1.1",
        401,
    )
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s").format(record)
    assert line == (
        f"127.0.0.1:5000 POST /v1/employees/{NIP_MASK}/recommendations?api_key={REDACTED} "
        "HTTP/1.1 401 Unauthorized"
    )


def test_masking_is_installed_once() -> None:
    log_privacy.install_log_masking()
    factory = logging.getLogRecordFactory()
    log_privacy.install_log_masking()
    assert logging.getLogRecordFactory() is factory
    assert log_privacy.mask_record(logging.makeLogRecord({"msg": NIP})).msg == NIP_MASK


# --- the log of a served process ---------------------------------------------------------------

# `mutasi serve` as it runs (create_app, preload, uvicorn), with the recommendation logic made to
# fail and log: a NIP in a traceback and in a record with an integer argument.
SERVER = """
import logging
import sys

import uvicorn

import serving.api.routes.recommendations as route
from serving.api.app import create_app, preload


def failing(state, nip, options, **_):
    logging.getLogger("serving.domain").warning("scoring %s (%d) failed", nip, int(nip))
    raise RuntimeError(f"forced failure while scoring {nip}")


route.recommend = failing
app = create_app()
preload(app)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="debug")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the server was not ready in time:\n{log.read_text()[-3000:]}")


def _hostile_run(client: httpx.Client, nip: str) -> None:
    """Every operation with NIPs in path, query and body, keys where they do not belong."""
    spec = client.get("/openapi.json").json()
    keys = [None, f"{KEY_PREFIX}wrong_0123456789", KEY]
    for i, (template, item) in enumerate(sorted(spec["paths"].items())):
        path = re.sub(r"\{[a-z_]+\}", nip, template)
        for method in item:
            key = keys[i % len(keys)]
            with contextlib.suppress(httpx.TransportError):  # only what the server logs matters
                client.request(
                    method,
                    f"{path}?api_key={KEY}&nip={nip}",
                    content=f'{{"k": NaN, "candidate_nips": ["{nip}"], "chosen_nip": "{nip}"}}',
                    headers={"Content-Type": "application/json"}
                    | ({"X-API-Key": key} if key else {}),
                )
    client.get(f"/audit/login?next=/audit/../{nip}&api_key={KEYS[Role.AUDITOR]}")
    client.post("/audit/login", data={"api_key": KEYS[Role.AUDITOR], "next": f"/audit/{nip}"})
    forced = client.post(
        f"/v1/employees/{nip}/recommendations", json={"k": 1}, headers={"X-API-Key": KEY}
    )
    assert forced.status_code == 500


def test_a_hostile_run_leaves_no_nip_or_key_in_the_process_log(
    champion: Champion, tmp_path: Path
) -> None:
    port = _free_port()
    log = tmp_path / "server.log"
    env = os.environ | {"MUTASI_AUDIT_DB_URL": f"sqlite:///{tmp_path / 'audit.db'}"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _wait_ready(client, server, log)
            _hostile_run(client, NIP)
    finally:
        server.terminate()
        server.wait(timeout=60)
    text = log.read_text()
    leaks = [
        line for line in text.splitlines() if EIGHTEEN_DIGITS.search(line) or KEY_PREFIX in line
    ]
    assert leaks == []
    # The run did log what it should have: access lines, the failure and its traceback.
    assert f'"POST /v1/employees/{NIP_MASK}/recommendations HTTP/1.1" 500' in text
    assert f"/v1/model?api_key={REDACTED}&nip={NIP_MASK}" in text
    assert "Traceback (most recent call last)" in text
    assert f"RuntimeError: forced failure while scoring {NIP_MASK}" in text
    assert f"scoring {NIP_MASK} ({NIP_MASK}) failed" in text
