"""docker-compose.yml agrees with the code: processes, settings, ports, topics, secrets and the
identity provider."""

import importlib
import json
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
from services.intake.settings import IntakeSettings
from tests.support.signing import service_keys

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
REALM_FILE = ROOT / "deploy" / "keycloak" / "btxh-realm.json"

PROCESS_COMMAND = re.compile(r"^python -m services\.(?P<service>\w+) (?P<kind>\w+)$")
#: Every process's secrets; intake's alone: the key that digests ID numbers.
SECRETS = ("BTXH_CIPHER_KEY",)
INTAKE_SECRETS = ("BTXH_PERSONAL_ID_KEY",)
AN_AES_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes, base64
#: What points a process at the identity provider: required in production (the compose default).
OIDC_VARIABLES = ("BTXH_OIDC_ISSUER", "BTXH_OIDC_AUDIENCE", "BTXH_OIDC_JWKS_URL")
DEFAULT = re.compile(r"^\$\{(?P<name>[A-Z_]+):-(?P<value>[^}]+)\}$")
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
        for secret in INTAKE_SECRETS:
            if name.startswith("intake-"):
                assert env[secret].startswith(f"${{{secret}:?"), f"{name}: {secret} has a default"
            else:
                assert secret not in env, f"{name} holds intake's {secret}"


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


def test_a_production_process_starts_with_compose_defaults_and_compose_defaults_to_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = environment(next(iter(PROCESSES_IN_COMPOSE.values())))
    for name in OIDC_VARIABLES:
        monkeypatch.setenv(name, default_of(env[name]))
    monkeypatch.setenv("BTXH_ENVIRONMENT", "production")
    monkeypatch.setenv("BTXH_PERSONAL_ID_KEY", "k" * 48)
    monkeypatch.setenv("BTXH_CIPHER_KEY", AN_AES_KEY)
    monkeypatch.setenv("BTXH_SIGNING_PUBLIC_KEYS", public_keys_text(dict(service_keys())))
    monkeypatch.delenv("BTXH_JWT_SECRET", raising=False)

    assert IntakeSettings().environment == "production"
    monkeypatch.delenv("BTXH_PERSONAL_ID_KEY")
    assert BackboneSettings().environment == "production"  # the ID key is intake's alone
    assert "BTXH_ENVIRONMENT: ${BTXH_ENVIRONMENT:-production}" in COMPOSE_FILE.read_text()


def default_of(value: str) -> str:
    """The default of `${NAME:-default}`."""
    match = DEFAULT.match(value)
    assert match, f"{value!r} is not ${{NAME:-default}}"
    return match["value"]


def realm() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize("name", sorted(PROCESSES_IN_COMPOSE))
def test_every_process_is_pointed_at_the_identity_provider_by_default(name):
    env = environment(PROCESSES_IN_COMPOSE[name])

    for variable in OIDC_VARIABLES:
        assert variable in env, f"{name} does not set {variable}"
        assert DEFAULT.match(env[variable])["name"] == variable, f"{name}: {env[variable]}"
        assert default_of(env[variable]), f"{name}: {variable} has an empty default"


def test_the_default_identity_provider_is_the_keycloak_service_and_its_btxh_realm():
    keycloak = load_compose()["services"]["keycloak"]
    env = environment(next(iter(PROCESSES_IN_COMPOSE.values())))
    keycloak_env = environment(keycloak)
    realm_name = realm()["realm"]
    audience_mappers = [
        mapper["config"]["included.client.audience"]
        for client in realm()["clients"]
        for mapper in client.get("protocolMappers", [])
        if mapper["protocolMapper"] == "oidc-audience-mapper"
    ]

    # Users sign in at KEYCLOAK_URL, so their tokens name it; the services read the keys over
    # the compose network.
    assert default_of(env["BTXH_OIDC_ISSUER"]) == (
        f"{default_of(keycloak_env['KC_HOSTNAME'])}/realms/{realm_name}"
    )
    assert default_of(env["BTXH_OIDC_JWKS_URL"]) == (
        f"http://keycloak:8080/realms/{realm_name}/protocol/openid-connect/certs"
    )
    assert audience_mappers == [default_of(env["BTXH_OIDC_AUDIENCE"])]
    assert "--import-realm" in keycloak["command"]
    assert (
        f"./{REALM_FILE.relative_to(ROOT)}:/opt/keycloak/data/import/{REALM_FILE.name}:ro"
        in keycloak["volumes"]
    )
    assert keycloak_env["KC_BOOTSTRAP_ADMIN_PASSWORD"].startswith("${KEYCLOAK_ADMIN_PASSWORD:?")


def test_no_process_is_given_the_development_token_secret():
    # Production refuses HS256 development tokens: the secret that signs them has no use there.
    for name, definition in PROCESSES_IN_COMPOSE.items():
        assert "BTXH_JWT_SECRET" not in environment(definition), name


def test_the_image_copies_every_package_the_project_installs():
    """Every package pyproject.toml installs is copied into the image (reference/ once was
    not: every process would have failed on its first import)."""
    include = re.search(r"include = \[([^\]]*)\]", (ROOT / "pyproject.toml").read_text("utf-8"))
    assert include
    packages = re.findall(r'"(\w+)\*"', include.group(1))
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text("utf-8")
    assert packages
    for package in packages:
        assert f"COPY {package}/ {package}/" in dockerfile, f"the image lacks {package}/"
