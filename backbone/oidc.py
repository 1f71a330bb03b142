"""Tokens of an OpenID Connect identity provider (Keycloak): its signing keys, read from its
JWKS URL and cached, and the checks a token must pass before its claims name an official.

Only RS256 and ES256 signatures by a key the provider publishes are accepted: a token naming
any other algorithm (`none`, HS256 signed with the public key as a secret) is refused before a
key is looked at, and a key is used only with the algorithm it was published for. Issuer,
audience, expiry and not-before are checked with a small leeway for clock drift.

Claim mapping (README, "Identity"): the subject (`sub`) is the user id recorded on every fact;
the role is the one btxh role among the values at `role_claim` (Keycloak's realm roles,
`realm_access.roles`, by default); the unit is the value at `unit_claim` (`unit`, a user
attribute Keycloak maps into the token).
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from backbone.actor import Actor
from contracts.envelope import ROLES

log = logging.getLogger(__name__)

#: The signatures accepted from the provider: asymmetric, so the services hold no key that signs.
ALGORITHMS = ("RS256", "ES256")
#: The algorithm each key type is used with (ES256 only on the P-256 curve).
_ALGORITHM_OF_KEY_TYPE = {"RSA": "RS256", "EC": "ES256"}
#: The roles a person's token may carry: `system` is the services' own actor, never a token's.
OFFICIAL_ROLES = tuple(role for role in ROLES if role != "system")
#: Seconds of clock drift allowed between the provider and the services (exp, nbf, iat).
LEEWAY_SECONDS = 30
#: How long a fetched key set is used before it is read again (Keycloak rotates keys rarely,
#: and publishes a new key before it signs with it).
KEYS_MAX_AGE_SECONDS = 300.0
#: Least time between two reads of the key set asked for by tokens naming an unknown key: a
#: rotated key is found at once, while a stream of made-up key ids cannot flood the provider.
REFRESH_INTERVAL_SECONDS = 10.0
#: After a failed read, requests that need the keys are answered at once (503) for this long
#: instead of each waiting for the provider again.
RETRY_AFTER_FAILURE_SECONDS = 5.0
#: Keycloak's `typ` claim of tokens that are not access tokens (an ID token names btxh as its
#: audience too, since btxh is the client the user signed in to).
_NOT_ACCESS_TOKENS = ("ID", "Refresh", "Logout")


class TokenRefused(Exception):
    """The token does not identify an official (401); the message says why."""


class ProviderUnavailable(Exception):
    """The provider's keys could not be read, so no token can be checked now (503)."""


@dataclass(frozen=True)
class _KeySet:
    keys: Mapping[str, jwt.PyJWK]
    fetched_at: float


class ProviderKeys:
    """The provider's signing keys by key id, read from its JWKS URL.

    Read on first use, again when older than `max_age`, and once more when a token names a key
    id the set does not hold (at most once per `refresh_interval`). Every read is bounded by
    `timeout`. While a stale set is being read again, or cannot be read, the stale set keeps
    serving; with no set at all, a failed read answers ProviderUnavailable, and for
    `retry_after_failure` seconds the next requests get the same answer without waiting.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        max_age: float = KEYS_MAX_AGE_SECONDS,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
        retry_after_failure: float = RETRY_AFTER_FAILURE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.max_age = max_age
        self.refresh_interval = refresh_interval
        self.retry_after_failure = retry_after_failure
        self.clock = clock
        self._current: _KeySet | None = None
        self._refreshed_for_unknown_at: float | None = None
        self._failed_at: float | None = None
        self._failure = ""
        self._reading = threading.Lock()

    def key(self, kid: str) -> jwt.PyJWK:
        """The key published under `kid`; TokenRefused when the provider holds none."""
        keys = self._keys()
        if kid in keys:
            return keys[kid]
        now = self.clock()
        last = self._refreshed_for_unknown_at
        if last is None or now - last >= self.refresh_interval:
            self._refreshed_for_unknown_at = now
            keys = self._keys(refresh=True)
            if kid in keys:
                return keys[kid]
        raise TokenRefused(
            f"token signed with key {kid!r}, which the identity provider does not publish "
            f"({self.url}): sign in again for a new token"
        )

    def _keys(self, *, refresh: bool = False) -> Mapping[str, jwt.PyJWK]:
        seen = self._current
        if seen is not None and not refresh and self.clock() - seen.fetched_at < self.max_age:
            return seen.keys
        if seen is not None and not refresh:
            # Stale: one request reads the set again, the others go on with the keys held.
            if not self._reading.acquire(blocking=False):
                return seen.keys
        elif not self._reading.acquire(timeout=2 * self.timeout):
            raise ProviderUnavailable(f"the identity provider's keys ({self.url}) are being read")
        try:
            if self._current is not seen and self._current is not None:
                return self._current.keys  # read by another request while this one waited
            failed = self._failed_at
            if failed is not None and self.clock() - failed < self.retry_after_failure:
                if seen is not None and not refresh:
                    return seen.keys
                raise ProviderUnavailable(self._failure)
            try:
                keys = self._read()
            except ProviderUnavailable as error:
                self._failed_at, self._failure = self.clock(), str(error)
                if seen is not None and not refresh:
                    log.warning("%s; going on with the keys read before", error)
                    return seen.keys
                raise
            self._current = _KeySet(keys, self.clock())
            self._failed_at = None
            return keys
        finally:
            self._reading.release()

    def _read(self) -> dict[str, jwt.PyJWK]:
        where = f"the identity provider's keys ({self.url})"
        try:
            response = httpx.get(self.url, timeout=self.timeout, follow_redirects=False)
        except httpx.TimeoutException as error:
            raise ProviderUnavailable(
                f"{where} did not answer within {self.timeout:g} s ({type(error).__name__})"
            ) from error
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"{where} cannot be reached: {error}") from error
        if response.status_code != 200:
            raise ProviderUnavailable(f"{where} answered HTTP {response.status_code}")
        try:
            document = response.json()
        except ValueError as error:
            raise ProviderUnavailable(f"{where} answered something that is not JSON") from error
        return usable_keys(document, where)


def usable_keys(document: Any, where: str) -> dict[str, jwt.PyJWK]:
    """The RS256/ES256 signing keys of a JWKS document, by key id. Keys for encryption, of other
    algorithms, without an id, or carrying private parts are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ProviderUnavailable(f"{where} answered no JWKS (no `keys` list)")
    keys: dict[str, jwt.PyJWK] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            continue
        kid, kty = jwk.get("kid"), jwk.get("kty")
        algorithm = jwk.get("alg") or _ALGORITHM_OF_KEY_TYPE.get(str(kty))
        if (
            not isinstance(kid, str)
            or jwk.get("use", "sig") != "sig"
            or "d" in jwk
            or algorithm not in ALGORITHMS
            or _ALGORITHM_OF_KEY_TYPE.get(str(kty)) != algorithm
            or (kty == "EC" and jwk.get("crv") != "P-256")
        ):
            continue
        try:
            keys[kid] = jwt.PyJWK(jwk, algorithm)
        except jwt.PyJWTError as error:
            log.warning("%s: key %r left out: %s", where, kid, error)
    if not keys:
        raise ProviderUnavailable(f"{where} hold no RS256 or ES256 signing key")
    return keys


