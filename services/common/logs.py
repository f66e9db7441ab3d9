"""Structured JSON logs carrying the request id that follows a case across services."""
import logging
import sys
import threading

from pythonjsonlogger.json import JsonFormatter

from services.common.masking import ExpectedErrorFilter, MaskingFilter

_local = threading.local()  # greenlet-local once eventlet has monkey-patched threading


def set_request_id(request_id: str | None) -> None:
    _local.request_id = request_id


def get_request_id() -> str | None:
    return getattr(_local, "request_id", None)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        return True


def _expected_errors() -> tuple[type, ...]:
    """Domain errors except Unavailable (a 503 is worth a warning); imported late: errors imports nameko."""
    from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound

    return (Conflict, Forbidden, InvalidInput, NotFound)


def configure_logging(component: str, level: str = "INFO") -> None:
    # The records never say where, in which thread or process they were logged: skip finding out (the
    # logging HOWTO's "Optimization"). Under eventlet the thread's name alone enumerates every green thread;
    # with the caller's stack walk it was a sixth of approval's CPU per case read.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level"},
            static_fields={"component": component},
        )
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(ExpectedErrorFilter(_expected_errors()))  # before masking: it looks at the exception
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
