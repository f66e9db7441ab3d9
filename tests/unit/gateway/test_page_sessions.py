"""Staff page sessions keep the refresh token: a working person outlives the access token, an idle one does not."""
import time

import jwt
from gateway_fakes import SETTINGS
from test_pages import CASE_NO, case_view

from gateway.auth import REFRESH_PREFIX
from gateway.pages.sessions import REFRESH_MARGIN, PageSettings, SessionStore, needs_refresh, token_fields


def expired_token(username: str, role: str, department: str) -> str:
    now = int(time.time())
    claims = {"username": username, "role": role, "department": department, "sub": username,
              "iat": now - 3600, "exp": now - 60, "ver": 1}
    return jwt.encode(claims, SETTINGS.jwt_secret, algorithm="HS256")


def only_session(store) -> dict:
    sessions = list(store.accounts.database.page_sessions.find())
    assert len(sessions) == 1
    return sessions[0]


def expire_access_token(store, username: str, role: str, department: str) -> dict:
    """The session's access token as it is 15 minutes after login: past its end."""
    pages = store.accounts.database.page_sessions
    doc = only_session(store)
    pages.update_one({"_id": doc["_id"]}, {"$set": {"token": expired_token(username, role, department),
                                                     "token_expires": time.time() - 60}})
    return pages.find_one({"_id": doc["_id"]})


def test_a_session_keeps_both_tokens_from_the_login(client, browser_login, store):
    browser_login("chief21", "chief_rep", "health")
    doc = only_session(store)
    assert doc["token"] and doc["refresh_token"].startswith(REFRESH_PREFIX)
    assert doc["token_expires"] > time.time() + SETTINGS.token_ttl_seconds - 60


def test_an_expired_access_token_is_refreshed_while_the_person_works(client, rpc, browser_login, store):
    cookies = browser_login("chief22", "chief_rep", "health")
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view(allowed_actions=["approve"]))
    before = expire_access_token(store, "chief22", "chief_rep", "health")
    stale = client.simulate_get(f"/v1/cases/{CASE_NO}", headers={"Authorization": f"Bearer {before['token']}"})
    assert stale.status_code == 401  # the token alone would have thrown the clerk out

    page = client.simulate_get(f"/workbench/cases/{CASE_NO}", cookies=cookies)
    assert page.status_code == 200 and 'data-action="approve"' in page.text
    after = only_session(store)
    assert after["token"] != before["token"] and after["refresh_token"] != before["refresh_token"]
    assert after["token_expires"] > time.time() + 60
    actors = [c["args"][1] for c in rpc.calls_to("approval", "get_case") if len(c["args"]) > 1]
    assert actors and all(actor["username"] == "chief22" for actor in actors)
    used = client.simulate_post("/v1/auth/refresh", json={"refresh_token": before["refresh_token"]})
    assert used.status_code == 401  # the old refresh token was spent (rotation)
    again = client.simulate_get(f"/workbench/cases/{CASE_NO}", cookies=cookies)
    assert again.status_code == 200 and only_session(store)["token"] == after["token"]  # no refresh needed now


def test_a_refused_refresh_ends_the_session(client, rpc, browser_login, store):
    cookies = browser_login("chief23", "chief_rep", "health")
    doc = expire_access_token(store, "chief23", "chief_rep", "health")
    store.accounts.database.page_sessions.update_one({"_id": doc["_id"]},
                                                     {"$set": {"refresh_token": "rt_not-a-real-one"}})
    answer = client.simulate_get(f"/workbench/cases/{CASE_NO}", cookies=cookies)
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    assert store.accounts.database.page_sessions.count_documents({}) == 0
    assert rpc.calls_to("approval", "get_case") == []


def test_an_idle_session_ends_without_being_refreshed(client, rpc, browser_login, store):
    cookies = browser_login("chief24", "chief_rep", "health")
    doc = expire_access_token(store, "chief24", "chief_rep", "health")
    store.accounts.database.page_sessions.update_one({"_id": doc["_id"]}, {"$inc": {"last_seen": -3600}})
    answer = client.simulate_get(f"/workbench/cases/{CASE_NO}", cookies=cookies)
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    assert store.accounts.database.page_sessions.count_documents({}) == 0
    unused = client.simulate_post("/v1/auth/refresh", json={"refresh_token": doc["refresh_token"]})
    assert unused.status_code == 200  # idleness, not the token, ended it: no refresh was made


def test_a_second_request_uses_the_pair_the_first_one_refreshed(store, client, browser_login):
    browser_login("chief25", "chief_rep", "health")
    doc = only_session(store)
    sessions = SessionStore(store.accounts.database, PageSettings())
    first = sessions.renew(doc, {"access_token": "A2", "refresh_token": "R2", "expires_in": 900})
    assert first["token"] == "A2"
    second = sessions.renew(doc, {"access_token": "A3", "refresh_token": "R3", "expires_in": 900})
    assert second["token"] == "A2" and second["refresh_token"] == "R2"  # the stale refresh lost the race


def test_when_a_token_needs_refreshing():
    now = 1000.0
    fields = token_fields({"access_token": "A", "refresh_token": "R", "expires_in": 900}, now)
    assert not needs_refresh(fields, now) and not needs_refresh(fields, now + 900 - REFRESH_MARGIN - 1)
    assert needs_refresh(fields, now + 900 - REFRESH_MARGIN + 1) and needs_refresh(fields, now + 2000)
    assert not needs_refresh({"token": "A", "token_expires": None}, now)  # a session from before refresh tokens
