"""moto's Cognito IdP on 127.0.0.1 (real RS256 tokens, the pool's JWKS), and forged tokens.

``CognitoIdp`` creates pools, app clients and users through the Cognito API and signs
them in with the admin flow moto supports; every token it returns is one moto signed
with the pool's key (``kid`` "dummy"). ``JwksRelay`` serves a pool's JWKS plus keys a test
adds (a rotation) and can be taken down. The ``forge``/``tamper`` helpers build the
tokens an attacker could send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.request
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import boto3
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from jwt.warnings import InsecureKeyLengthWarning

from tests.support.loopback import LoopbackServer, QuietJsonHandler

REGION = "us-east-1"
PASSWORD = "Correct-Horse-9-battery"


@dataclass(frozen=True)
class Tokens:
    """What a sign-in returns."""

    access: str
    id: str
    refresh: str


class CognitoIdp:
    """The Cognito IdP API of a moto server."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.api: Any = boto3.client(
            "cognito-idp", region_name=REGION, endpoint_url=endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip

    def pool(self) -> Pool:
        """A new user pool with one app client (DLE's)."""
        pool_id = self.api.create_user_pool(PoolName=f"dle-{uuid.uuid4().hex[:8]}")["UserPool"][
            "Id"
        ]
        pool = Pool(self, pool_id, "")
        return Pool(self, pool_id, pool.new_client())


@dataclass(frozen=True)
class Pool:
    """One user pool and its app client."""

    idp: CognitoIdp
    id: str
    client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.idp.endpoint}/{self.id}/.well-known/jwks.json"

    def new_client(self) -> str:
        """Another app client of this pool: its id."""
        client = self.idp.api.create_user_pool_client(
            UserPoolId=self.id,
            ClientName=f"client-{uuid.uuid4().hex[:6]}",
            ReadAttributes=["email", "name"],  # the id token carries these
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        return str(client["UserPoolClient"]["ClientId"])

    def sign_up(self, username: str, email: str | None = None, name: str | None = None) -> None:
        """SignUp through the public client, then confirmed by an administrator."""
        attributes = [{"Name": k, "Value": v} for k, v in (("email", email), ("name", name)) if v]
        self.idp.api.sign_up(
            ClientId=self.client_id, Username=username, Password=PASSWORD, UserAttributes=attributes
        )
        self.idp.api.admin_confirm_sign_up(UserPoolId=self.id, Username=username)

    def sign_in(self, username: str, client_id: str | None = None) -> Tokens:
        """ADMIN_USER_PASSWORD_AUTH (moto's admin-initiated flow): the user's tokens."""
        result = self.idp.api.admin_initiate_auth(
            UserPoolId=self.id, ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]  # fmt: skip
        return Tokens(result["AccessToken"], result["IdToken"], result["RefreshToken"])

    def user(self, username: str | None = None, **attributes: str) -> Tokens:
        """A new, confirmed, signed-in user."""
        username = username or f"user-{uuid.uuid4().hex[:8]}"
        self.sign_up(username, **attributes)
        return self.sign_in(username)

    def federated(self, provider: str) -> Tokens:
        """A user as federation leaves one: named "{provider}_{id}", in "{pool}_{Provider}"."""
        username = f"{provider.lower()}_{uuid.uuid4().int % 10**21}"
        self.sign_up(username)
        group = f"{self.id}_{provider}"
        groups = self.idp.api.list_groups(UserPoolId=self.id)["Groups"]
        if group not in {g["GroupName"] for g in groups}:
            self.idp.api.create_group(UserPoolId=self.id, GroupName=group)
        self.idp.api.admin_add_user_to_group(UserPoolId=self.id, Username=username, GroupName=group)
        return self.sign_in(username)

    def settings(self, token_use: str = "access", mode: str = "cognito") -> dict[str, str]:
        """DGS settings that accept this pool's tokens (keys from moto's server)."""
        return {
            "DGS_AUTH_MODE": mode,
            "DGS_COGNITO_USER_POOL_ID": self.id,
            "DGS_COGNITO_APP_CLIENT_ID": self.client_id,
            "DGS_COGNITO_TOKEN_USE": token_use,
            "DGS_COGNITO_JWKS_URL": self.jwks_url,
        }


# --- forged and altered tokens ------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, unverified."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def header_of(token: str) -> dict[str, Any]:
    return dict(jwt.get_unverified_header(token))


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    """The JWK a pool would publish for ``key``."""
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def forge(
    claims: dict[str, Any], key: PrivateKeyTypes, kid: str = "dummy", algorithm: str = "RS256"
) -> str:
    """A token signed with ``key`` (a key the pool publishes, or an attacker's)."""
    with warnings.catch_warnings():  # the weak key's is the point of that test
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})  # type: ignore[arg-type]


