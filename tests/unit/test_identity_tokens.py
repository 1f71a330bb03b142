"""Tokens of the identity provider are checked against the keys it serves (a JWKS served
locally, from a thread): RS256 and ES256 by a published key, for btxh, from the configured
issuer, in their lifetime, naming one btxh role. Anything else is refused (401) saying why; keys
out of reach answer 503 without holding the service up. HS256 development tokens are accepted
in development only."""

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from backbone.actor import Actor
from backbone.auth import TokenVerifier, mint_token, require_roles
from backbone.oidc import (
    LEEWAY_SECONDS,
    ProviderKeys,
    ProviderTokens,
    ProviderUnavailable,
    usable_keys,
)
from backbone.settings import DEVELOPMENT_JWT_SECRET
from tests.support.identity_provider import (
    AUDIENCE,
    LocalProvider,
    SigningKey,
    local_provider,
    unsigned_token,
)


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with local_provider() as started:
        yield started


@pytest.fixture(autouse=True)
def _provider_as_published(provider: LocalProvider) -> None:
    """Each test starts with the provider's two keys published, answering, and no reads."""
    provider.published = [provider.rsa, provider.ec]
    provider.failing_with = None
    provider.reads = 0


def keys_of(url: str, **options: Any) -> ProviderKeys:
    return ProviderKeys(url, timeout=options.pop("timeout", 2.0), **options)


def verifier(
    provider: LocalProvider, *, development: bool = False, **options: Any
) -> TokenVerifier:
    """What a service builds from its settings: a fresh key cache, production unless told."""
    return TokenVerifier(
        provider=ProviderTokens(
            issuer=provider.issuer,
            audience=AUDIENCE,
            keys=options.pop("keys", None) or keys_of(provider.jwks_url, **options),
        ),
        development_secret=DEVELOPMENT_JWT_SECRET if development else None,
    )


def refusal(tokens: TokenVerifier, token: str) -> tuple[int, str]:
    with pytest.raises(HTTPException) as refused:
        tokens.actor(token)
    return refused.value.status_code, str(refused.value.detail)


def test_an_rs256_access_token_of_the_provider_names_its_subject_role_and_unit(provider):
    token = provider.token(sub="2f6d7f3e-officer", role="commune_officer", unit="02020")

    assert verifier(provider).actor(token) == Actor(
        user_id="2f6d7f3e-officer", role="commune_officer", admin_unit="02020"
    )


def test_an_es256_access_token_of_the_provider_is_accepted_too(provider):
    token = provider.token(provider.ec, sub="inspector-vn", role="inspector", unit="VN")

    assert verifier(provider).actor(token) == Actor("inspector-vn", "inspector", "VN")


def test_the_role_may_come_from_a_clients_roles_when_so_configured(provider):
    tokens = TokenVerifier(
        provider=ProviderTokens(
            issuer=provider.issuer,
            audience=AUDIENCE,
            keys=keys_of(provider.jwks_url),
            role_claim="resource_access.btxh.roles",
        ),
        development_secret=None,
    )
    token = provider.token(role=[], resource_access={"btxh": {"roles": ["approver"]}}, unit="19")

    assert tokens.actor(token).role == "approver"


def test_a_token_without_a_unit_names_an_official_of_no_unit(provider):
    # Every route then answers 403 (the unit does not fit the role), as for a development token.
    assert verifier(provider).actor(provider.token(unit=None)).admin_unit is None


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"iss": "http://127.0.0.1:1/realms/other"}, "issued by 'http://127.0.0.1:1/realms/other'"),
        ({"aud": "account"}, "for audience 'account', not 'btxh'"),
        ({"lifetime": -(LEEWAY_SECONDS + 60)}, "token expired at "),
        ({"nbf": int(time.time()) + 600}, "not valid yet at "),
        ({"role": []}, "no btxh role at `realm_access.roles`"),
        ({"role": ["system"]}, "no btxh role"),
        ({"role": ["assessor", "approver"]}, "several btxh roles at `realm_access.roles`"),
        ({"typ": "ID"}, "type 'ID' is not an access token"),
    ],
    ids=[
        "wrong issuer",
        "wrong audience",
        "expired",
        "not yet valid",
        "no role",
        "the services' own role",
        "two roles",
        "an ID token",
    ],
)
def test_a_token_that_fails_a_check_is_refused_saying_which(provider, claims, says):
    status, detail = refusal(verifier(provider), provider.token(**claims))

    assert status == 401
    assert says in detail