@dataclass(frozen=True)
class ProviderTokens:
    """Checks the provider's access tokens and maps their claims to an actor."""

    issuer: str
    audience: str
    keys: ProviderKeys
    role_claim: str = "realm_access.roles"
    unit_claim: str = "unit"

    def actor(self, token: str) -> Actor:
        """The official a token names; TokenRefused or ProviderUnavailable otherwise."""
        return self.actor_of(self.claims(token))

    def claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRefused(f"not a JWT: {error}") from error
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise TokenRefused(
                f"token signed with {algorithm!r}: the identity provider's tokens are signed "
                f"with {' or '.join(ALGORITHMS)}"
            )
        if not isinstance(kid, str) or not kid:
            raise TokenRefused("token names no signing key (header `kid`)")
        key = self.keys.key(kid)
        if key.algorithm_name != algorithm:
            raise TokenRefused(
                f"token says {algorithm} but key {kid!r} signs with {key.algorithm_name}"
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": ["exp", "iss", "aud", "sub"],
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenRefused(f"token expired{_at(token, 'exp')}; sign in again") from error
        except jwt.InvalidIssuerError as error:
            raise TokenRefused(
                f"token issued by {_unverified(token, 'iss')!r}, not by {self.issuer!r} "
                "(BTXH_OIDC_ISSUER)"
            ) from error
        except jwt.InvalidAudienceError as error:
            raise TokenRefused(
                f"token is for audience {_unverified(token, 'aud')!r}, not {self.audience!r} "
                "(BTXH_OIDC_AUDIENCE)"
            ) from error
        except jwt.ImmatureSignatureError as error:
            raise TokenRefused(f"token not valid yet{_at(token, 'nbf')}") from error
        except jwt.MissingRequiredClaimError as error:
            raise TokenRefused(f"token has no `{error.claim}` claim") from error
        except jwt.InvalidSignatureError as error:
            raise TokenRefused(f"token signature does not verify with key {kid!r}") from error
        except jwt.PyJWTError as error:
            raise TokenRefused(f"invalid token: {error}") from error
        if claims.get("typ") in _NOT_ACCESS_TOKENS:
            raise TokenRefused(
                f"token of type {claims['typ']!r} is not an access token: send the access token"
            )
        return claims

    def actor_of(self, claims: Mapping[str, Any]) -> Actor:
        """Subject, role and unit of verified claims (README, "Identity")."""
        values = _values(claim(claims, self.role_claim))
        found = sorted({value for value in values if value in OFFICIAL_ROLES})
        if not found:
            raise TokenRefused(
                f"token has no btxh role at `{self.role_claim}` (one of "
                f"{', '.join(OFFICIAL_ROLES)}): the identity provider must give the user one"
            )
        if len(found) > 1:
            raise TokenRefused(
                f"token has several btxh roles at `{self.role_claim}` ({', '.join(found)}): "
                "an official acts under one role, so the identity provider must give one"
            )
        units = _values(claim(claims, self.unit_claim))
        unit = units[0] if len(units) == 1 else None
        return Actor(user_id=str(claims["sub"]), role=found[0], admin_unit=unit)


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`realm_access.roles`), or None. A claim whose own name holds
    a dot is found too, as a whole."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _values(value: Any) -> list[str]:
    """A claim's string values: one string, or the strings of a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _unverified(token: str, name: str) -> Any:
    """A claim of a token whose signature verified but which failed a later check."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get(name)
    except jwt.PyJWTError:
        return None


def _at(token: str, name: str) -> str:
    value = _unverified(token, name)
    if not isinstance(value, int | float):
        return ""
    return f" at {datetime.fromtimestamp(value, UTC).isoformat(timespec='seconds')}"
