"""The provincial network's rules (issue 8): signatures, payloads, URL validation, back-off, the
change feed's status mapping, exchange codes and field encryption."""
import socket

import pytest
from cryptography.exceptions import InvalidTag

from gateway import exchange
from services.common import actor_claims, contracts
from services.common.crypto import FieldCipher
from services.notification import changes, webhooks


def event(event_type, **fields):
    base = {"case_no": "411400-20261123-0001", "item_code": "HEALTH-PUBLIC-PLACE-NEW", "item_name": "公共场所",
            "department": "health", "owner": None, "submitted_by": "province", "channel": "province"}
    return {"event_id": "e1", "event_type": event_type, "occurred_at": "2026-11-23T10:00:00+08:00",
            **base, **fields}


def test_signature_is_hmac_of_timestamp_dot_body():
    body = webhooks.encode({"case_no": "X", "status": "accepted"})
    signature = webhooks.sign("whsec_s", 1700000000, body)
    assert signature == webhooks.sign("whsec_s", 1700000000, body) and signature.startswith("sha256=")
    assert webhooks.verify("whsec_s", "1700000000", body, signature, now=1700000010)
    assert not webhooks.verify("whsec_s", "1700000000", body + b" ", signature, now=1700000010)
    assert not webhooks.verify("other", "1700000000", body, signature, now=1700000010)
    assert not webhooks.verify("whsec_s", "1700000000", body, signature, now=1700009999)  # replayed late


def test_payload_is_structured_and_carries_no_personal_data():
    accepted = event(contracts.APPLICATION_ACCEPTED, applicant={"id_number": "110***", "phone": "138****"},
                     deadlines={"promised": "2026-12-01"})
    body = webhooks.payload(accepted, changes.webhook_status(accepted))
    assert body["status"] == "accepted" and body["deadlines"]["promised"] == "2026-12-01"
    assert set(body) >= {"event_id", "event", "case_no", "status", "at"} and "applicant" not in body


@pytest.mark.parametrize("url, allowed", [
    ("https://8.8.8.8/hook", True),
    ("http://8.8.8.8/hook", False),
    ("https://127.0.0.1/hook", False),
    ("https://10.1.2.3/hook", False),
    ("https://169.254.169.254/latest", False),
    ("https://[::1]/hook", False),
    ("https://user:pw@8.8.8.8/hook", False),
    ("ftp://8.8.8.8/hook", False),
])
def test_webhook_urls_outside_development(url, allowed):
    def resolve(host, port, proto=None):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host.strip("[]"), port))]

    assert (webhooks.url_problem(url, False, resolve) is None) is allowed


def test_a_name_resolving_to_a_private_address_is_refused_and_development_may_allow_loopback():
    def resolve(host, port, proto=None):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.10", port))]

    assert webhooks.url_problem("https://hooks.example.gov.cn/x", False, resolve)
    assert webhooks.url_problem("http://127.0.0.1:9000/x", True) is None


def test_backoff_doubles_and_is_capped():
    assert [webhooks.backoff_seconds(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert webhooks.backoff_seconds(20, 30) == 3600


@pytest.mark.parametrize("kind, fields, status", [
    (contracts.APPLICATION_RECEIVED, {"status": "pre_review"}, "pre_review"),
    (contracts.APPLICATION_RECEIVED, {"status": "accepted"}, None),  # the acceptance event announces it
    (contracts.ONE_TIME_NOTICE_ISSUED, {}, "awaiting_supplement"),
    (contracts.APPLICATION_ACCEPTED, {}, "accepted"),
    (contracts.APPLICATION_REFUSED, {}, "refused"),
    (contracts.CASE_STATUS_CHANGED, {"status": "in_review"}, "in_review"),
    (contracts.CASE_CLOSED, {"status": "closed"}, None),  # rides with a case_status_changed
    (contracts.CASE_DECIDED, {"result": "approved"}, None),
])
def test_which_events_are_status_changes(kind, fields, status):
    assert changes.status_of(event(kind, **fields)) == status


@pytest.mark.parametrize("cursor, after", [(None, 0), ("", 0), ("17", 17), ("abc", None), ("-1", None),
                                           ("١٢", None), ("9" * 30, None)])
def test_cursor_parsing(cursor, after):
    assert changes.parse_cursor(cursor) == after


def test_satisfaction_is_reversed_and_a_case_renders_with_exchange_names():
    assert exchange.code_for("410000", "satisfaction", 5) == "1"
    assert exchange.code_for("410000", "satisfaction", 1) == "5"
    assert set(exchange.table_names("410000")) >= {"case_kind", "channel", "status", "satisfaction"}
    rendered = exchange.render_case("410000", {
        "case_no": "N1", "item_code": "I", "status": "in_review", "channel": "province",
        "applicant": {"type": "person", "name": "张三", "id_number": "11010519491231002X"}})
    record = rendered["record"]
    assert record["PROJID"] == "N1" and record["HANDLESTATE"] == "05" and record["APPLYFROM"] == "3"
    assert record["APPLYERNAME"] == "张*" and record["APPLYERCERTNO"] == "110***********002X"
    with pytest.raises(exchange.UnknownTable):
        exchange.table("410000", "nope")


def test_field_cipher_round_trip_binds_context_and_hashes_for_lookup():
    cipher = FieldCipher("a long secret from the environment")
    token = cipher.encrypt("11010519491231002X", "id_number")
    assert token.startswith("v1:") and "1101" not in token
    assert cipher.decrypt(token, "id_number") == "11010519491231002X"
    with pytest.raises(InvalidTag):
        cipher.decrypt(token, "phone")  # moved to another field: refused
    assert cipher.encrypt("x") != cipher.encrypt("x")  # random nonce
    assert cipher.lookup_hash("x") == FieldCipher("a long secret from the environment").lookup_hash("x")
    assert cipher.lookup_hash("x") != FieldCipher("another key").lookup_hash("x")


def test_actor_claims_bind_the_whole_call():
    signature, at = actor_claims.sign("k", "intake.transition", ["N1", "accept", {"role": "clerk"}], {})
    assert actor_claims.verify("k", "intake.transition", ["N1", "accept", {"role": "clerk"}], {}, signature, at)
    assert not actor_claims.verify("k", "intake.transition", ["N1", "accept", {"role": "centre_admin"}], {},
                                   signature, at)
    assert not actor_claims.verify("k", "approval.transition", ["N1", "accept", {"role": "clerk"}], {},
                                   signature, at)
    assert not actor_claims.verify("other", "intake.transition", ["N1", "accept", {"role": "clerk"}], {},
                                   signature, at)
    assert not actor_claims.verify("k", "intake.transition", ["N1", "accept", {"role": "clerk"}], {},
                                   signature, at - 3600)
