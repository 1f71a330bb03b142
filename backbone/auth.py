"""Bearer-token (JWT, HS256) authentication and role checks for every HTTP command.

Claims: `sub` (user id), `role` (one of ROLES), `unit` (administrative unit code), `name`.
No or bad token: 401. Valid token without a permitted role: 403.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backbone.actor import Actor
from contracts.envelope import ROLES

ISSUER = "btxh"
_bearer = HTTPBearer(auto_error=False, description="JWT signed with BTXH_JWT_SECRET")


def mint_token(
    secret: str,
    *,
    user_id: str,
    role: str,
    unit: str | None = None,
    name: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
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


def authenticate(secret: str, token: str) -> Actor:
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


def require_roles(*roles: str) -> Callable[..., Actor]:
    """FastAPI dependency: the authenticated actor, who must hold one of `roles`."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("missing bearer token (Authorization: Bearer <token>)")
        actor = authenticate(request.app.state.jwt_secret, credentials.credentials)
        if actor.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {actor.role!r} may not do this; allowed: {', '.join(roles)}",
            )
        return actor

    return dependency
