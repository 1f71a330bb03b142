"""docker-compose.yml agrees with the code: processes, settings, ports, topics and secrets."""

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from backbone.settings import BackboneSettings
from backbone.signing import public_keys_text
from backbone.system import PROCESSES, SIGNING_KINDS
from contracts import topics
from tests.support.signing import service_keys

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"

PROCESS_COMMAND = re.compile(r"^python -m services\.(?P<service>\w+) (?P<kind>\w+)$")
SECRETS = ("BTXH_JWT_SECRET", "BTXH_PERSONAL_ID_KEY")
#: Given to every process without a default, like the secrets (public, but required).
REQUIRED = (*SECRETS, "BTXH_SIGNING_PUBLIC_KEYS")


def load_compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


def command_line(definition: dict[str, Any]) -> str:
    command = definition.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def environment(definition: dict[str, Any]) -> dict[str, str]:
    """Compose accepts a mapping or a list of NAME=value strings."""
    env = definition.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(name): str(value) for name, value in env.items()}


def service_processes() -> dict[str, dict[str, Any]]:
    """Every compose service that runs a btxh process, by compose name."""
    return {
        name: definition
        for name, definition in load_compose()["services"].items()
        if "services." in command_line(definition)
    }


def parsed(definition: dict[str, Any]) -> tuple[str, str]:
    match = PROCESS_COMMAND.match(command_line(definition))
    assert match, f"command {command_line(definition)!r} is not `python -m services.X Y`"
    return match["service"], match["kind"]


def settings_model(service: str) -> type[BaseSettings]:
    """The one settings class that services/<service>/settings.py defines."""
    module = importlib.import_module(f"services.{service}.settings")
    models = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == module.__name__
    ]
    assert len(models) == 1, f"{module.__name__} should define one settings model: {models}"
    return models[0]


def variable_names(model: type[BaseSettings]) -> set[str]:
    return {"BTXH_" + field.upper() for field in model.model_fields}


PROCESSES_IN_COMPOSE = service_processes()
APIS = {name: d for name, d in PROCESSES_IN_COMPOSE.items() if parsed(d)[1] == "api"}


def test_compose_runs_exactly_the_processes_the_launcher_supervises():
    in_compose = sorted(parsed(definition) for definition in PROCESSES_IN_COMPOSE.values())

    assert in_compose == sorted(PROCESSES)


@pytest.mark.parametrize("name", sorted(PROCESSES_IN_COMPOSE))
def test_every_process_command_names_a_service_package_whose_main_accepts_it(name):
    service, kind = parsed(PROCESSES_IN_COMPOSE[name])
    main = ROOT / "services" / service / "__main__.py"

    assert main.is_file(), f"{name}: services/{service}/__main__.py does not exist"
    assert f'"{kind}":' in main.read_text(encoding="utf-8"), (
        f"{name}: services/{service}/__main__.py dispatches no {kind!r} command"
    )


@pytest.mark.parametrize("name", sorted(PROCESSES_IN_COMPOSE))
def test_every_environment_variable_compose_sets_is_read_by_a_settings_model(name):
    service, _ = parsed(PROCESSES_IN_COMPOSE[name])
    set_by_compose = {
        variable
        for variable in environment(PROCESSES_IN_COMPOSE[name])
        if variable.startswith("BTXH_")
    }

    unread = set_by_compose - variable_names(settings_model(service))

    assert not unread, f"{name} sets variables no settings model reads: {sorted(unread)}"


@pytest.mark.parametrize("name", sorted(APIS))
def test_each_api_publishes_on_the_host_the_port_its_settings_default_to(name):
    service, _ = parsed(APIS[name])
    default_port = settings_model(service).model_fields["http_port"].default
    env = environment(APIS[name])

    assert env["BTXH_HTTP_HOST"] == "0.0.0.0"
    assert int(env["BTXH_HTTP_PORT"]) == default_port
    assert [str(port) for port in APIS[name].get("ports", [])] == [f"{default_port}:{default_port}"]


@pytest.mark.parametrize("name", sorted(PROCESSES_IN_COMPOSE))
def test_every_process_is_started_again_when_it_exits(name):
    # A worker exits with status 75 on purpose when the broker lost its log.
    assert PROCESSES_IN_COMPOSE[name].get("restart") == "unless-stopped"


