"""Limits on failed sign-ins, per (account, address) pair and per address, kept in the
limiter's storage so that every worker sees the same counts (Redis when several run).

An attacker failing on purpose uses up only their own pair and their own address: the person
signing in from anywhere else is not locked out. While the shared storage is unreachable each
worker counts in its own memory, as the limiter's own limits do."""

from flask import current_app
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from ..extensions import limiter

PAIR, ADDRESS = "sign-in-pair", "sign-in-address"
_worker_memory = FixedWindowRateLimiter(MemoryStorage())


def _counted(operation: str, limit, *identifiers) -> bool:
    """`operation` (hit, test or clear) on the shared storage, or on this worker's memory while
    the shared one cannot be reached."""
    try:
        return getattr(limiter.limiter, operation)(limit, *identifiers)
    except StorageError:
        current_app.logger.warning("Rate limit storage unreachable: sign-in limits counted per worker")
        return getattr(_worker_memory, operation)(limit, *identifiers)


def _pair_limit():
    return parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_IP"])


def _address_limit():
    return parse(current_app.config["LOGIN_LIMIT_PER_IP"])


def attempt_allowed(email: str, address: str) -> bool:
    """Whether an attempt at `email` from `address` may have its password checked. The attempt
    takes its place under the pair's limit at once, atomically, so that parallel attempts
    cannot all slip in before any is counted; a success gives it back (attempt_succeeded)."""
    if not limiter.enabled:
        return True
    if not _counted("test", _address_limit(), ADDRESS, address):
        return False
    return _counted("hit", _pair_limit(), PAIR, email, address)


def attempt_failed(address: str) -> None:
    if limiter.enabled:
        _counted("hit", _address_limit(), ADDRESS, address)


def attempt_succeeded(email: str, address: str) -> None:
    """The right password: the pair's earlier failures no longer count."""
    if limiter.enabled:
        _counted("clear", _pair_limit(), PAIR, email, address)
