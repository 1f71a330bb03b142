"""Bearer-token authentication, role and unit checks for every HTTP route.

Tokens come from the OpenID Connect identity provider, signed RS256 or ES256 by a key it
publishes (backbone/oidc.py); in development, HS256 development tokens signed with
BTXH_JWT_SECRET are accepted too (`make run` prints them), and in production refused. Either
kind names a user (`sub`), a role (one of ROLES) and a unit (the 2025 commune or province code
the official answers for, or VN for the nation: reference/jurisdiction.py says which role may
hold which). No or bad token: 401; the provider's keys out of reach: 503. A role not permitted,
or a unit the role may not hold: 403. A case outside the official's unit answers 404, as a case
that does not exist (`case_scope`).
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backbone.actor import Actor
from backbone.oidc import (
    ALGORITHMS,
    ProviderKeys,
    ProviderTokens,
    ProviderUnavailable,
    TokenRefused,
)
from backbone.settings import BackboneSettings
from contracts.envelope import ROLES
from reference.admin_units import load_admin_units
from reference.jurisdiction import Jurisdiction, OutsideJurisdiction, Places, jurisdiction

#: The issuer of development tokens.
ISSUER = "btxh"
_bearer = HTTPBearer(
    auto_error=False,
    description="Access token of the identity provider (RS256/ES256); in development also an "
    "HS256 development token signed with BTXH_JWT_SECRET",
)


def mint_token(
    secret: str,
    *,
    user_id: str,
    role: str,
    unit: str | None = None,
    name: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """A development token (HS256): accepted by processes in development only."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user_id,
        "role": role,
        "unit": unit,
        "name": name or user_id,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def _development_actor(secret: str, token: str) -> Actor:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError as error:
        raise _unauthorized("token expired; ask for a new one") from error
    except jwt.PyJWTError as error:
        raise _unauthorized(f"invalid token: {error}") from error
    role = claims.get("role")
    if role not in ROLES:
        raise _unauthorized(f"token has no valid role (got {role!r})")
    return Actor(user_id=str(claims["sub"]), role=role, admin_unit=claims.get("unit"))


class TokenVerifier:
    """Who a bearer token names, by how it is signed: RS256/ES256 with the identity provider's
    keys (when one is configured), HS256 with the development secret (in development only)."""

    def __init__(self, *, provider: ProviderTokens | None, development_secret: str | None) -> None:
        self.provider = provider
        self.development_secret = development_secret

    @classmethod
    def from_settings(cls, settings: BackboneSettings) -> "TokenVerifier":
        provider = None
        if settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url:
            provider = ProviderTokens(
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience,
                keys=ProviderKeys(settings.oidc_jwks_url, timeout=settings.oidc_timeout_seconds),
                role_claim=settings.oidc_role_claim,
                unit_claim=settings.oidc_unit_claim,
            )
        development = settings.environment == "development"
        return cls(
            provider=provider,
            development_secret=settings.jwt_secret.get_secret_value() if development else None,
        )

    def actor(self, token: str) -> Actor:
        """The actor a token names: 401 when it names none, 503 when the provider's keys are
        out of reach."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as error:
            raise _unauthorized(f"not a JWT: {error}") from error
        if algorithm == "HS256" and self.development_secret is not None:
            return _development_actor(self.development_secret, token)
        if algorithm in ALGORITHMS and self.provider is not None:
            try:
                return self.provider.actor(token)
            except TokenRefused as error:
                raise _unauthorized(str(error)) from error
            except ProviderUnavailable as error:
                raise HTTPException(
                    status.HTTP_503_SERVICE_UNAVAILABLE,
                    detail=f"tokens cannot be checked now: {error}; retry shortly",
                    headers={"Retry-After": "5"},
                ) from error
        raise _unauthorized(f"token signed with {algorithm!r}: {self._accepted()}")

    def _accepted(self) -> str:
        accepted = []
        if self.provider is not None:
            accepted.append(
                f"this service accepts access tokens of {self.provider.issuer} "
                f"({' or '.join(ALGORITHMS)})"
            )
        if self.development_secret is not None:
            accepted.append("development tokens (HS256, `make run` prints some)")
        else:
            accepted.append("HS256 development tokens are refused outside development")
        return "; ".join(accepted)


def authenticate(request: Request, token: str) -> Actor:
    """The actor a bearer token names, checked once per request (the access log asks again
    once the route has answered); 401 or 503 otherwise."""
    known = getattr(request.state, "bearer", None)
    if known is not None and known[0] == token:
        actor: Actor = known[1]
        return actor
    tokens: TokenVerifier = request.app.state.tokens
    actor = tokens.actor(token)
    request.state.bearer = (token, actor)
    return actor


#: Where recorded places lie in today's units: shared by every route of the process.
PLACES = Places(load_admin_units())


def jurisdiction_of(actor: Actor) -> Jurisdiction:
    """The unit the official answers for; 403 when the token's unit does not fit its role."""
    try:
        return jurisdiction(PLACES.units, actor.role, actor.admin_unit)
    except OutsideJurisdiction as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(error)) from error


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """FastAPI dependency: whoever the bearer token says (401 without a valid one)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing bearer token (Authorization: Bearer <token>)")
    return authenticate(request, credentials.credentials)


def require_roles(*roles: str) -> Callable[..., Actor]:
    """FastAPI dependency: the authenticated actor, who must hold one of `roles` and a unit
    that role may hold."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        actor = authenticated(request, credentials)
        if actor.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {actor.role!r} may not do this; allowed: {', '.join(roles)}",
            )
        jurisdiction_of(actor)
        return actor

    return dependency


#: A place as recorded: (scheme, code), or (None, None) when none is known yet.
Place = tuple[str | None, str | None]
#: Where a service holds a case: every place it belongs to now (a beneficiary moving between
#: communes belongs to both until the move is done), or None when it holds no such case.
PlacesOf = Callable[[Request, UUID], list[Place] | None]


def not_in_unit(what: str, who: Jurisdiction) -> HTTPException:
    """The answer for a case or payroll outside the official's unit: the same as for one that
    does not exist."""
    return HTTPException(
        status.HTTP_404_NOT_FOUND, detail=f"no {what} among those of unit {who.code}"
    )


def case_scope(places_of: PlacesOf) -> Callable[..., None]:
    """Router dependency: a route naming a `case_id` serves only an official whose unit the
    case lies in; any other gets 404, before the route's own checks and body are looked at,
    so nothing of the case is shown or changed."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        raw = request.path_params.get("case_id")
        if raw is None:
            return
        try:
            case_id = UUID(str(raw))
        except ValueError:
            return  # the route answers 422
        actor = authenticated(request, credentials)
        if actor.role not in ROLES or actor.role == "system":
            return  # the route's role check answers
        who = jurisdiction_of(actor)
        places = places_of(request, case_id)
        if places is not None and not any(PLACES.covers(who, *place) for place in places):
            raise not_in_unit(f"case {case_id}", who)
        # No such case here: the route answers (its own 404, or 422 on its input first).

    return dependency


def require_commune(actor: Actor, scheme: str, code: str) -> None:
    """403 unless the commune (scheme, code) lies in the official's unit: for a command that
    names the place itself (a dossier received, a payroll)."""
    who = jurisdiction_of(actor)
    if not PLACES.covers(who, scheme, code):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"commune {code} ({scheme}) is not in unit {who.code}, which this "
            f"{actor.role} answers for",
        )
