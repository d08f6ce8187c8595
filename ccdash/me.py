"""An agent's own numbers and QA results — the "My numbers" page, readable on a phone.

Every function here takes the acting user and filters by *their* ``agent_id``; there is no parameter that
names another agent, so a page cannot ask for someone else's numbers by mistake or by a doctored request.
The agent's team appears only as one team-wide value (context), never as other agents' rows.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from ccdash.auth.guard import refuse
from ccdash.auth.roles import Actor, authorize
from ccdash.dashboards.model import Period
from ccdash.dashboards.periods import resolve
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.indicators.compute import query
from ccdash.store.schema import MEASURE_TABLES, qa_evaluations, qa_item_scores

MESSAGES = {
    "me.no_agent_id": {
        "zh": "账户“{user}”没有关联坐席工号，无法显示个人指标。请管理员在“用户”页为该账户设置工号。",
        "en": "The account “{user}” is not linked to an agent id, so there are no numbers to show. Ask an "
              "administrator to set the agent id on the Users page.",
    },
    "me.bad_period": {"zh": "未知时间段 {period}", "en": "Unknown period {period}"},
}
register(MESSAGES)

# The tiles, in order: what an agent is measured on. Indicators without data (no agent-state export, no QA
# scores yet) come back empty and the page leaves them out.
MY_INDICATORS = ("handled", "aht", "avg_talk", "avg_acw", "cph", "qa_score", "qa_pass_rate")
PERIODS = ("this_week", "last_week", "this_month", "last_month")
DAY = dt.timedelta(days=1)
EVALUATION_COLUMNS = ["id", "recording_id", "call_date", "business_type", "form_id", "score", "passed", "fatal",
                      "inspector", "purpose", "comment"]


def my_agent_id(engine: Engine | None, actor: Actor | None) -> str:
    """The agent id the actor may see: their own (``me.view``), or a clear message when the account has none."""
    authorize(actor, "me.view", engine)
    if not (actor.agent_id or "").strip():
        raise CcdashError("me.no_agent_id", user=actor.username)
    return actor.agent_id.strip()


def period_range(period: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of ``period`` for the anchor day (the newest day with data): the dashboards'
    periods (this week/month up to the anchor, last month whole), plus last week (Monday–Sunday)."""
    if period == "last_week":
        monday = anchor - anchor.weekday() * DAY
        return monday - 7 * DAY, monday - DAY
    if period not in PERIODS:
        raise CcdashError("me.bad_period", period=period)
    return resolve(Period(kind=period), anchor)


def my_numbers(engine: Engine, actor: Actor, d0, d1, codes=None) -> pd.DataFrame:
    """The actor's own indicators over ``d0``–``d1`` as one row per indicator (``indicator``, ``value``)."""
    agent = my_agent_id(engine, actor)
    return _totals(engine, list(codes or MY_INDICATORS), d0, d1, {"agent_id": [agent]})


def my_team(engine: Engine, actor: Actor, d0, d1) -> str | None:
    """The team the actor's calls were booked to in the period (the newest one), or None."""
    agent = my_agent_id(engine, actor)
    day = MEASURE_TABLES[("calls", "day")]
    with engine.connect() as conn:
        team = conn.execute(select(day.c.team).where(day.c.agent_id == agent, day.c.team != "",
                                                     day.c.date >= str(d0)[:10], day.c.date <= str(d1)[:10])
                            .order_by(day.c.date.desc()).limit(1)).scalar()
    return str(team) if team else None


def team_numbers(engine: Engine, actor: Actor, d0, d1, codes=None) -> pd.DataFrame:
    """The same indicators for the actor's whole team (one value each, ratio of sums: no other agent's row)."""
    team = my_team(engine, actor, d0, d1)
    if team is None:
        return pd.DataFrame(columns=["indicator", "value"])
    return _totals(engine, list(codes or MY_INDICATORS), d0, d1, {"team": [team]})


def _totals(engine: Engine, codes: list[str], d0, d1, filters: dict) -> pd.DataFrame:
    tidy = query(engine, codes, d0, d1, "total", filters=filters)
    values = dict(zip(tidy["indicator"], tidy["value"]))
    return pd.DataFrame({"indicator": codes, "value": [values.get(c, float("nan")) for c in codes]})


def my_evaluations(engine: Engine, actor: Actor, d0=None, d1=None) -> pd.DataFrame:
    """The actor's final QA evaluations (regular and imported), newest call first."""
    agent = my_agent_id(engine, actor)
    ev = qa_evaluations
    query_ = select(*(ev.c[c] for c in EVALUATION_COLUMNS)).where(
        ev.c.agent_id == agent, ev.c.status == "final", ev.c.purpose.in_(["regular", "imported"]))
    if d0 is not None:
        query_ = query_.where(ev.c.call_date >= str(d0)[:10])
    if d1 is not None:
        query_ = query_.where(ev.c.call_date <= str(d1)[:10])
    with engine.connect() as conn:
        rows = conn.execute(query_.order_by(ev.c.call_date.desc(), ev.c.id.desc())).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=EVALUATION_COLUMNS)


def my_evaluation_items(engine: Engine, actor: Actor, evaluation_id: int) -> pd.DataFrame:
    """The item results of one of the actor's evaluations; another agent's evaluation is refused (audited)."""
    agent = my_agent_id(engine, actor)
    it = qa_item_scores
    cols = ["item_code", "section", "label", "result", "points", "max_points", "fatal", "comment"]
    ev = qa_evaluations
    with engine.connect() as conn:
        owner = conn.execute(select(ev.c.agent_id).where(ev.c.id == int(evaluation_id))).scalar()
    if owner is None or str(owner).strip() != agent:
        refuse(engine, actor, "me.view", f"evaluation {evaluation_id}")
    with engine.connect() as conn:
        rows = conn.execute(select(*(it.c[c] for c in cols)).where(it.c.evaluation_id == int(evaluation_id))
                            .order_by(it.c.item_code)).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)
