"""A database made by an earlier version starts under this one: an index whose options changed is rebuilt."""
import uuid

from pymongo import MongoClient

from services.approval.store import ApprovalStore
from services.common.mongo import replace_index


def test_an_index_made_unique_by_an_earlier_version_is_rebuilt(mongo_uri):
    with MongoClient(mongo_uri) as client:
        db = client[f"migrate_{uuid.uuid4().hex[:8]}"]
        db["certificates"].create_index("case_no", unique=True)  # what approval made before 存量证照
        ApprovalStore(db).ensure_indexes()
        assert not db["certificates"].index_information()["case_no_1"].get("unique")
        db["certificates"].insert_many([{"case_no": None}, {"case_no": None}])  # two licences without a case
        client.drop_database(db.name)


def test_an_unchanged_index_is_left_alone_and_other_failures_still_raise(mongo_uri):
    with MongoClient(mongo_uri) as client:
        db = client[f"migrate_{uuid.uuid4().hex[:8]}"]
        assert replace_index(db["things"], [("a", 1), ("b", -1)]) == "a_1_b_-1"
        assert replace_index(db["things"], [("a", 1), ("b", -1)]) == "a_1_b_-1"
        db["things"].insert_many([{"a": 1}, {"a": 1}])
        try:
            replace_index(db["things"], "a", unique=True)  # duplicates: not an options conflict
        except Exception as error:
            assert "duplicate" in str(error).lower() or getattr(error, "code", None) == 11000
        else:
            raise AssertionError("a unique index over duplicates was built")
        client.drop_database(db.name)
