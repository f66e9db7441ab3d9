"""The local stack's database per service: which server each process is given, and the upgrade
from one server for all (var/mongo)."""
import pytest

from deploy.localstack import DATABASE_OWNERS, SERVICES, ProcessDied, Stack, wait_for


def stack(tmp_path, mongo_uri=None) -> Stack:
    return Stack(var=tmp_path, amqp_port=5999, management_port=15999, mongo_port=28000, gateway_port=8999,
                 node_name="window-unit", mongo_uri=mongo_uri)


def test_every_service_and_the_gateway_has_a_server_of_its_own(tmp_path):
    platform = stack(tmp_path)
    uris = {owner: platform.database_uri(owner) for owner in DATABASE_OWNERS}
    assert set(DATABASE_OWNERS) == {*SERVICES, "gateway"}
    assert len(set(uris.values())) == len(DATABASE_OWNERS)
    assert uris["intake"] == "mongodb://127.0.0.1:28000/?retryWrites=false"  # the bench's baseline writes here
    assert platform.database_ports["gateway"] == 28000 + len(SERVICES)
    for name in SERVICES:
        assert platform.service_process(name).env["MONGO_URI"] == uris[name]
        assert platform.pool_worker(name, "health").env["MONGO_URI"] == uris[name]
    assert platform.env_for("gateway")["MONGO_URI"] == uris["gateway"]


def test_an_external_database_serves_everyone_and_nothing_is_started(tmp_path):
    platform = stack(tmp_path, mongo_uri="mongodb://db.example:27017/?retryWrites=false")
    assert {platform.database_uri(owner) for owner in DATABASE_OWNERS} == {"mongodb://db.example:27017/?retryWrites=false"}
    platform.start_databases()
    assert platform.databases == {} and platform.databases_ready()


def test_data_kept_in_one_server_is_copied_to_each_owner_once(tmp_path):
    shared = tmp_path / "mongo"
    shared.mkdir()
    (shared / "collection-1.wt").write_bytes(b"cases")
    platform = stack(tmp_path)
    for owner in DATABASE_OWNERS:
        assert (platform._storage(owner) / "collection-1.wt").read_bytes() == b"cases"
    (tmp_path / "mongo-intake" / "collection-1.wt").write_bytes(b"changed since")
    assert (platform._storage("intake") / "collection-1.wt").read_bytes() == b"changed since"  # not copied again


def test_a_slow_start_is_explained_once_and_a_dead_process_ends_the_wait(capsys):
    answers = iter([False] * 6 + [True])
    wait_for(lambda: next(answers), "thing", timeout=5, interval=0.01, slow=(0.02, "still opening"))
    assert capsys.readouterr().out == "still opening\n"

    def dead():
        raise ProcessDied("the database exited")
    with pytest.raises(ProcessDied):
        wait_for(dead, "thing", timeout=600, slow=(0.0, "still opening"))
