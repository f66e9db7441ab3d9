"""Acknowledged writes survive kill -9 of the database: the case-number counter never hands
out a number twice, and every application the store acknowledged is there after the restart.

A private SecantusDB (started as the local stack starts it, syncing on commit) is killed
while four threads draw case numbers and store applications through IntakeStore.
"""
import os
import threading
import time

import pytest
from pymongo.errors import PyMongoError

from deploy.localstack import database_server, port_open, wait_for
from services.common.mongo import get_client
from services.intake.store import DuplicateCase, IntakeStore

KEY = "411400-HEALTH-20261123"


@pytest.fixture
def private_database(test_var):
    port = int(os.environ.get("TEST_MONGO_PORT", 27037)) + 10  # past the fault suite's five (+5 to +9)
    storage = test_var / f"durable-{port}"

    def start():
        process = database_server("mongo-durable", port, storage, test_var / "logs" / "mongo-durable.log")
        process.start()
        wait_for(lambda: port_open(port), "private SecantusDB")
        return process

    processes = [start()]
    yield f"mongodb://127.0.0.1:{port}/?retryWrites=false", processes, start
    for process in processes:
        process.kill()


def test_numbers_and_applications_survive_a_kill_9(private_database):
    uri, processes, start = private_database
    store = IntakeStore(get_client(uri)["durability_intake"])
    store.ensure_indexes()
    handed, stop = [], threading.Event()

    def submit():
        while not stop.is_set():
            try:
                sequence = store.next_sequence(KEY)
                store.insert_application({"_id": f"{KEY}-{sequence:05d}", "case_no": f"{KEY}-{sequence:05d}"}, [])
            except (PyMongoError, DuplicateCase):
                time.sleep(0.05)    # the database is down: nothing was acknowledged
                continue
            handed.append(sequence)

    workers = [threading.Thread(target=submit) for _ in range(4)]
    for worker in workers:
        worker.start()
    time.sleep(1.5)
    processes[0].kill()                     # kill -9 while writes are in flight
    acknowledged = list(handed)
    processes.append(start())
    time.sleep(1.0)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)

    assert len(acknowledged) > 10
    assert len(handed) == len(set(handed)), "a case number was handed out twice"
    stored = {doc["_id"] for doc in store.applications.find({}, {"_id": 1})}
    assert {f"{KEY}-{n:05d}" for n in handed} <= stored, "an acknowledged application was lost"
    assert store.next_sequence(KEY) > max(handed)
