"""Shared fixtures for intake's unit tests: the seed catalogue and a valid body."""
import datetime as dt

import pytest

from services.intake.seed import seed_items

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def catalogue():
    return {item["code"]: item for item in seed_items()}


@pytest.fixture
def public_place(catalogue):
    return catalogue["HEALTH-PUBLIC-PLACE-NEW"]


@pytest.fixture
def person_body(public_place):
    return {
        "item_code": public_place["code"], "channel": "window",
        "applicant": {"type": "person", "name": "王建国", "id_number": "11010519491231002X", "phone": "13812345678"},
        "materials": [{"code": m["code"]} for m in public_place["materials"]],
        "pledges": [],
    }