def test_the_topics_service_creates_exactly_the_topics_the_contracts_name():
    expected = set(topics.PUBLISHED_TOPICS) | {
        topics.dead_letter_topic(consumer) for consumer in topics.CONSUMERS
    }
    created = load_compose()["services"]["topics"]["command"]

    assert len(created) == len(set(created)), f"a topic is listed twice: {created}"
    assert set(created) == expected


def test_topics_are_provisioned_with_the_partition_count_the_services_use():
    services = load_compose()["services"]
    provisioned = environment(services["topics"])["PARTITIONS"]
    default = BackboneSettings.model_fields["topic_partitions"].default

    for name, definition in PROCESSES_IN_COMPOSE.items():
        assert environment(definition)["BTXH_TOPIC_PARTITIONS"] == provisioned, name
    assert provisioned == f"${{BTXH_TOPIC_PARTITIONS:-{default}}}"


def test_secrets_have_no_default_and_must_be_given_to_compose():
    for name, definition in PROCESSES_IN_COMPOSE.items():
        env = environment(definition)
        for secret in REQUIRED:
            assert env[secret].startswith(f"${{{secret}:?"), f"{name}: {secret} has a default"


@pytest.mark.parametrize("name", sorted(PROCESSES_IN_COMPOSE))
def test_only_a_services_relay_and_worker_hold_its_signing_key_and_no_other(name):
    service, kind = parsed(PROCESSES_IN_COMPOSE[name])
    key = environment(PROCESSES_IN_COMPOSE[name]).get("BTXH_SIGNING_KEY")

    if kind in SIGNING_KINDS:
        variable = f"BTXH_{service.upper()}_SIGNING_KEY"
        assert key is not None, f"{name} signs what it publishes, but is given no key"
        assert key.startswith(f"${{{variable}:?"), f"{name}: {key}"
    else:
        assert key is None, f"{name} needs no private key, but is given one"


def test_every_variable_compose_interpolates_is_documented_in_the_env_example():
    interpolated = set(
        re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE_FILE.read_text("utf-8"))
    )
    documented = set(
        re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", ENV_EXAMPLE.read_text("utf-8"), re.MULTILINE)
    )

    assert interpolated <= documented, f"not in deploy/.env.example: {interpolated - documented}"


@pytest.mark.parametrize(
    ("environment", "says"),
    [
        ({}, "BTXH_JWT_SECRET is unset or the development value"),
        ({"BTXH_JWT_SECRET": "x" * 40}, "BTXH_PERSONAL_ID_KEY is unset or the development value"),
        (
            {"BTXH_JWT_SECRET": "short", "BTXH_PERSONAL_ID_KEY": "y" * 40},
            "BTXH_JWT_SECRET has 5 characters, fewer than 32",
        ),
        (
            {"BTXH_JWT_SECRET": "x" * 40, "BTXH_PERSONAL_ID_KEY": "y" * 40},
            "BTXH_SIGNING_PUBLIC_KEYS is unset",
        ),
        (
            {
                "BTXH_JWT_SECRET": "x" * 40,
                "BTXH_PERSONAL_ID_KEY": "y" * 40,
                "BTXH_SIGNING_PUBLIC_KEYS": "intake=" + "A" * 43 + "=",
            },
            "BTXH_SIGNING_PUBLIC_KEYS has no key of assessment, payment, reporting",
        ),
    ],
)
def test_a_production_process_refuses_to_start_with_a_guessable_secret(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], says: str
) -> None:
    monkeypatch.setenv("BTXH_ENVIRONMENT", "production")
    for name in (*SECRETS, "BTXH_SIGNING_PUBLIC_KEYS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=says):
        BackboneSettings()


def test_a_production_process_starts_with_real_secrets_and_compose_defaults_to_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BTXH_ENVIRONMENT", "production")
    monkeypatch.setenv("BTXH_JWT_SECRET", "j" * 48)
    monkeypatch.setenv("BTXH_PERSONAL_ID_KEY", "k" * 48)
    monkeypatch.setenv("BTXH_SIGNING_PUBLIC_KEYS", public_keys_text(dict(service_keys())))
    assert BackboneSettings().environment == "production"
    assert "BTXH_ENVIRONMENT: ${BTXH_ENVIRONMENT:-production}" in COMPOSE_FILE.read_text()
