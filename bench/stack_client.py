"""What the bench needs from the running platform over its HTTP API: the
admin's token, clerk accounts (one per thread: the gateway rate-limits per
caller), the item's material list and complete applications."""
import random
import time
import uuid

import requests

from bench.idnumbers import id_number, mobile

TIMEOUT = 30
LOGIN_ATTEMPTS = 4


SHORT = {"department_admin": "dadmin"}   # usernames are at most 32 characters


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
        """Logs in; waits out the gateway's login rate limit (30 a minute from one address) when hit."""
        for _ in range(LOGIN_ATTEMPTS):
            response = self.http.post(f"{self.url}/v1/auth/token",
                                      json={"username": username, "password": password}, timeout=TIMEOUT)
            if response.status_code != 429:
                break
            time.sleep(int(response.headers.get("Retry-After", "5")))
        return _check(response, f"log in as {username}")["access_token"]

    def item(self, code: str) -> dict:
        return _check(self.http.get(f"{self.url}/v1/items/{code}", timeout=TIMEOUT), f"read item {code}")

    def create_clerks(self, admin_token: str, department: str, how_many: int, run_id: str,
                      role: str = "clerk") -> list[str]:
        """Staff accounts (clerks by default) for the run, each logged in; returns their bearer tokens."""
        tokens = []
        for i in range(how_many):
            username, password = f"bench-{run_id}-{SHORT.get(role, role)}-{i}", uuid.uuid4().hex
            account = {"username": username, "password": password, "display_name": f"压测工作人员{i}",
                       "role": role, "department": department}
            response = self.http.post(f"{self.url}/v1/accounts", json=account, timeout=TIMEOUT,
                                      headers={"Authorization": f"Bearer {admin_token}"})
            _check(response, f"create {role} {username}")
            tokens.append(self.token(username, password))
        return tokens

    def issue_letters(self, admin_token: str, department: str, item_code: str, run_id: str, role: str = "chief_rep",
                      how_many: int = 1) -> None:
        """首席代表委托书 for the run's chief representatives (created by create_clerks with this run_id and
        role), so their approvals are within authority: each is the acting B of one letter covering the item."""
        [department_admin] = self.create_clerks(admin_token, department, 1, run_id, role="department_admin")
        chiefs = [f"bench-{run_id}-{role}-{i}" for i in range(how_many)]
        for i, chief in enumerate(chiefs):
            letter = {"department": department, "kind": "chief_rep", "a_account": chiefs[(i + 1) % len(chiefs)],
                      "b_account": chief, "items": [{"item_code": item_code, "actions": ["decide"]}]}
            if letter["a_account"] == chief:   # one chief only: any other account as A
                letter["a_account"] = f"bench-{run_id}-{SHORT['department_admin']}-0"
            _check(self.http.post(f"{self.url}/v1/delegations", json=letter, timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {department_admin}"}), f"letter for {chief}")

    def register_applicants(self, how_many: int, run_id: str, rng: random.Random) -> list[tuple[str, str]]:
        """Applicant accounts (self-registered), each logged in; returns (username, token) pairs."""
        applicants = []
        for i in range(how_many):
            username, password = f"bench-{run_id}-app-{i}", f"Bench-{uuid.uuid4().hex[:12]}"
            account = {"username": username, "password": password, "display_name": f"压测申请人{i}",
                       "phone": mobile(rng)}
            _check(self.http.post(f"{self.url}/v1/accounts/register", json=account, timeout=TIMEOUT),
                   f"register {username}")
            applicants.append((username, self.token(username, password)))
        return applicants


def complete_application(item: dict, rng: random.Random) -> dict:
    """A window application handing in every material of the item, as many copies as asked, originals where asked."""
    materials = [{"code": m["code"], "copies": m.get("copies", 1), "original": bool(m.get("original"))}
                 for m in item["materials"]]
    applicant = {"type": "person", "name": f"压测申请人{rng.randrange(10**6)}",
                 "id_number": id_number(rng), "phone": mobile(rng)}
    return {"item_code": item["code"], "channel": "window", "applicant": applicant, "materials": materials}
