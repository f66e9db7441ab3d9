"""Formal documents (wording and PDF), the progress view, and query-code guess limiting."""
import subprocess

import pytest

from gateway import formal_documents, pdf
from gateway.errors import RateLimited
from gateway.guesses import GuessLimiter
from gateway.progress import progress_view

CASE = {
    "case_no": "411400-HEALTH-20261123-00001", "item_code": "HEALTH-PUBLIC-PLACE-NEW", "department": "health",
    "item_name": "公共场所卫生许可（新办）", "status": "denied", "accepted_on": "2026-11-23",
    "applicant": {"type": "person", "name": "王小明", "id_number": "110***********1234", "phone": "139****5678"},
    "notice": {"kind": "acceptance_notice", "number": "SL-411400-HEALTH-20261123-00001", "date": "2026-11-23",
               "text": "王小明：\n决定予以受理。\n查询码：ABCD2345（凭办件编号和查询码可查询）\n监督电话：12320\n"
                       "卫生健康委员会（政务服务中心窗口）\n2026-11-23"},
    "decision": {"result": "denied", "reason": "现场卫生条件不符合标准", "decided_on": "2026-11-30"},
    "history": [{"at": "2026-11-23T01:00:00+00:00", "status": "accepted", "actor": "clerk1", "actor_role": "clerk"},
                {"at": "2026-11-30T01:00:00+00:00", "status": "denied", "actor": "chief1", "comment": "理由"}],
    "missing": [],
}


def test_available_documents_follow_the_case():
    assert formal_documents.available(CASE) == ["acceptance_notice", "denial_decision"]
    issued = {**CASE, "decision": {"result": "approved", "decided_on": "2026-11-30"}, "certificate_no": "N-1"}
    assert formal_documents.available(issued) == ["acceptance_notice", "approval_decision", "licence"]
    assert formal_documents.available({"case_no": "X"}) == []
    with pytest.raises(KeyError):
        formal_documents.build(CASE, "licence", "卫健委", "中心")


def test_a_notice_keeps_intakes_words_and_signs_once():
    document = formal_documents.build(CASE, "acceptance_notice", "商丘市卫生健康委员会", "商丘市政务服务中心")
    assert document.addressee == "王小明" and document.number == CASE["notice"]["number"]
    assert document.paragraphs[0] == "决定予以受理。" and document.paragraphs[-1] == "监督电话：12320"


def test_a_denial_gives_reasons_and_remedies():
    document = formal_documents.build(CASE, "denial_decision", "商丘市卫生健康委员会", "商丘市政务服务中心")
    text = "".join(document.paragraphs)
    assert document.title == "不予行政许可决定书" and document.number == f"BY-{CASE['case_no']}"
    assert "现场卫生条件不符合标准" in text and "六十日内" in text and "六个月内" in text
    assert document.date == "2026-11-30"


def test_the_pdf_is_chinese_text_with_the_case_number():
    document = formal_documents.build(CASE, "denial_decision", "商丘市卫生健康委员会", "商丘市政务服务中心")
    content = pdf.render(document)
    assert content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    text = text.replace("\n", "")
    for phrase in ("不予行政许可决定书", CASE["case_no"], "商丘市卫生健康委员会", "行政复议", "王小明"):
        assert phrase in text


def test_the_licence_carries_its_fields_and_a_qr_code():
    issued = {**CASE, "decision": {"result": "approved", "decided_on": "2026-11-30"}, "certificate_no": "N-1"}
    certificate = {"certificate_no": "N-1", "holder_name": "南湖宾馆有限公司", "licence_name": "公共场所卫生许可证",
                   "valid_from": "2026-11-30", "valid_until": "2030-11-29", "issued_on": "2026-11-30",
                   "replaces": "OLD-1"}
    document = formal_documents.build(issued, "licence", "卫健委", "中心", certificate, "http://x/verify/N-1")
    assert document.title == "公共场所卫生许可证" and ("换发原证", "OLD-1") in document.fields
    content = pdf.render(document)
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    assert "http://x/verify/N-1" in text.replace("\n", "") and "2030-11-29" in text
    assert b"/Subtype /Image" in content


def test_progress_shows_no_person():
    view = progress_view(CASE)
    assert view["status_name"] == "不予许可" and view["updated_at"] == "2026-11-30T01:00:00+00:00"
    assert [s["status"] for s in view["steps"]] == ["accepted", "denied"]
    assert view["decision"] == {"result": "denied", "decided_on": "2026-11-30"}
    text = str(view)
    for secret in ("王小明", "1234", "5678", "clerk1", "chief1", "理由", "ABCD2345"):
        assert secret not in text


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_guesses_are_limited_per_case_and_per_address(store):
    clock = Clock()
    limiter = GuessLimiter(store.accounts.database["guesses_test"], per_case=3, per_address=5, clock=clock)
    for _ in range(3):
        limiter.check("CASE-1", "1.2.3.4")
        limiter.wrong("CASE-1", "1.2.3.4")
    with pytest.raises(RateLimited):
        limiter.check("CASE-1", "5.6.7.8")          # the case is protected from every address
    limiter.check("CASE-2", "1.2.3.4")
    limiter.wrong("CASE-2", "1.2.3.4")
    limiter.wrong("CASE-3", "1.2.3.4")
    with pytest.raises(RateLimited):
        limiter.check("CASE-4", "1.2.3.4")          # one address cannot sweep cases
    clock.now += 901                                 # the next window
    limiter.check("CASE-1", "1.2.3.4")