def test_an_expiry_within_the_clock_leeway_is_still_accepted(provider):
    token = provider.token(lifetime=-(LEEWAY_SECONDS // 2))

    assert verifier(provider).actor(token).role == "commune_officer"


def test_a_token_with_alg_none_is_refused_before_any_key_is_read(provider):
    token = unsigned_token({"alg": "none", "kid": "rsa-1"}, provider.claims(), secret=None)

    status, detail = refusal(verifier(provider), token)

    assert (status, provider.reads) == (401, 0)
    assert "'none'" in detail


@pytest.mark.parametrize("development", [False, True], ids=["production", "development"])
def test_hs256_signed_with_the_providers_public_key_is_refused(provider, development):
    """Key confusion: the public key is no secret, so an HMAC made with it proves nothing."""
    for key in (provider.rsa, provider.ec):
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        token = unsigned_token(header, provider.claims(role="operator"), key.public_pem())

        status, detail = refusal(verifier(provider, development=development), token)

        assert status == 401
        if not development:
            assert "HS256 development tokens are refused outside development" in detail


def test_a_token_whose_payload_was_changed_after_signing_is_refused(provider):
    header, _, signature = provider.token(role="commune_officer", unit="02020").split(".")
    promoted = provider.claims(role="operator", unit="VN")
    payload = jwt.utils.base64url_encode(json.dumps(promoted).encode()).decode()

    status, detail = refusal(verifier(provider), f"{header}.{payload}.{signature}")

    assert status == 401
    assert "signature does not verify with key 'rsa-1'" in detail


def test_a_token_signed_by_another_key_under_a_published_key_id_is_refused(provider):
    impostor = SigningKey("rsa-1", "RS256")

    status, detail = refusal(verifier(provider), provider.token(impostor))

    assert status == 401
    assert "signature does not verify" in detail


def test_a_key_is_used_only_with_the_algorithm_it_was_published_for(provider):
    token = provider.token(provider.ec, kid="rsa-1")  # ES256, naming the RSA key

    status, detail = refusal(verifier(provider), token)

    assert status == 401
    assert "token says ES256 but key 'rsa-1' signs with RS256" in detail


def test_only_rs256_and_es256_signing_keys_of_a_key_set_are_used(provider):
    p384 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP384R1()).public_key(), as_dict=True)
    private = RSAAlgorithm.to_jwk(provider.rsa.private, as_dict=True)
    document = {
        "keys": [
            provider.rsa.jwk,
            {**provider.ec.jwk, "alg": None},  # the algorithm follows from the key type
            provider.encryption_jwk,
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
            {**p384, "kid": "p384"},
            {**private, "kid": "private", "alg": "RS256"},
            {**provider.rsa.jwk, "kid": "mislabelled", "alg": "ES256"},
            {**provider.rsa.jwk, "kid": None},
        ]
    }

    assert {kid: key.algorithm_name for kid, key in usable_keys(document, "keys").items()} == {
        "rsa-1": "RS256",
        "ec-1": "ES256",
    }
    with pytest.raises(ProviderUnavailable, match="hold no RS256 or ES256 signing key"):
        usable_keys({"keys": [provider.encryption_jwk]}, "the keys")


def test_an_unknown_key_id_reads_the_keys_once_more_then_is_refused(provider):
    tokens = verifier(provider)
    tokens.actor(provider.token())
    assert provider.reads == 1

    status, detail = refusal(tokens, provider.token(kid="rotated-away"))

    assert status == 401
    assert "key 'rotated-away', which the identity provider does not publish" in detail
    assert provider.reads == 2
    # Made-up key ids in a stream do not make the service hammer the provider.
    for n in range(5):
        assert refusal(tokens, provider.token(kid=f"made-up-{n}"))[0] == 401
    assert provider.reads == 2


def test_a_key_the_provider_starts_signing_with_is_found_by_that_one_read(provider):
    tokens = verifier(provider)
    tokens.actor(provider.token())
    rotated = SigningKey("rsa-2", "RS256")
    provider.published = [rotated, provider.rsa]

    assert tokens.actor(provider.token(rotated, role="assessor", unit="19")).role == "assessor"
    assert provider.reads == 2


