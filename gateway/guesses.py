"""Rate limiting of query-code guesses (查询码): wrong codes are counted per case and per caller
address in the gateway's database (shared by every worker), in fixed windows; over the limit, 429."""
import datetime as dt
import time

from pymongo import ASCENDING

from gateway.errors import RateLimited

WINDOW_SECONDS = 900
MAX_WRONG_PER_CASE = 10      # a case's code cannot be brute-forced from many addresses
MAX_WRONG_PER_ADDRESS = 30   # one address cannot sweep many cases


class GuessLimiter:
    def __init__(self, collection, per_case: int = MAX_WRONG_PER_CASE, per_address: int = MAX_WRONG_PER_ADDRESS,
                 window_seconds: int = WINDOW_SECONDS, clock=time.time):
        self.collection, self.clock = collection, clock
        self.limits = {"case": per_case, "address": per_address}
        self.window_seconds = window_seconds
        self.collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

    def _keys(self, case_no: str, address: str) -> dict[str, str]:
        window = int(self.clock() // self.window_seconds)
        return {"case": f"case:{case_no}:{window}", "address": f"address:{address}:{window}"}

    def check(self, case_no: str, address: str) -> None:
        """429 while too many wrong guesses were made for this case or from this address."""
        keys = self._keys(case_no, address)
        counts = {doc["_id"]: doc["wrong"] for doc in self.collection.find({"_id": {"$in": list(keys.values())}})}
        for scope, key in keys.items():
            if counts.get(key, 0) >= self.limits[scope]:
                minutes = self.window_seconds // 60
                raise RateLimited(f"查询码错误次数过多，请{minutes}分钟后再试")

    def wrong(self, case_no: str, address: str) -> None:

        expires = dt.datetime.fromtimestamp(self.clock() + 2 * self.window_seconds, dt.UTC)
        for key in self._keys(case_no, address).values():
            self.collection.update_one({"_id": key}, {"$inc": {"wrong": 1}, "$set": {"expires_at": expires}},
                                       upsert=True)
