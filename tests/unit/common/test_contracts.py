import pytest

from services.common import contracts


def test_event_refuses_missing_and_unknown_fields():
    with pytest.raises(contracts.ContractError) as error:
        contracts.event(contracts.CASE_CLOSED, case_no="X", surprise=1)
    assert "item_code" in str(error.value) and "surprise" in str(error.value)


def test_event_carries_envelope():
    fields = {name: None for name in contracts.EVENT_FIELDS[contracts.CASE_CLOSED]}
    payload = contracts.event(contracts.CASE_CLOSED, request_id="r1", **fields)
    assert payload["event_type"] == contracts.CASE_CLOSED
    assert payload["request_id"] == "r1"
    assert len(payload["event_id"]) == 32
    assert payload["occurred_at"].endswith("+00:00")


def test_every_subscription_names_a_known_event_and_service():
    for service, event_type in contracts.SUBSCRIPTIONS:
        assert service in contracts.SERVICES
        assert event_type in contracts.EVENT_SOURCE
        assert contracts.EVENT_SOURCE[event_type] != service


def test_every_event_has_fields_and_a_source():
    assert set(contracts.EVENT_FIELDS) == set(contracts.EVENT_SOURCE)
