"""The Keycloak realm that compose imports (deploy/keycloak/btxh-realm.json) issues the tokens the
services expect: the officials' roles as realm roles, audience btxh, the `unit` attribute in the
claim the settings read, which only an administrator may set; and it ships no accounts."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from backbone.oidc import OFFICIAL_ROLES, ProviderKeys, ProviderTokens
from backbone.settings import BackboneSettings

REALM_FILE = Path(__file__).resolve().parents[2] / "deploy" / "keycloak" / "btxh-realm.json"
REALM: dict[str, Any] = json.loads(REALM_FILE.read_text(encoding="utf-8"))
(CLIENT,) = [client for client in REALM["clients"] if client["clientId"] == "btxh"]
MAPPERS = {mapper["protocolMapper"]: mapper["config"] for mapper in CLIENT["protocolMappers"]}
(USER_PROFILE,) = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"]
PROFILE = json.loads(USER_PROFILE["config"]["kc.user.profile.config"][0])
(UNIT_ATTRIBUTE,) = [a for a in PROFILE["attributes"] if a["name"] == "unit"]


def setting_default(name: str) -> Any:
    return BackboneSettings.model_fields[name].default


def test_the_realm_roles_are_the_officials_roles_and_not_the_services_own():
    assert sorted(role["name"] for role in REALM["roles"]["realm"]) == sorted(OFFICIAL_ROLES)
    assert "system" not in OFFICIAL_ROLES


def test_the_realm_ships_no_accounts():
    # Officials' accounts are created by an administrator (deploy/README.md), never imported.
    assert not REALM.get("users")


def test_the_btxh_client_signs_people_in_with_a_browser_or_a_device_code_never_a_password():
    attributes = CLIENT["attributes"]

    assert CLIENT["publicClient"] is True
    assert CLIENT["standardFlowEnabled"] is True
    assert attributes["pkce.code.challenge.method"] == "S256"
    assert attributes["oauth2.device.authorization.grant.enabled"] == "true"
    assert CLIENT["directAccessGrantsEnabled"] is False
    assert CLIENT["implicitFlowEnabled"] is False


def test_access_tokens_carry_audience_btxh_and_the_unit_in_the_claim_the_services_read():
    unit = MAPPERS["oidc-usermodel-attribute-mapper"]

    assert MAPPERS["oidc-audience-mapper"]["included.client.audience"] == CLIENT["clientId"]
    assert MAPPERS["oidc-audience-mapper"]["access.token.claim"] == "true"
    assert unit["user.attribute"] == "unit"
    assert unit["claim.name"] == setting_default("oidc_unit_claim")
    assert unit["access.token.claim"] == "true"
    assert unit["multivalued"] == "false"


def test_only_an_administrator_sets_an_officials_unit():
    assert UNIT_ATTRIBUTE["permissions"]["edit"] == ["admin"]
    assert UNIT_ATTRIBUTE["multivalued"] is False


@pytest.mark.parametrize(
    ("unit", "accepted"),
    [("02020", True), ("19", True), ("VN", True), ("1", False), ("020201", False), ("vn", False)],
)
def test_the_unit_attribute_takes_a_commune_a_province_or_the_nation(unit, accepted):
    pattern = UNIT_ATTRIBUTE["validations"]["pattern"]["pattern"]

    assert bool(re.fullmatch(pattern, unit)) is accepted


def test_claims_shaped_by_the_realm_name_an_official():
    """Keycloak's `roles` scope puts realm roles at realm_access.roles; the mapper adds `unit`."""
    tokens = ProviderTokens(
        issuer="http://localhost:8080/realms/btxh",
        audience="btxh",
        keys=ProviderKeys("http://localhost:8080/certs", timeout=1),
        role_claim=setting_default("oidc_role_claim"),
        unit_claim=setting_default("oidc_unit_claim"),
    )
    claims = {
        "sub": "0c1a9a53-officer",
        "realm_access": {"roles": ["default-roles-btxh", "offline_access", "approver"]},
        MAPPERS["oidc-usermodel-attribute-mapper"]["claim.name"]: "19",
    }

    actor = tokens.actor_of(claims)

    assert (actor.user_id, actor.role, actor.admin_unit) == ("0c1a9a53-officer", "approver", "19")
