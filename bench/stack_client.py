"""What the bench needs from the running platform over its HTTP API: the
admin's token, clerk accounts (one per thread: the gateway rate-limits per
caller), the item's material list and complete applications."""
import random
import uuid

import requests

from bench.idnumbers import id_number, mobile

TIMEOUT = 30


class StackError(RuntimeError):
    pass


def _check(response: requests.Response, what: str) -> dict:
    if response.status_code >= 300:
        raise StackError(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    return response.json()


class StackClient:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.http = requests.Session()

    def healthy(self) -> bool:
        try:
            return self.http.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def token(self, username: str, password: str) -> str:
        response = self.http.post(f"{self.url}/v1/auth/token",
                                  json={"username": username, "password": password}, timeout=TIMEOUT)
        return _check(response, f"log in as {username}")["access_token"]

    def item(self, code: str) -> dict:
        return _check(self.http.get(f"{self.url}/v1/items/{code}", timeout=TIMEOUT), f"read item {code}")

    def create_clerks(self, admin_token: str, department: str, how_many: int, run_id: str) -> list[str]:
        """Clerk accounts for the run, each logged in; returns their bearer tokens."""
        tokens = []
        for i in range(how_many):
            username, password = f"bench-{run_id}-{i}", uuid.uuid4().hex
            account = {"username": username, "password": password, "display_name": f"压测窗口人员{i}",
                       "role": "clerk", "department": department}
            response = self.http.post(f"{self.url}/v1/accounts", json=account, timeout=TIMEOUT,
                                      headers={"Authorization": f"Bearer {admin_token}"})
            _check(response, f"create clerk {username}")
            tokens.append(self.token(username, password))
        return tokens


def complete_application(item: dict, rng: random.Random) -> dict:
    """A window application handing in every material of the item, as many copies as asked, originals where asked."""
    materials = [{"code": m["code"], "copies": m.get("copies", 1), "original": bool(m.get("original"))}
                 for m in item["materials"]]
    applicant = {"type": "person", "name": f"压测申请人{rng.randrange(10**6)}",
                 "id_number": id_number(rng), "phone": mobile(rng)}
    return {"item_code": item["code"], "channel": "window", "applicant": applicant, "materials": materials}
