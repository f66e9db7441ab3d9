"""The production deployment (docker-compose.yml, deploy/Dockerfile) read as
data: every part is there, wired to the broker and database, and scalable.
No Docker engine is needed; `docker compose config` only parses."""
import ast
import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from deploy import healthcheck
from services.common import routing
from services.common.config import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
# The Compose Specification's JSON schema, vendored with its source and licence in tests/data/README.md.
COMPOSE_SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
SERVICES = ("intake", "approval", "notification", "evaluation")
INFRASTRUCTURE = ("rabbitmq", "mongo")
SECRETS = {"PII_KEY": "test-pii-key", "GATEWAY_ADMIN_PASSWORD": "test-admin", "GATEWAY_JWT_SECRET": "test-jwt",
           "ACTOR_SIGNING_KEY": "test-actor-key", "RABBITMQ_PASSWORD": "test-broker-pw"}


def service_classes() -> dict:
    """SERVICE_CLASSES from services/run.py, read without importing it."""
    tree = ast.parse((ROOT / "services" / "run.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SERVICE_CLASSES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("services/run.py has no SERVICE_CLASSES")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())  # safe_load resolves anchors and `<<` merges


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def depends_on(service: dict) -> dict:
    deps = service.get("depends_on", {})
    return {name: {"condition": "service_started"} for name in deps} if isinstance(deps, list) else deps


def resolve_default(value: str) -> str:
    """${NAME:-default} -> default, as compose would with NAME unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification(compose, compose_validator):
    assert schema_errors(compose_validator, compose) == []


def test_compose_file_follows_the_specification_once_interpolated(compose, compose_validator):
    """What `docker compose config` checks: the file with every ${NAME:-default} resolved."""
    text = re.sub(r"\$\{([A-Z_]+):\?[^}]*\}", lambda m: SECRETS[m.group(1)], resolve_default(COMPOSE.read_text()))
    assert "${" not in text
    assert schema_errors(compose_validator, yaml.safe_load(text)) == []


@pytest.mark.parametrize(("path", "value"), [
    (("services", "intake", "depends_on", "rabbitmq", "condition"), "service_ready"),
    (("services", "intake", "restart_policy"), "always"),
    (("services", "gateway", "ports"), "8080:8080"),
    (("services", "intake-health", "healthcheck", "test"), {"cmd": "ping"}),
    (("networks",), ["window"]),
])
def test_the_schema_check_refuses_a_broken_file(compose, compose_validator, path, value):
    broken = copy.deepcopy(compose)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert schema_errors(compose_validator, broken), f"schema accepted {path} = {value!r}"


def test_every_part_is_there(services):
    for name in (*INFRASTRUCTURE, *SERVICES, "gateway", "seed"):
        assert name in services, f"docker-compose.yml has no service {name!r}"


def test_compose_services_are_the_runnable_services():
    assert set(service_classes()) == set(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_service_runs_its_own_module(services, name):
    command = command_of(services[name])
    assert command[-3:] == ["-m", "services.run", name]
    assert command[-1] in service_classes()


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_a_healthy_broker_and_database(services, name):
    deps = depends_on(services[name])
    for infra in INFRASTRUCTURE:
        assert deps.get(infra, {}).get("condition") == "service_healthy", f"{name} -> {infra}"


@pytest.mark.parametrize("name", SERVICES)
def test_service_is_scalable(services, name):
    service = services[name]
    assert "container_name" not in service
    assert "ports" not in service
    assert service.get("restart") == "unless-stopped"


@pytest.mark.parametrize("name", SERVICES)
def test_service_has_a_ping_healthcheck(services, name):
    test = services[name]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1:] == ["python", "-m", "deploy.healthcheck", name]


@pytest.mark.parametrize("name", (*SERVICES, "gateway", "seed"))
def test_app_containers_reach_the_broker_and_database(services, name):
    env = services[name]["environment"]
    for key in ("AMQP_URI", "MONGO_URI"):
        assert key in env, f"{name} lacks {key}"
    amqp_uri = resolve_default(env["AMQP_URI"])
    assert amqp_uri.startswith("amqp://window:") and amqp_uri.endswith("@rabbitmq:5672/")
    assert "guest" not in amqp_uri and "${RABBITMQ_PASSWORD:?" in env["AMQP_URI"]  # a password is required
    mongo_uri = env["MONGO_URI"]
    assert mongo_uri.startswith("mongodb://mongo:27017/") and "retryWrites=false" in mongo_uri


@pytest.mark.parametrize("name", SERVICES)
def test_every_config_setting_is_passed_through(services, name):
    missing = set(DEFAULTS) - set(services[name]["environment"])
    assert not missing, f"{name} does not set {sorted(missing)}"


def settings_read_by_services() -> set[str]:
    """Every NAME in setting("NAME") / int_setting / float_setting under services/."""
    pattern = re.compile(r"\b(?:int_|float_)?setting\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
    return {name for path in (ROOT / "services").rglob("*.py") for name in pattern.findall(path.read_text())}


@pytest.mark.parametrize("name", SERVICES)
def test_every_setting_a_service_reads_is_passed_through(services, name):
    missing = settings_read_by_services() - set(services[name]["environment"])
    assert not missing, f"{name} does not set {sorted(missing)}"


def test_secrets_are_required_not_defaulted(services):
    gateway_env = services["gateway"]["environment"]
    for key in ("GATEWAY_ADMIN_PASSWORD", "GATEWAY_JWT_SECRET", "PII_KEY"):
        assert re.fullmatch(rf"\$\{{{key}:\?.+\}}", gateway_env[key]), f"{key} must be ${{{key}:?message}}"


def test_gateway_publishes_a_port_and_depends_on_the_services(services):
    gateway = services["gateway"]
    assert any(str(port).endswith(":8080") for port in gateway["ports"])
    assert "gateway.app:get_app()" in command_of(gateway)
    deps = depends_on(gateway)
    for name in SERVICES:
        assert name in deps
    assert gateway["healthcheck"]["test"][-1] == "gateway"
    for key in ("GATEWAY_WORKERS", "GATEWAY_THREADS"):
        assert key in gateway["environment"]


def test_seed_is_a_one_shot_demo_job(services):
    seed = services["seed"]
    assert command_of(seed)[-2:] == ["-m", "deploy.seed"]
    assert seed.get("profiles") == ["demo"]
    assert seed.get("restart") == "no"


def test_infrastructure_has_healthchecks_and_volumes(compose, services):
    rabbit, mongo = services["rabbitmq"], services["mongo"]
    assert rabbit["image"].startswith("rabbitmq:3") and "management" in rabbit["image"]
    assert mongo["image"] == "mongo:7"
    assert "rabbitmq-diagnostics" in rabbit["healthcheck"]["test"]
    assert "mongosh" in mongo["healthcheck"]["test"]
    assert rabbit.get("hostname") == "rabbitmq"  # durable data is keyed by node name
    declared = set(compose.get("volumes") or {})
    for service, path in ((rabbit, "/var/lib/rabbitmq"), (mongo, "/data/db")):
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert path in mounts and mounts[path] in declared


def test_one_network(compose, services):
    networks = set(compose.get("networks") or {})
    assert len(networks) == 1
    for name, service in services.items():
        assert set(service.get("networks", [])) == networks, name


def test_every_build_uses_the_dockerfile(services):
    built = {name: s["build"] for name, s in services.items() if "build" in s}
    assert set(built) == {*SERVICES, *pool_workers(services), "gateway", "seed"}
    for name, build in built.items():
        context = ROOT / build["context"]
        assert context.resolve() == ROOT, name
        assert build["dockerfile"] == "deploy/Dockerfile"
        assert (context / build["dockerfile"]).is_file()


def test_dockerfile_is_slim_non_root_and_cache_free():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", text, re.M)
    assert re.search(r"pip install --no-cache-dir -r requirements\.txt", text)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK\b", text, re.M)


def test_dockerignore_keeps_local_state_out():
    entries = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".git", ".venv", "var", "**/__pycache__"):
        assert entry in entries


def test_healthcheck_reports_an_unreachable_gateway(monkeypatch):
    monkeypatch.setenv("GATEWAY_INTERNAL_PORT", "1")
    monkeypatch.setenv("HEALTHCHECK_TIMEOUT", "2")
    assert healthcheck.main(["gateway"]) == 1


def test_healthcheck_of_a_worker_dedicated_to_no_pool_is_unhealthy(monkeypatch, capsys):
    monkeypatch.setenv("DEDICATED_DEPARTMENT", "health")
    monkeypatch.setenv("DEPARTMENT_POOLS", "")
    assert healthcheck.main(["intake"]) == 1
    assert "DEPARTMENT_POOLS" in capsys.readouterr().err


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or, failing that, the standalone `docker-compose`."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for candidate in candidates:
        probe = subprocess.run([*candidate, "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return candidate
    return None


def run_config(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*command, "-f", str(COMPOSE), "--profile", "demo", "config", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("COMPOSE_")}


def test_compose_tool_accepts_the_file():
    command = compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    result = run_config(command, {**clean_env(), **SECRETS})
    assert result.returncode == 0, result.stderr


def test_compose_tool_refuses_missing_secrets():
    command = compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    result = run_config(command, clean_env())
    assert result.returncode != 0
    assert "PII_KEY" in result.stderr or "GATEWAY_" in result.stderr


# --- department pools (docs/scaling.md) ------------------------------------------
def pool_workers(services: dict) -> dict:
    """Entries whose environment dedicates them to one department."""
    return {name: s for name, s in services.items() if (s.get("environment") or {}).get("DEDICATED_DEPARTMENT")}


def test_every_pooled_department_has_its_own_intake_and_approval_workers(services):
    pools = routing.parse_pools(resolve_default(services["intake"]["environment"]["DEPARTMENT_POOLS"]))
    assert pools, "docker-compose.yml shows no department pool"
    workers = pool_workers(services)
    served = {(command_of(s)[-1], s["environment"]["DEDICATED_DEPARTMENT"]) for s in workers.values()}
    assert served == {(service, pool) for service in routing.POOLED_SERVICES for pool in pools}
    for name, worker in workers.items():
        service, pool = command_of(worker)[-1], worker["environment"]["DEDICATED_DEPARTMENT"]
        assert name == f"{service}-{pool}"
        assert routing.dedicated_pool(service, pool, pools) == pool  # the worker would start
        assert command_of(worker)[-3:] == ["-m", "services.run", service]
        assert worker["healthcheck"]["test"][1:] == ["python", "-m", "deploy.healthcheck", service]
        assert "container_name" not in worker and "ports" not in worker  # scalable like the others
        assert worker.get("restart") == "unless-stopped"
        assert worker["environment"] == {**services[service]["environment"], "DEDICATED_DEPARTMENT": pool}
        for infra in INFRASTRUCTURE:
            assert depends_on(worker).get(infra, {}).get("condition") == "service_healthy", f"{name} -> {infra}"


def test_the_default_pool_and_everything_else_know_the_pools_and_serve_no_department_alone(services):
    pools = {resolve_default(s["environment"]["DEPARTMENT_POOLS"])
             for s in services.values() if "environment" in s and "AMQP_URI" in s["environment"]}
    assert len(pools) == 1, "DEPARTMENT_POOLS must be the same on every process"
    workers = pool_workers(services)
    for name in (*SERVICES, "gateway", "seed"):
        assert name not in workers
