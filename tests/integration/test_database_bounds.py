"""Every database call a service makes is bounded in time, under eventlet as the services run, also
when the database accepts the request and then answers nothing (a stalled server, a half-open socket).

The service's own client (services.common.mongo.get_client, with its CLIENT_TIMEOUTS; only the
limit is lowered to keep the test short) talks to the session's database through a proxy that stops
passing answers on: the update must fail with a pymongo timeout within the limit, not wait for ever;
inside `startup()` (index builds at start) the longer start-up limit applies instead."""
import json
import socket
import subprocess
import sys
import threading
from urllib.parse import urlparse

CLIENT = r'''
import eventlet
eventlet.monkey_patch()
import json, sys, time
from pymongo.errors import PyMongoError
from services.common import mongo
mongo.CLIENT_TIMEOUTS["timeoutMS"] = 2000
mongo.STARTUP_TIMEOUT_SECONDS = 5
collection = mongo.get_client(sys.argv[1])["bounds_test"]["docs"]
collection.insert_one({"n": 0})
print("frozen?", flush=True)
sys.stdin.readline()

def attempt():
    began = time.monotonic()
    try:
        collection.update_one({"n": 0}, {"$inc": {"n": 1}})
        outcome = "answered"
    except PyMongoError as error:
        outcome = type(error).__name__ + (" timeout" if error.timeout else "")
    return {"outcome": outcome, "seconds": time.monotonic() - began}

call = attempt()
with mongo.startup():  # start-up work (index builds) gets its own, longer limit
    start_up = attempt()
print(json.dumps({"call": call, "startup": start_up}), flush=True)
'''


class FreezingProxy:
    """Passes bytes both ways until frozen; then the database's answers are held back (requests still go)."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.frozen = target, threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source, sink, answers):
        try:
            while chunk := source.recv(65536):
                if answers and self.frozen.is_set():
                    continue  # swallowed: the client waits for an answer that never comes
                sink.sendall(chunk)
        except OSError:
            pass

    def close(self):
        self.listener.close()


def test_a_database_that_stops_answering_fails_the_call_within_its_limit(mongo_uri):
    address = urlparse(mongo_uri)
    proxy = FreezingProxy((address.hostname, address.port))
    # directConnection: the server names itself in its hello answer, and the client would go there instead
    uri = mongo_uri.replace(f"{address.hostname}:{address.port}", f"127.0.0.1:{proxy.port}") + "&directConnection=true"
    child = subprocess.Popen([sys.executable, "-c", CLIENT, uri], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "frozen?"
        proxy.frozen.set()
        child.stdin.write("go\n")
        child.stdin.flush()
        result = json.loads(child.communicate(timeout=60)[0].strip().splitlines()[-1])
    finally:
        child.kill()
        proxy.close()
    call, start_up = result["call"], result["startup"]
    assert call["outcome"].endswith("timeout") and call["seconds"] < 4, result
    assert start_up["outcome"].endswith("timeout") and 4 < start_up["seconds"] < 9, result