def unsigned(claims: dict[str, Any], kid: str = "dummy") -> str:
    """An ``alg: none`` token (RFC 7519 section 6: an unsecured JWT)."""
    header = b64url(json.dumps({"alg": "none", "kid": kid, "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


def hs256_with_public_key(claims: dict[str, Any], public_pem: bytes, kid: str = "dummy") -> str:
    """The key-confusion attack: HS256 with the issuer's public key as the HMAC secret."""
    header = b64url(json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}).encode())
    body = f"{header}.{b64url(json.dumps(claims).encode())}"
    signature = hmac.new(public_pem, body.encode(), hashlib.sha256).digest()
    return f"{body}.{b64url(signature)}"


def public_pem_of(jwks_url: str, kid: str = "dummy") -> bytes:
    """The PEM of a key the issuer publishes (what an attacker can download)."""
    with urllib.request.urlopen(jwks_url, timeout=10) as response:
        keys = json.load(response)["keys"]
    (jwk,) = [k for k in keys if k["kid"] == kid]
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    return public.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def tamper_signature(token: str) -> str:
    """The token with one signature character changed (not the last: it holds pad bits)."""
    head, _, signature = token.rpartition(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"


def tamper_claims(token: str, **changes: Any) -> str:
    """The token with other claims under the original header and signature."""
    header, _, signature = token.split(".")
    claims = {**claims_of(token), **changes}
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


# --- a JWKS endpoint a test controls ------------------------------------------------------


@dataclass
class JwksState:
    """What the relay serves: the upstream pool's keys plus ``extra``, or 503 when down."""

    extra: list[dict[str, Any]] = field(default_factory=list)
    replace: bool = False  # serve only ``extra`` (the pool's old key retired)
    down: bool = False
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class JwksRelay(LoopbackServer):
    """Serves ``upstream``'s JWKS (moto's, for one pool) as the test arranges it."""

    def __init__(self, upstream: str, published: list[dict[str, Any]] | None = None) -> None:
        self.upstream = upstream
        self.published = published or []  # extra keys served after each reset
        self.state = JwksState(extra=list(self.published))
        super().__init__(self._handler())

    def reset(self) -> None:
        """Up, serving the pool's keys and ``published``, no requests counted."""
        self.state = JwksState(extra=list(self.published))

    @property
    def url(self) -> str:
        return f"{self.origin}/.well-known/jwks.json"

    def _document(self) -> bytes | None:
        with self.state.lock:
            self.state.requests += 1
            if self.state.down:
                return None
            extra, replace = list(self.state.extra), self.state.replace
        keys: list[dict[str, Any]] = []
        if not replace:
            with urllib.request.urlopen(self.upstream, timeout=10) as response:
                keys = json.load(response)["keys"]
        return json.dumps({"keys": keys + extra}).encode()

    def _handler(self) -> type[QuietJsonHandler]:
        relay = self

        class Handler(QuietJsonHandler):
            def do_GET(self) -> None:
                document = relay._document()
                status, body = (200, document) if document is not None else (503, b"{}")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
