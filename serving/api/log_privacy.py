"""Keep personal data out of the logs: NIPs in log records are masked.

The service logs no request bodies and never an API key (keys travel in a header, which access
logs do not print). The one place personal data reaches a log is the access log's request
line: ``/v1/employees/{nip}/recommendations`` carries the NIP in its path. This filter masks
every 18-digit run (the NIP format) in a record's message and arguments before any handler
formats it.
"""

from __future__ import annotations

import logging
import re

NIP_PATTERN = re.compile(r"(?<!\d)\d{18}(?!\d)")
MASK = "<nip>"
# uvicorn's request line and its error log (which may quote a path).
MASKED_LOGGERS: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")


def mask_nips(text: str) -> str:
    """``text`` with every 18-digit run replaced by :data:`MASK`."""
    return NIP_PATTERN.sub(MASK, text)


def _masked(value: object) -> object:
    return mask_nips(value) if isinstance(value, str) else value


class NipMaskingFilter(logging.Filter):
    """A filter that rewrites a record's message and string arguments with NIPs masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask in place and keep the record."""
        record.msg = _masked(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _masked(v) for k, v in record.args.items()}
        return True


def install_nip_masking(names: tuple[str, ...] = MASKED_LOGGERS) -> None:
    """Attach one :class:`NipMaskingFilter` to each named logger (idempotent).

    Logger filters survive uvicorn's logging configuration (``dictConfig`` replaces handlers,
    not filters), so installing at app creation covers ``mutasi serve``.
    """
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NipMaskingFilter) for f in logger.filters):
            logger.addFilter(NipMaskingFilter())
