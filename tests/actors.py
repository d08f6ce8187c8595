"""The acting users every test passes to the library's data-changing functions (one per role)."""

from __future__ import annotations

from ccdash.auth.roles import Actor

ADMIN = Actor("admin1", "admin")
LEAD = Actor("lead1", "lead")
INSPECTOR = Actor("qa1", "inspector")
VIEWER = Actor("view1", "viewer")
AGENT = Actor("a01", "agent", agent_id="A01")
AGENT2 = Actor("a02", "agent", agent_id="A02")

ROLES_ACTORS = {"admin": ADMIN, "lead": LEAD, "inspector": INSPECTOR, "viewer": VIEWER, "agent": AGENT}