def test_keys_are_read_once_and_then_served_from_the_cache(provider):
    tokens = verifier(provider)

    for _ in range(10):
        tokens.actor(provider.token())
        tokens.actor(provider.token(provider.ec))

    assert provider.reads == 1


def test_keys_unreachable_answer_503_naming_the_url(provider):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/certs"

    status, detail = refusal(verifier(provider, keys=keys_of(url)), provider.token())

    assert status == 503
    assert f"the identity provider's keys ({url}) cannot be reached" in detail


def test_keys_that_do_not_answer_give_503_after_the_timeout_and_the_next_request_at_once(
    provider,
):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/certs"
        tokens = verifier(provider, keys=keys_of(url, timeout=0.5))
        token = provider.token()

        started = time.monotonic()
        first = refusal(tokens, token)
        waited = time.monotonic() - started
        started = time.monotonic()
        second = refusal(tokens, token)
        waited_again = time.monotonic() - started

    assert first[0] == second[0] == 503
    assert "did not answer within 0.5 s" in first[1]
    assert waited < 5
    assert waited_again < 0.4  # less than the timeout: it did not wait for the provider again


def test_a_provider_answering_an_error_gives_503(provider):
    provider.failing_with = 500

    status, detail = refusal(verifier(provider), provider.token())

    assert status == 503
    assert "answered HTTP 500" in detail


def test_keys_read_before_keep_serving_while_the_provider_is_down(provider):
    now = [1000.0]
    keys = keys_of(provider.jwks_url, clock=lambda: now[0])
    tokens = verifier(provider, keys=keys)
    tokens.actor(provider.token())
    provider.failing_with = 503
    now[0] += keys.max_age + 1  # the cached keys are stale: read again, and that fails

    assert tokens.actor(provider.token(provider.ec)).role == "commune_officer"
    # A key it has never seen cannot be checked until the provider is back.
    assert refusal(tokens, provider.token(kid="new-key"))[0] == 503
    provider.failing_with = None
    now[0] += keys.retry_after_failure + keys.refresh_interval
    assert tokens.actor(provider.token()).role == "commune_officer"


def test_a_development_token_is_accepted_in_development_only(provider):
    token = mint_token(DEVELOPMENT_JWT_SECRET, user_id="dev", role="assessor", unit="19")

    assert verifier(provider, development=True).actor(token) == Actor("dev", "assessor", "19")
    status, detail = refusal(verifier(provider), token)
    assert status == 401
    assert "HS256 development tokens are refused outside development" in detail
    assert provider.issuer in detail


def test_without_a_provider_a_provider_token_is_refused_saying_what_is_accepted(provider):
    tokens = TokenVerifier(provider=None, development_secret=DEVELOPMENT_JWT_SECRET)

    status, detail = refusal(tokens, provider.token())

    assert status == 401
    assert "development tokens (HS256" in detail


def test_routes_answer_401_403_and_503_as_http_with_their_headers(provider):
    """Through FastAPI: the bearer dependency, the role check and the unit check."""
    app = FastAPI()
    app.state.tokens = verifier(provider)

    @app.get("/dossiers")
    def dossiers(actor: Actor = Depends(require_roles("commune_officer"))) -> dict[str, str]:  # noqa: B008
        return {"user": actor.user_id, "unit": str(actor.admin_unit)}

    with TestClient(app) as client:
        ok = client.get("/dossiers", headers=provider.headers(sub="officer-a", unit="02020"))
        wrong_role = client.get("/dossiers", headers=provider.headers(role="assessor", unit="19"))
        no_unit = client.get("/dossiers", headers=provider.headers(unit=None))
        expired = client.get("/dossiers", headers=provider.headers(lifetime=-3600))
        provider.published = []  # the key set is cached: an unknown key id makes it read again
        provider.failing_with = 503
        unavailable = client.get("/dossiers", headers=provider.headers(SigningKey("k9", "ES256")))

    assert ok.status_code == 200
    assert ok.json() == {"user": "officer-a", "unit": "02020"}
    assert wrong_role.status_code == 403
    assert no_unit.status_code == 403
    assert "names no administrative unit" in no_unit.json()["detail"]
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == "Bearer"
    assert unavailable.status_code == 503
    assert unavailable.headers["Retry-After"]
    assert "retry shortly" in unavailable.json()["detail"]
