"""Refusals that depend on the data, not only on the role (an inspector scoring under another name, an
agent appealing someone else's evaluation): written to the audit trail like any other refusal."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import Engine

from ccdash.auth.roles import Actor, PermissionDenied


def refuse(engine: Engine, actor: Actor, action: str, target: object = "") -> NoReturn:
    """Record ``denied:<action>`` (its own transaction) and raise :class:`PermissionDenied`."""
    from ccdash.audit import record_denied
    record_denied(engine, actor, action, target)
    raise PermissionDenied(actor, action)
