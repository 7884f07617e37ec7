"""Keep personal data and keys out of the logs: every log record of the process is masked.

What could reach a log: a NIP (18 digits) in a request path (``/v1/employees/{nip}/...``), in
an exception's message inside a traceback, or in any library's message; an API key sent where
it does not belong (``?api_key=mk_...`` in the query string, or a path), which the access line
would print although the key is refused. Keys belong in the ``X-API-Key`` header, which no log
prints.

Masking happens once, when a record is created: :func:`install_log_masking` wraps the process'
log record factory, so every logger and every handler sees masked records, including the
handlers and formatters uvicorn's ``dictConfig`` installs later. In each record:

- the message and each string argument are masked in place (so formatters that read the
  arguments, as uvicorn's access formatter does, still work);
- if the formatted message would still carry a NIP or key (an integer argument, an exception
  object), the masked formatted text replaces message and arguments;
- the traceback is formatted at once and masked into ``exc_text`` (``exc_info`` is dropped, so
  no handler can render the original again), and so is ``stack_info``.

Fields passed with ``extra=`` are set on a record after the factory made it, so they are not
masked: the service passes none, and personal data must not be passed that way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from serving.api.security import KEY_PREFIX

NIP_PATTERN = re.compile(r"(?<!\d)\d{18}(?!\d)")
# The prefix, plain or percent-encoded (a query string reaches the log still encoded), and the
# token characters after it (``secrets.token_urlsafe``).
KEY_PATTERN = re.compile(re.escape(KEY_PREFIX[:-1]) + r"(?:_|%5[fF])[A-Za-z0-9_\-%]*")
# The value of a query parameter whose name says it is a credential, whatever its form.
SECRET_PARAMETER = re.compile(
    r"([?&;](?i:(?:x[_-]?)?(?:api[_-]?key|apikey|key|token|access[_-]?token|secret|password))=)"
    r"[^&#\s\"']*"
)
NIP_MASK = "<nip>"
KEY_MASK = "<api-key>"
REDACTED = "<redacted>"

_TRACEBACKS = logging.Formatter()


# One search that finds any of the three, so that the usual string costs a single scan.
_SUSPECT = re.compile("|".join(p.pattern for p in (NIP_PATTERN, KEY_PATTERN, SECRET_PARAMETER)))


def mask_text(text: str) -> str:
    """``text`` with credential query values, API keys and 18-digit runs (NIPs) masked."""
    if _SUSPECT.search(text) is None:
        return text
    text = SECRET_PARAMETER.sub(rf"\1{REDACTED}", text)
    text = KEY_PATTERN.sub(KEY_MASK, text)
    return NIP_PATTERN.sub(NIP_MASK, text)


def _masked(value: object) -> object:
    return mask_text(value) if isinstance(value, str) else value


def _masked_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(_masked(a) for a in args)
    if isinstance(args, dict):
        return {k: _masked(v) for k, v in args.items()}
    return args


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask ``record`` in place (see the module docstring) and return it."""
    record.msg = _masked(record.msg)
    record.args = _masked_args(record.args)
    if record.args or not isinstance(record.msg, str):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format: logging reports it when it emits
            message = ""
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    return record


class _MaskingFactory:
    """A log record factory that masks what the wrapped factory creates."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord]) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(self.wrapped(*args, **kwargs))


def install_log_masking() -> None:
    """Mask every log record the process creates from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _MaskingFactory):
        logging.setLogRecordFactory(_MaskingFactory(current))
