"""Passwords: kept only as an argon2id hash (argon2-cffi), checked against a small policy.

Argon2 is slow on purpose (about 50 ms and 64 MiB per hash with the library's defaults), so a stolen
store cannot be brute-forced cheaply. Tests swap :data:`HASHER` for a fast one; production keeps the
defaults. A sign-in for an unknown user still verifies once against :func:`dummy_hash`, so the time a
sign-in takes does not reveal which usernames exist.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ccdash.findings import CcdashError
from ccdash.i18n import register

MIN_LENGTH = 10
HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile; replaced only in tests

MESSAGES = {
    "auth.weak_password": {
        "zh": "密码太弱：至少需要 {min} 个字符，不能与用户名相同，也不能全是同一个字符。",
        "en": "The password is too weak: it needs at least {min} characters, must differ from the username "
              "and must not be one repeated character.",
    },
}
register(MESSAGES)

_dummy: dict[int, str] = {}  # id(hasher) -> a hash of a random text, made on first use


def hash_password(password: str) -> str:
    """The argon2id hash to store (salted; the text starts with ``$argon2id$``)."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a mismatch or a damaged/empty hash is simply False."""
    if not password_hash:
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):  # VerifyMismatchError is a VerificationError
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at the next sign-in)."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def dummy_hash() -> str:
    """A hash no password matches in practice, verified when the username is unknown (same cost, same time)."""
    key = id(HASHER)
    if key not in _dummy:
        _dummy[key] = HASHER.hash("ccdash-no-such-user")
    return _dummy[key]


def check_password_policy(password: str, username: str) -> None:
    """Refuse short passwords, the username itself and one character repeated (``aaaaaaaaaa``)."""
    pw = password or ""
    if (len(pw) < MIN_LENGTH or pw.strip().lower() == (username or "").strip().lower()
            or len(set(pw)) == 1):
        raise CcdashError("auth.weak_password", min=MIN_LENGTH)
