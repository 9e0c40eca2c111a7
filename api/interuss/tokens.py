"""OAuth2 bearer JWTs the way the InterUSS automated-testing interfaces send them: RS256,
signed by the test authority, with ``exp`` (and ``nbf`` when present) and ``aud`` checked, a
space-separated ``scope`` claim and the client's id in ``sub``.

Keys come from ``QINGKONG_INTERUSS_PUBLIC_KEYS``: comma-separated PEM public-key files, or one
JWKS URL (keys fetched and cached by PyJWT's ``PyJWKClient``, chosen by the token's ``kid``).
Every failure is a :class:`TokenError` that says why: 401 for a missing, unreadable, badly
signed, expired or wrong-audience token, 403 for a good token without the needed scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

ALGORITHMS = ["RS256"]
LEEWAY_S = 5.0
"""Clock skew tolerated on ``exp`` and ``nbf`` (seconds)."""


class TokenError(Exception):
    """A token that is refused; ``status`` is 401 (not authenticated) or 403 (not allowed)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Claims:
    """What a verified token says: who the client is and what it may do."""

    subject: str
    scopes: frozenset[str]
    audience: str


def split_setting(value: str) -> list[str]:
    """The non-empty items of a comma-separated setting.

    Examples
    --------
    >>> split_setting(" a, b ,,c ")
    ['a', 'b', 'c']
    """
    return [v.strip() for v in value.split(",") if v.strip()]


class TokenVerifier:
    """Checks InterUSS access tokens against the configured keys and audiences.

    Parameters
    ----------
    keys : str
        The ``QINGKONG_INTERUSS_PUBLIC_KEYS`` setting: PEM file paths or a JWKS URL.
    audiences : str
        The ``QINGKONG_INTERUSS_AUDIENCE`` setting: accepted ``aud`` values.
    """

    def __init__(self, keys: str, audiences: str):
        self.audiences = split_setting(audiences)
        items = split_setting(keys)
        self._jwks: jwt.PyJWKClient | None = None
        self._keys: list[Any] = []
        if len(items) == 1 and items[0].startswith(("http://", "https://")):
            self._jwks = jwt.PyJWKClient(items[0], cache_keys=True, lifespan=300, timeout=10)
        else:
            for item in items:
                path = Path(item)
                try:
                    self._keys.append(load_pem_public_key(path.read_bytes()))
                except OSError as e:
                    raise ValueError(
                        f"QINGKONG_INTERUSS_PUBLIC_KEYS: cannot read {path} ({e.strerror})"
                    ) from None
                except ValueError:
                    raise ValueError(
                        f"QINGKONG_INTERUSS_PUBLIC_KEYS: {path} is not a PEM public key"
                    ) from None

    @property
    def configured(self) -> bool:
        """Whether audiences and keys are configured (else no token is accepted)."""
        return bool(self.audiences) and (self._jwks is not None or bool(self._keys))

    def _candidate_keys(self, token: str) -> list[Any]:
        if self._jwks is None:
            return self._keys
        try:
            return [self._jwks.get_signing_key_from_jwt(token).key]
        except jwt.PyJWKClientConnectionError as e:
            raise TokenError(
                401, f"cannot fetch the signing keys from the JWKS URL ({e})"
            ) from None
        except jwt.PyJWKClientError as e:
            raise TokenError(401, f"no key of the JWKS matches the token ({e})") from None

    def verify(self, token: str, needed: Iterable[str]) -> Claims:
        """The claims of ``token`` if it is valid and grants one of the ``needed`` scopes.

        Raises
        ------
        TokenError
            401 or 403 with the reason.
        """
        if not self.configured:
            raise TokenError(
                401,
                "this service accepts no InterUSS tokens: set QINGKONG_INTERUSS_PUBLIC_KEYS "
                "and QINGKONG_INTERUSS_AUDIENCE",
            )
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenError(401, "the bearer token is not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenError(
                401, f"the token is signed with {header.get('alg')!r}; only RS256 is accepted"
            )
        claims = self._decode(token)
        scopes = frozenset(str(claims.get("scope", "")).split())
        needed = list(needed)
        if not scopes.intersection(needed):
            raise TokenError(
                403,
                f"the token grants {sorted(scopes) or 'no scopes'}; this needs "
                f"{' or '.join(needed)}",
            )
        aud = claims["aud"]
        audience = aud if isinstance(aud, str) else next(a for a in aud if a in self.audiences)
        return Claims(subject=str(claims["sub"]), scopes=scopes, audience=audience)

    def _decode(self, token: str) -> dict[str, Any]:
        for key in self._candidate_keys(token):
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=ALGORITHMS,
                    audience=self.audiences,
                    leeway=LEEWAY_S,
                    options={"require": ["exp", "sub", "aud"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError:
                raise TokenError(401, "the token has expired (exp is in the past)") from None
            except jwt.ImmatureSignatureError:
                raise TokenError(401, "the token is not valid yet (nbf is in the future)") from None
            except jwt.InvalidAudienceError:
                raise TokenError(
                    401,
                    f"the token's audience is not accepted here; this service accepts "
                    f"{', '.join(self.audiences)}",
                ) from None
            except jwt.MissingRequiredClaimError as e:
                raise TokenError(401, f"the token has no {e.claim!r} claim") from None
            except jwt.InvalidTokenError as e:
                raise TokenError(401, f"the token is invalid ({e})") from None
        raise TokenError(401, "the token's signature matches none of the configured keys")
