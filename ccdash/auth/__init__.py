"""Accounts, roles and sign-in (see docs/accounts.md)."""

from ccdash.auth.roles import PERMISSIONS, ROLES, SYSTEM, Actor, PermissionDenied, authorize, can, cli_actor

__all__ = ["PERMISSIONS", "ROLES", "SYSTEM", "Actor", "PermissionDenied", "authorize", "can", "cli_actor"]
