"""Password hashing with scrypt (memory-hard, in the standard library).

A stored hash carries its own cost parameters and salt, `scrypt$n=32768,r=8,p=1$SALT$HASH`,
so the cost can rise later without locking anyone out (see needs_rehash). Passwords are never
logged or stored in any other form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.staff import StaffError

MIN_LENGTH, MAX_LENGTH = 12, 256
SALT_BYTES, HASH_BYTES = 16, 32
# One-time passwords: easy to read aloud and type (no 0/o, 1/l/i).
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class ScryptCost:
    n: int = 2**15  # 32 MiB of memory per hash with r=8
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return 2 * 128 * self.n * self.r * self.p + 1024 * 1024

    def encode(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"


DEFAULT_COST = ScryptCost()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _normalise(password: str) -> bytes:
    # NFKC so the same password typed on another keyboard layout or device still matches.
    return unicodedata.normalize("NFKC", password).encode("utf-8", "surrogatepass")


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(_normalise(password), salt=salt, n=cost.n, r=cost.r, p=cost.p,
                          maxmem=cost.maxmem, dklen=HASH_BYTES)


def hash_password(password: str, cost: ScryptCost = DEFAULT_COST) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${cost.encode()}${_b64(salt)}${_b64(_derive(password, salt, cost))}"


def _parse(stored: str) -> tuple[ScryptCost, bytes, bytes] | None:
    try:
        scheme, params, salt, digest = stored.split("$")
        values = dict(part.split("=") for part in params.split(","))
        cost = ScryptCost(int(values["n"]), int(values["r"]), int(values["p"]))
        if scheme != "scrypt" or cost.n < 2 or cost.n & (cost.n - 1):
            return None
        return cost, _unb64(salt), _unb64(digest)
    except (ValueError, KeyError):
        return None


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches; a malformed stored hash matches nothing."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    cost, salt, digest = parsed
    return hmac.compare_digest(_derive(password, salt, cost), digest)


def needs_rehash(stored: str, cost: ScryptCost = DEFAULT_COST) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] != cost


@lru_cache(maxsize=1)
def unusable_hash() -> str:
    """Verified against when an email has no account, so both answers take the same time."""
    return hash_password(secrets.token_urlsafe(32))


def one_time_password() -> str:
    """Four groups of four, e.g. `k7mq-x3rt-9bwz-p2hd` (about 79 bits)."""
    chars = [secrets.choice(ONE_TIME_ALPHABET) for _ in range(16)]
    return "-".join("".join(chars[i:i + 4]) for i in range(0, 16, 4))


def check_new_password(password: str, repeated: str, email: str) -> None:
    """Length is what matters (no composition rules); refuse the obvious weak choices."""
    if password != repeated:
        raise StaffError("The two new passwords are not the same. Type the same one twice.")
    if len(password) < MIN_LENGTH:
        raise StaffError(f"Choose a password of at least {MIN_LENGTH} characters. "
                         "A few unrelated words together work well.")
    if len(password) > MAX_LENGTH:
        raise StaffError(f"Choose a password of at most {MAX_LENGTH} characters.")
    if password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise StaffError("Choose a password that is not your email address.")
    if len(set(password)) < 4:
        raise StaffError("Choose a password with more different characters in it.")
