"""Default masking of secrets: keys that look like credentials and values that look like keys."""

from __future__ import annotations

import re
from typing import Iterable

MASK = "***"

#: Substrings of a (lower-cased) key that mark its value as a secret.
DEFAULT_SECRET_KEY_PARTS: tuple[str, ...] = (
    "api_key",
    "apikey",
    "api-key",
    "authorization",
    "password",
    "passwd",
    "secret",
    "private_key",
    "credential",
    "cookie",
    "access_key",
)

# Keys ending in "token" are secrets (access_token, x-auth-token, token); counts such as
# "max_tokens", "prompt_tokens" or "token_usage" are not.
_TOKEN_KEY = re.compile(r"(?:^|[_\-.])token$|^token$|auth[_-]?token", re.IGNORECASE)

#: Values that look like credentials wherever they appear.
_SECRET_VALUE = re.compile(
    r"(?:"
    r"\b(?:sk|pk|rk)-(?:[a-z]+-)?[A-Za-z0-9_\-]{16,}"  # OpenAI/Anthropic/Stripe-style keys
    r"|\bBearer\s+[A-Za-z0-9\-._~+/]{12,}=*"  # bearer tokens
    r"|\bBasic\s+[A-Za-z0-9+/]{12,}=*"  # basic auth
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"  # GitHub tokens
    r"|\bxox[abprs]-[A-Za-z0-9\-]{10,}"  # Slack tokens
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bAIza[0-9A-Za-z_\-]{30,}"  # Google API keys
    r"|\bhf_[A-Za-z0-9]{20,}"  # Hugging Face tokens
    r")"
)
#: Literal fragments every secret pattern contains: a cheap scan before the full patterns.
_SECRET_HINT = re.compile(r"k-|B(?:earer|asic)|gh[pousr]_|xox|AKIA|AIza|hf_")
#: Shortest string the value patterns can match; shorter strings are not scanned.
MIN_SECRET_VALUE_LENGTH = 16


class SecretMasker:
    """Decides which keys hold secrets and masks secret-looking substrings of values."""

    __slots__ = ("_parts", "cache", "enabled")

    def __init__(self, extra_key_parts: Iterable[str] = (), enabled: bool = True) -> None:
        self._parts = tuple(DEFAULT_SECRET_KEY_PARTS) + tuple(p.lower() for p in extra_key_parts)
        #: key -> is it a secret (read directly by the serializer's fast path)
        self.cache: dict[str, bool] = {}
        self.enabled = enabled

    def is_secret_key(self, key: str) -> bool:
        """Whether a mapping key or parameter name looks like it holds a credential."""
        if not self.enabled:
            return False
        cached = self.cache.get(key)
        if cached is None:
            lowered = key.lower()
            cached = any(part in lowered for part in self._parts) or bool(_TOKEN_KEY.search(lowered))
            if len(self.cache) < 4096:
                self.cache[key] = cached
        return cached

    def mask_text(self, text: str) -> str:
        """Replace credential-looking substrings of ``text`` with the mask."""
        if not self.enabled or len(text) < MIN_SECRET_VALUE_LENGTH or _SECRET_HINT.search(text) is None:
            return text
        return _SECRET_VALUE.sub(MASK, text)
