"""An OpenID Connect identity provider for tests: RSA and EC signing keys generated here, their
JWKS served over HTTP on 127.0.0.1 from a thread, and access tokens shaped like Keycloak's."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

AUDIENCE = "btxh"
JWKS_PATH = "/realms/btxh/protocol/openid-connect/certs"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    """A key pair of the provider: its private half signs, its public half is published."""

    def __init__(self, kid: str, algorithm: str) -> None:
        self.kid = kid
        self.algorithm = algorithm
        if algorithm == "RS256":
            self.private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk: dict[str, Any] = {**jwk, "kid": kid, "use": "sig", "alg": algorithm}

    def public_pem(self) -> bytes:
        pem: bytes = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem


class LocalProvider:
    """Serves `jwks` (the published keys, which a test may change) at `jwks_url`; counts reads."""

    def __init__(self) -> None:
        self.rsa = SigningKey("rsa-1", "RS256")
        self.ec = SigningKey("ec-1", "ES256")
        self.published = [self.rsa, self.ec]
        # What Keycloak publishes beside its signing keys: a key for encryption only.
        self.encryption_jwk = {**self.rsa.jwk, "kid": "enc-1", "use": "enc", "alg": "RSA-OAEP"}
        self.reads = 0
        #: When set, the JWKS URL answers this HTTP status instead of the keys.
        self.failing_with: int | None = None
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != JWKS_PATH:
                    self.send_error(404)
                    return
                provider.reads += 1
                if provider.failing_with is not None:
                    self.send_error(provider.failing_with)
                    return
                body = json.dumps(provider.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = f"{self.base_url}/realms/btxh"
        self.jwks_url = f"{self.base_url}{JWKS_PATH}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk for key in self.published] + [self.encryption_jwk]}

    def start(self) -> "LocalProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def environment(self) -> dict[str, str]:
        """The variables that point a service at this provider."""
        return {
            "BTXH_OIDC_ISSUER": self.issuer,
            "BTXH_OIDC_AUDIENCE": AUDIENCE,
            "BTXH_OIDC_JWKS_URL": self.jwks_url,
        }

    def claims(
        self,
        *,
        role: str | list[str] = "commune_officer",
        unit: str | None = "02020",
        sub: str | None = None,
        lifetime: float = 300,
        **overrides: Any,
    ) -> dict[str, Any]:
        """An access token's claims as Keycloak shapes them (realm roles, the `unit` attribute)."""
        now = int(time.time())
        roles = [role] if isinstance(role, str) else role
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [AUDIENCE, "account"],
            "sub": sub or str(uuid.uuid4()),
            "typ": "Bearer",
            "azp": AUDIENCE,
            "iat": now,
            "exp": now + int(lifetime),
            "realm_access": {"roles": ["default-roles-btxh", "offline_access", *roles]},
            "preferred_username": f"{roles[0] if roles else 'nobody'}-{unit}",
        }
        if unit is not None:
            claims["unit"] = unit
        claims.update(overrides)
        return claims

    def token(self, key: SigningKey | None = None, *, kid: str | None = None, **claims: Any) -> str:
        """An access token signed by `key` (the RSA key unless named), under its own key id
        unless `kid` names another."""
        key = key or self.rsa
        return jwt.encode(
            self.claims(**claims),
            key.private,
            algorithm=key.algorithm,
            headers={"kid": kid or key.kid},
        )

    def headers(self, key: SigningKey | None = None, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(key, **claims)}"}


def unsigned_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """A token put together by hand, as an attacker would: `alg: none` (no signature), or HS256
    with `secret` as the HMAC key (e.g. the provider's public key)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if secret is None:
        return f"{signing_input}."
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@contextmanager
def local_provider() -> Iterator[LocalProvider]:
    provider = LocalProvider().start()
    try:
        yield provider
    finally:
        provider.stop()
