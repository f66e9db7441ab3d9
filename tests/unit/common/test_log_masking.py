"""Log masking covers tracebacks and `extra` fields; expected 4xx are not errors (issue 8)."""
import io
import json
import logging

import pytest

from services.common.errors import InvalidInput, Unavailable
from services.common.logs import configure_logging

ID = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def captured(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    configure_logging("test", "INFO")
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().handlers[:] = []


def test_traceback_and_extra_fields_are_masked(captured):
    try:
        raise RuntimeError(f"lookup failed for {ID} / {PHONE}")
    except RuntimeError:
        logging.getLogger("t").exception("failed", extra={"applicant": {"id_number": ID, "phones": [PHONE]}})
    line = captured()[0]
    text = json.dumps(line, ensure_ascii=False)
    assert ID not in text and PHONE not in text
    assert "110***********002X" in line["exc_info"] and "138****5678" in json.dumps(line["applicant"])


def test_expected_errors_are_info_without_traceback(captured):
    log = logging.getLogger("t")
    try:
        raise InvalidInput(f"bad {ID}", [])
    except InvalidInput:
        log.exception("error handling worker")
    try:
        raise Unavailable("intake down")
    except Unavailable:
        log.warning("call failed", exc_info=True)
    invalid, unavailable = captured()
    assert invalid["level"] == "INFO" and "exc_info" not in invalid
    assert unavailable["level"] == "WARNING" and "Unavailable" in unavailable["exc_info"]


def test_a_huge_message_is_cut(captured):
    logging.getLogger("t").info("body %s", "x" * 1_000_000)
    assert len(captured()[0]["message"]) < 10_000
