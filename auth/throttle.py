"""Throttling of password guesses that slows an attacker without locking the owner out.

Every attempt is counted before its password is checked (so concurrent guesses cannot slip past
the limit), and given back if it succeeds (so only failures use up a window). Three counters,
each per one-minute window:
- per account and address (LOGIN_FAILURES_PER_MINUTE): bites an attacker first, and only
  at the attacker's own address;
- per address (LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE): one address guessing many accounts;
- per account from unknown addresses (LOGIN_FAILURES_PER_ACCOUNT_PER_MINUTE): many addresses
  guessing one account. An address the account logged in from before is exempt, so the owner
  still gets in while a distributed attack is refused.
Throttled attempts go to the audit trail once per counter and window, not one by one. An IPv6
client is counted, and known, by its /64 network, which one subscriber is given whole: its
interface identifiers are the client's to choose, one per guess.
"""

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, request
from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from plumbing.audit import audit
from plumbing.rate_limits import RateLimits, too_many
from plumbing.timestamps import current_time

KNOWN_ADDRESS_DAYS = 90


class KnownAddresses:
    """Addresses each account logged in from lately (a TTL index forgets them)."""

    def __init__(self, db: Database):
        self.addresses = db.known_logins

    def ensure_indexes(self) -> None:
        self.addresses.create_indexes(
            [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]
        )

    def remember(self, account: str, address: str) -> None:
        expires = current_time() + timedelta(days=KNOWN_ADDRESS_DAYS)
        self.addresses.update_one(
            {"_id": f"{account}|{address}"}, {"$set": {"expires_at": expires}}, upsert=True
        )

    def knows(self, account: str, address: str) -> bool:
        return self.addresses.find_one({"_id": f"{account}|{address}"}, {"_id": True}) is not None


def client_network(address: str) -> str:
    """Where an attempt comes from, for the counters: an IPv4 address (an IPv6-mapped one
    too), an IPv6 address's /64 network, or the text given when it is no address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def unknown_name_key(typed: str, secret: str) -> str:
    """How a name no account has is counted: a keyed digest of it in lower case, so that the
    counters, which the inspector may read, never hold what was typed (a password, perhaps),
    while every attempt on that name still meets the same counters."""
    digest = hmac.new(secret.encode(), typed.lower().encode(), hashlib.sha256).hexdigest()
    return f"unknown-{digest[:32]}"


def unknown_actor() -> dict:
    """How an attempt on a name no account has is audited: as that, without the name, which
    may be a password typed in the wrong field."""
    return {"actor": None, "unknown_username": True}


def guarded_attempt(
    db: Database, kind: str, account: str, check: Callable[[], bool], exists: bool = True
) -> bool:
    """Run one password ``check`` for ``account`` under the limits; 429 past them.

    ``kind`` names what is guessed ("login", "password"); the result is the check's.
    ``account`` is the stored name of an existing account (the audit trail and the known
    addresses keep it as it is), else, with ``exists`` false, the name as typed, which is
    counted but never audited (see ``unknown_actor``).
    """
    config, address = current_app.config, client_network(request.remote_addr or "unknown")
    # A username names its account in any case: every spelling of it shares the counters.
    counted_as = account.lower() if exists else unknown_name_key(account, config["SECRET_KEY"])
    limits = RateLimits(db)
    counters = {
        f"{kind}-failures:account-address:{counted_as}|{address}": config[
            "LOGIN_FAILURES_PER_MINUTE"
        ],
        f"{kind}-failures:address:{address}": config["LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE"],
    }
    known = KnownAddresses(db)
    if not known.knows(account, address):
        counters[f"{kind}-failures:account:{counted_as}"] = config[
            "LOGIN_FAILURES_PER_ACCOUNT_PER_MINUTE"
        ]
    counted = []
    for key, limit in counters.items():
        count = limits.hit(key)
        counted.append(key)
        if count > limit:
            if count == limit + 1:  # the first throttled attempt of this window, once
                audit(
                    f"{kind}.throttled",
                    outcome="failure",
                    limit=key.split(":")[1],
                    **({"actor": account} if exists else unknown_actor()),
                )
            raise too_many("failed attempts") from None
    succeeded = check()
    if succeeded:
        for key in counted:
            limits.release(key)
        known.remember(account, address)
    return succeeded
