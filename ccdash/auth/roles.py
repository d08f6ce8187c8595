"""Roles, what each may do, and the acting user every data-changing library function takes.

Five roles for a small center on its own network (docs/accounts.md):

* ``admin`` — everything, plus users, wall links, the audit trail and settings;
* ``lead`` (班长/主管) — imports, dashboards, formulas, targets, reports, QA forms, sampling, appeals;
* ``inspector`` (质检员) — the QA workbench and QA analysis, and what a viewer sees;
* ``viewer`` (查看者) — dashboards, indicators and reports, read-only;
* ``agent`` (坐席) — only their own indicators and QA results (the "My numbers" page).

The permission table is data (:data:`PERMISSIONS`); a library function that changes data calls
:func:`authorize` with the acting :class:`Actor` before it touches the store, so a page that forgot a
check still cannot change what the role does not allow.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from ccdash.findings import CcdashError
from ccdash.i18n import register

ROLES = ("admin", "lead", "inspector", "viewer", "agent")

_VIEW = frozenset({"admin", "lead", "inspector", "viewer"})
_LEAD = frozenset({"admin", "lead"})
_QA = frozenset({"admin", "lead", "inspector"})
_ADMIN = frozenset({"admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # reading
    "dashboards.view": _VIEW,      # dashboards, indicators, explorer, alerts
    "reports.view": _VIEW,         # daily/weekly/monthly report workbooks
    "imports.view": _LEAD,         # import history, mapping profiles
    "qa.view": _QA,                # QA analysis over every agent, the recordings
    "me.view": frozenset({"agent"}),  # one's own numbers and QA results
    "audit.view": _ADMIN,
    # changing data
    "imports.run": _LEAD,          # import, undo, re-run from the kept original, mapping profiles, value maps
    "dashboards.edit": _LEAD,      # builder: save, delete, restore, import dashboards
    "formulas.edit": _LEAD,        # custom indicators
    "targets.edit": _LEAD,
    "qa.score": _QA,               # score in the workbench, drafts, calibration scores
    "qa.forms.edit": _LEAD,        # QA forms and business-type routing
    "qa.sample": _LEAD,            # draw samples, assign, calibration tasks
    "qa.appeal.file": frozenset({"admin", "lead", "agent"}),
    "qa.appeal.decide": _LEAD,
    "users.manage": _ADMIN,
    "wall.manage": _ADMIN,         # per-dashboard wall links: create, regenerate, revoke
    "settings.edit": _ADMIN,
}

MESSAGES = {
    "auth.denied": {
        "zh": "“{user}”（{role}）没有权限执行此操作：{action}。请联系管理员。",
        "en": "“{user}” ({role}) is not allowed to do this: {action}. Ask an administrator.",
    },
    "auth.no_actor": {"zh": "请先登录。", "en": "Please sign in first."},
    "role.admin": {"zh": "管理员", "en": "Administrator"},
    "role.lead": {"zh": "班长/主管", "en": "Team lead"},
    "role.inspector": {"zh": "质检员", "en": "QA inspector"},
    "role.viewer": {"zh": "查看者", "en": "Viewer"},
    "role.agent": {"zh": "坐席", "en": "Agent"},
    "perm.dashboards.view": {"zh": "查看看板", "en": "view dashboards"},
    "perm.reports.view": {"zh": "查看报表", "en": "view reports"},
    "perm.imports.view": {"zh": "查看导入记录", "en": "view the import history"},
    "perm.qa.view": {"zh": "查看质检分析", "en": "view QA analysis"},
    "perm.me.view": {"zh": "查看个人指标", "en": "view one's own numbers"},
    "perm.audit.view": {"zh": "查看审计日志", "en": "view the audit trail"},
    "perm.imports.run": {"zh": "导入或撤销数据", "en": "import or undo data"},
    "perm.dashboards.edit": {"zh": "编辑看板", "en": "edit dashboards"},
    "perm.formulas.edit": {"zh": "编辑自定义指标", "en": "edit custom indicators"},
    "perm.targets.edit": {"zh": "设置目标值", "en": "set targets"},
    "perm.qa.score": {"zh": "质检评分", "en": "score recordings"},
    "perm.qa.forms.edit": {"zh": "编辑质检表", "en": "edit QA forms"},
    "perm.qa.sample": {"zh": "抽取质检样本", "en": "draw QA samples"},
    "perm.qa.appeal.file": {"zh": "提出申诉", "en": "file an appeal"},
    "perm.qa.appeal.decide": {"zh": "处理申诉", "en": "decide appeals"},
    "perm.users.manage": {"zh": "管理用户", "en": "manage users"},
    "perm.wall.manage": {"zh": "管理大屏链接", "en": "manage wall-screen links"},
    "perm.settings.edit": {"zh": "修改系统设置", "en": "change settings"},
}
register(MESSAGES)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, the command line, or a wall-screen link (read-only)."""

    username: str
    role: str
    agent_id: str | None = None  # for role "agent": the roster agent id whose numbers they may see
    user_id: int | None = None   # the ``users`` row; None for the command line and wall links

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")


def cli_actor() -> Actor:
    """The command line runs as an administrator (whoever can run it can read the store's file anyway);
    the audit trail names the operating-system user."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return Actor(f"cli:{who}", "admin")


SYSTEM = Actor("system", "admin")  # first-start sample loading and migrations


def can(actor: Actor | None, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"unknown permission {action!r}")
    return actor is not None and actor.role in PERMISSIONS[action]


class PermissionDenied(CcdashError):
    """Raised by :func:`authorize`; its message names the user, the role and the action in the UI language."""

    def __init__(self, actor: Actor | None, action: str) -> None:
        if actor is None:
            super().__init__("auth.no_actor")
        else:
            from ccdash.i18n import in_each_lang, t
            super().__init__("auth.denied", user=actor.username,
                             role=in_each_lang(lambda lang: t(f"role.{actor.role}", lang)),
                             action=in_each_lang(lambda lang: t(f"perm.{action}", lang)))
        self.action = action


def authorize(actor: Actor | None, action: str, engine=None) -> Actor:
    """Return ``actor`` when its role may do ``action``; else raise :class:`PermissionDenied` (and, given the
    store's ``engine``, write the refusal to the audit trail in a transaction of its own)."""
    if can(actor, action):
        return actor
    if engine is not None and actor is not None:
        from ccdash.audit import record_denied
        record_denied(engine, actor, action)
    raise PermissionDenied(actor, action)
