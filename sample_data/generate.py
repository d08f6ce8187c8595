"""Generate the sample exports in sample_data/ (deterministic: fixed seed).

    python sample_data/generate.py            # rewrites the .xlsx files next to this script
    python sample_data/generate.py --out DIR --month 2026-10 --seed 20261001

or, from Python::

    from sample_data.generate import generate
    paths = generate(Path("/tmp/x"), month="2026-10", seed=20261001)

The data is a synthetic month of a ~60-seat bank card hotline ("XX银行客服中心"). It is made by a small
discrete simulation: calls arrive with a weekday and intraday profile, each answered call goes to an
agent who is logged in, not on a break and free (longest-idle first, by skill), and the agents' daily
state summary and the state log are derived from the same simulation, so the files agree with each
other. See sample_data/README.md for what is in the files and the deliberate quirks.

Only numpy and openpyxl are needed.
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import re
import zipfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent

DEFAULT_MONTH = "2026-10"
DEFAULT_SEED = 20261001

# Calls per ordinary working day (Tue-Thu). Mondays, the day after a holiday, weekends and holidays are
# scaled from this. 1800 gives the ~60-seat team a realistic load for a voice-only hotline (see README:
# "Resulting numbers").
CALLS_PER_WEEKDAY = 1800

HOTLINE = "4008895558"
BANK = "XX银行客服中心"
DT_FMT = "yyyy-mm-dd hh:mm:ss"
D_FMT = "yyyy-mm-dd"

# ------------------------------------------------------------------------------------------------
# Calendar: the 2026 National Day holiday (国庆节 10-01..10-07, make-up working days 09-20 and 10-10).
# Other months just use Saturday/Sunday.
HOLIDAYS = {dt.date(2026, 10, d) for d in range(1, 8)}
MAKEUP_WORKDAYS = {dt.date(2026, 9, 20), dt.date(2026, 10, 10)}

# ------------------------------------------------------------------------------------------------
# People
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴孔汤")
GIVEN_F = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "慧", "晶", "倩", "琳", "颖", "悦", "婧", "璐",
           "秀英", "婷婷", "欣怡", "思琪", "雨萱", "佳怡", "晓燕", "丹丹", "海燕", "春梅", "文静", "梦瑶", "诗涵", "雅琪",
           "晓雯", "嘉欣", "冰冰", "玉洁", "月婷", "佳慧", "心怡", "晓萌", "紫薇", "美玲", "秋菊", "淑华", "亚楠"]
GIVEN_M = ["伟", "强", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "刚", "鹏", "浩", "斌", "宇", "博",
           "志强", "俊杰", "浩然", "子轩", "宇航", "晓东", "建华", "文博", "家豪", "明轩", "天宇", "振华", "一鸣"]

TEAMS = ["信用卡一组", "信用卡二组", "信用卡三组", "借记卡一组", "借记卡二组", "贵宾投诉组"]
AGENTS_PER_TEAM = 10

# ------------------------------------------------------------------------------------------------
# Queues (技能组) and business types (业务类型)
INBOUND_QUEUES = {  # share of inbound calls
    "信用卡服务": 0.57,
    "借记卡服务": 0.26,
    "贵宾专线": 0.09,
    "投诉受理": 0.08,
}
OUTBOUND_QUEUE = "外呼回访"
OUTBOUND_SHARE = 0.05  # of all rows

BUSINESS_BY_QUEUE = {
    "信用卡服务": {"账单查询": 0.22, "信用卡激活": 0.14, "分期业务": 0.13, "积分兑换": 0.10, "额度调整": 0.11,
                 "密码重置": 0.08, "信用卡挂失": 0.06, "其他咨询": 0.16},
    "借记卡服务": {"借记卡挂失": 0.17, "密码重置": 0.22, "转账汇款": 0.24, "账单查询": 0.12, "其他咨询": 0.25},
    "贵宾专线": {"额度调整": 0.25, "分期业务": 0.22, "账单查询": 0.15, "转账汇款": 0.13, "其他咨询": 0.25},
    "投诉受理": {"投诉处理": 0.92, "其他咨询": 0.08},
    "外呼回访": {"回访调查": 0.75, "分期业务": 0.25},
}
# median talk seconds by business type (lognormal)
TALK_MEDIAN = {"账单查询": 115, "信用卡激活": 150, "分期业务": 250, "积分兑换": 165, "额度调整": 215, "密码重置": 160,
               "信用卡挂失": 205, "借记卡挂失": 200, "转账汇款": 190, "其他咨询": 150, "投诉处理": 470, "回访调查": 105}

# skill priority by team: 2 = primary, 1 = overflow; missing = cannot take the queue
TEAM_SKILLS = {
    0: {"信用卡服务": 2, "借记卡服务": 1, "外呼回访": 1},
    1: {"信用卡服务": 2, "借记卡服务": 1, "外呼回访": 1},
    2: {"信用卡服务": 2, "借记卡服务": 1, "外呼回访": 1},
    3: {"借记卡服务": 2, "信用卡服务": 1, "外呼回访": 1},
    4: {"借记卡服务": 2, "信用卡服务": 1, "外呼回访": 1},
    5: {"贵宾专线": 2, "投诉受理": 2, "外呼回访": 2, "信用卡服务": 1},
}
# 贵宾专线 / 投诉受理 overflow to the senior agents of the other teams when team 6 is busy
SENIOR_EXTRA = {"贵宾专线": 1, "投诉受理": 1}

# ------------------------------------------------------------------------------------------------
# Shifts: (name, start hour, end hour). Manual service runs 07:30-22:00; calls outside 08:00-21:00
# are a trickle.
SHIFTS = [("A", 7.5, 16.0), ("B", 8.5, 17.0), ("C", 10.0, 18.5), ("D", 13.5, 22.0)]  # 8.5 h incl. the meal
SHIFT_MIX_WORKDAY = [0.14, 0.48, 0.18, 0.20]
SHIFT_MIX_OFFDAY = [0.16, 0.42, 0.17, 0.25]
MEAL_WINDOW = {"A": (11.0, 12.0), "B": (11.5, 13.0), "C": (12.5, 14.0), "D": (17.0, 18.25)}
OPEN_FROM, OPEN_TO = 7.5, 22.0

# arrivals per hour (relative), knots at the middle of each hour; 07:30-22:00
_HOUR_KNOTS = np.array([7.75, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5])
_HOUR_W = np.array([0.06, 0.42, 0.86, 1.00, 0.90, 0.62, 0.70, 0.88, 0.96, 0.84, 0.68, 0.50, 0.40, 0.26, 0.07])


def intraday_weight(hours: np.ndarray) -> np.ndarray:
    """Relative arrival rate at a time of day (hours, float); peaks ~10:00 and ~15:00."""
    w = np.interp(hours, _HOUR_KNOTS, _HOUR_W)
    w = np.where((hours < OPEN_FROM) | (hours >= OPEN_TO), 0.0, w)
    # the edges: a trickle before 08:00 and after 21:00
    w = np.where(hours < 8.0, np.minimum(w, 0.08), w)
    w = np.where(hours >= 21.0, np.minimum(w, 0.08), w)
    return w


_BIN_H = np.arange(OPEN_FROM, OPEN_TO, 0.25) + 0.125
_BIN_W = intraday_weight(_BIN_H)
_MEAN_OPEN_W = float(_BIN_W[(_BIN_H >= 8) & (_BIN_H < 21)].mean())


def rel_load(hours: float) -> float:
    return float(intraday_weight(np.array([hours]))[0]) / _MEAN_OPEN_W


# ------------------------------------------------------------------------------------------------
@dataclass
class Agent:
    idx: int
    agent_id: str
    name: str
    team: int
    hire: dt.date
    aht_mult: float
    acw_mean: float
    hold_p: float
    sat_p: float
    resolve_p: float
    rate_p: float  # survey response
    skills: dict[str, int]


@dataclass
class Shift:
    agent: Agent
    shift: str
    login: int  # seconds from day start
    planned_logout: int
    breaks: list[list] = field(default_factory=list)  # [planned_start, dur, kind, actual_start]
    next_break: int = 0
    free_at: int = 0
    logout: int = 0
    talk: int = 0
    hold: int = 0
    acw: int = 0
    events: list[tuple[int, str, int]] = field(default_factory=list)  # (start, state, seconds) busy spans


@dataclass
class DayPlan:
    date: dt.date
    kind: str  # workday / weekend / holiday
    volume: float
    abandon_base: float
    wait_mult: float
    outage: tuple[float, float] | None
    n_duty: int


def _pick(rng: np.random.Generator, d: dict[str, float]) -> str:
    keys = list(d)
    p = np.array([d[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def hms(seconds: int) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# ------------------------------------------------------------------------------------------------
def make_roster(rng: np.random.Generator, month_start: dt.date) -> tuple[list[Agent], list[str]]:
    used: set[str] = set()

    def name(female_p: float) -> str:
        while True:
            s = SURNAMES[int(rng.integers(len(SURNAMES)))]
            pool = GIVEN_F if rng.random() < female_p else GIVEN_M
            n = s + pool[int(rng.integers(len(pool)))]
            if n not in used:
                used.add(n)
                return n

    leads = [name(0.6) for _ in TEAMS]
    agents: list[Agent] = []
    hire_lo = dt.date(2019, 3, 1).toordinal()
    hire_hi = min(dt.date(2026, 9, 1), month_start - dt.timedelta(days=30)).toordinal()
    # three weaker agents (slow, less satisfied customers) and three strong ones, spread over the teams
    weak = {7, 23, 44}
    strong = {2, 31, 52}
    for t in range(len(TEAMS)):
        for k in range(AGENTS_PER_TEAM):
            i = t * AGENTS_PER_TEAM + k
            # team 6 (贵宾投诉组) is senior; newer hires elsewhere
            if t == 5:
                hire = dt.date.fromordinal(int(rng.integers(hire_lo, dt.date(2023, 6, 1).toordinal())))
            else:
                u = rng.random() ** 0.8
                hire = dt.date.fromordinal(int(hire_lo + u * (hire_hi - hire_lo)))
            tenure = (month_start - hire).days / 365.25
            aht = float(np.exp(rng.normal(0, 0.10))) * (1.20 if tenure < 0.5 else 1.09 if tenure < 1.0 else 1.0)
            sat = float(np.clip(rng.normal(0.90, 0.03), 0.82, 0.96))
            res = float(np.clip(rng.normal(0.91, 0.025), 0.84, 0.97))
            if i in weak:
                aht *= 1.28
                sat, res = 0.72, 0.80
            if i in strong:
                aht *= 0.86
                sat, res = 0.97, 0.96
            skills = dict(TEAM_SKILLS[t])
            if t != 5 and tenure >= 3.0:
                for q, p in SENIOR_EXTRA.items():
                    skills.setdefault(q, p)
            agents.append(Agent(
                idx=i, agent_id=f"{t + 1:02d}{k + 1:02d}", name=name(0.78), team=t, hire=hire,
                aht_mult=aht, acw_mean=float(rng.uniform(20, 40)), hold_p=float(rng.uniform(0.10, 0.21)),
                sat_p=sat, resolve_p=res, rate_p=float(np.clip(rng.normal(0.40, 0.05), 0.28, 0.52)),
                skills=skills,
            ))
    return agents, leads


def plan_days(month: str) -> list[DayPlan]:
    y, m = (int(x) for x in month.split("-"))
    ndays = calendar.monthrange(y, m)[1]
    days = [dt.date(y, m, d) for d in range(1, ndays + 1)]

    def kind(d: dt.date) -> str:
        if d in HOLIDAYS:
            return "holiday"
        if d in MAKEUP_WORKDAYS or d.weekday() < 5:
            return "workday"
        return "weekend"

    # the outage: first Tuesday on/after the 15th, 09:05-12:10 (core system slow, calls pile up)
    outage_day = next(d for d in days if d.day >= 15 and d.weekday() == 1)
    plans = []
    prev_kind = kind(days[0] - dt.timedelta(days=1))
    first_monday_done = False
    for d in days:
        k = kind(d)
        vol, ab, wm, n = 1.0, 0.052, 1.0, 42
        if k == "workday":
            if d.weekday() == 0:
                vol, ab, wm = 1.18, 0.080, 1.5
                if not first_monday_done and d.day > 7:
                    vol, ab, wm = 1.26, 0.115, 2.0  # the first full-week Monday after the holiday
                    first_monday_done = True
            elif d.weekday() == 4:
                vol = 1.05
            elif d.weekday() == 5:  # make-up working Saturday
                vol, n = 0.92, 40
            if prev_kind == "holiday":  # first working day after the holiday: the peak of the month
                vol, ab, wm, n = 1.38, 0.150, 2.6, 46
            n += int(round((vol - 1.0) * 10))
        elif k == "weekend":
            vol, ab, wm, n = (0.62 if d.weekday() == 5 else 0.55), 0.045, 0.9, 26
        else:  # holiday
            vol, ab, wm, n = (0.50 if prev_kind != "holiday" else 0.60), 0.048, 0.9, 24
        outage = (9 + 5 / 60, 12 + 10 / 60) if d == outage_day else None
        plans.append(DayPlan(d, k, vol, ab, wm, outage, n))
        prev_kind = k
    return plans


def plan_duty(rng: np.random.Generator, agents: list[Agent], plans: list[DayPlan]) -> list[list[Shift]]:
    """Who works which shift each day: a fair rotation, no more than 6 days in a row."""
    n = len(agents)
    worked = np.zeros(n)
    streak = np.zeros(n, dtype=int)
    out: list[list[Shift]] = []
    for p in plans:
        score = worked + rng.uniform(0, 2.5, n) + np.where(streak >= 6, 1e6, 0) + np.where(streak >= 5, 1.5, 0)
        on = np.sort(np.argsort(score)[: p.n_duty])
        mix = SHIFT_MIX_WORKDAY if p.kind == "workday" else SHIFT_MIX_OFFDAY
        counts = np.floor(np.array(mix) * len(on)).astype(int)
        counts[1] += len(on) - counts.sum()
        counts = np.maximum(counts, 2)
        counts[1] = len(on) - counts[[0, 2, 3]].sum()
        shift_of = np.repeat(np.arange(4), counts)
        rng.shuffle(shift_of)
        training_team = p.date.weekday() if p.kind == "workday" and p.date.weekday() < 5 else None
        shifts = []
        for ai, si in zip(on, shift_of):
            a = agents[int(ai)]
            sname, h0, h1 = SHIFTS[int(si)]
            login = int(h0 * 3600 - rng.integers(60, 600))
            planned_logout = int(h1 * 3600)
            sh = Shift(a, sname, login, planned_logout, free_at=login)
            # meal 30-60 min inside the shift's window, two short breaks, sometimes a third
            m0, m1 = MEAL_WINDOW[sname]
            sh.breaks.append([int(rng.uniform(m0, m1) * 3600), int(rng.integers(30, 61) * 60 - rng.integers(0, 90)), "就餐", 0])
            sh.breaks.append([int((h0 + rng.uniform(1.6, 2.6)) * 3600), int(rng.integers(8, 16) * 60 + rng.integers(0, 60)), "小休", 0])
            sh.breaks.append([int((h1 - rng.uniform(1.5, 2.5)) * 3600), int(rng.integers(8, 16) * 60 + rng.integers(0, 60)), "小休", 0])
            if rng.random() < 0.35:
                sh.breaks.append([int(rng.uniform(h0 + 1, h1 - 1) * 3600), int(rng.integers(3, 9) * 60 + rng.integers(0, 60)), "小休", 0])
            # weekly team training (Mon: team 1 ... Fri: team 5; team 6 on Monday too), 13:30, 60 min
            if training_team is not None and (a.team == training_team or (a.team == 5 and training_team == 0)):
                if h0 <= 13.0 and h1 >= 15.0:
                    sh.breaks.append([int(13.5 * 3600), 3600 - int(rng.integers(0, 120)), "培训", 0])
            sh.breaks.sort(key=lambda b: b[0])
            shifts.append(sh)
        worked[on] += 1
        streak = np.where(np.isin(np.arange(n), on), streak + 1, 0)
        out.append(shifts)
    return out


# ------------------------------------------------------------------------------------------------
class Numbers:
    """Caller numbers: new ones, and repeats of numbers seen in the last 48 hours."""

    MOBILE_PREFIX = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                     "157", "158", "159", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188",
                     "189", "191", "199"]
    LANDLINE = [("010-", 8, "6"), ("021-", 8, "5"), ("0755-", 8, "8"), ("020", 8, "8"), ("0571-", 8, "8"),
                ("028", 8, "8"), ("025-", 8, "5")]

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.seen: set[str] = set()
        self.recent: deque = deque()  # (t, number, weight, queue, btype)

    def new(self) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.07:
                prefix, n, first = self.LANDLINE[int(rng.integers(len(self.LANDLINE)))]
                num = prefix + first + "".join(str(x) for x in rng.integers(0, 10, n - 1))
            else:
                num = self.MOBILE_PREFIX[int(rng.integers(len(self.MOBILE_PREFIX)))] + "".join(
                    str(x) for x in rng.integers(0, 10, 8))
            if num not in self.seen:
                self.seen.add(num)
                return num

    def repeat(self, t: int) -> tuple[str, str, str] | None:
        while self.recent and self.recent[0][0] < t - 48 * 3600:
            self.recent.popleft()
        if not self.recent:
            return None
        ts = np.fromiter((r[0] for r in self.recent), dtype=np.int64)
        w = np.fromiter((r[2] for r in self.recent), dtype=float) * np.exp(-(t - ts) / (10 * 3600))
        r = self.recent[int(self.rng.choice(len(self.recent), p=w / w.sum()))]
        return r[1], r[3], r[4]

    def remember(self, t: int, number: str, weight: float, queue: str, btype: str) -> None:
        self.recent.append((t, number, weight, queue, btype))


def _process_breaks(sh: Shift, t: int) -> None:
    while sh.next_break < len(sh.breaks) and sh.breaks[sh.next_break][0] <= t:
        b = sh.breaks[sh.next_break]
        start = max(b[0], sh.free_at)
        if start < sh.planned_logout:
            b[3] = start
            sh.free_at = start + b[1]
            sh.events.append((start, b[2], b[1]))
        else:
            b[1] = 0
        sh.next_break += 1


def _choose_agent(shifts: list[Shift], queue: str, t: int, rng: np.random.Generator) -> Shift | None:
    best, best_key = None, None
    for sh in shifts:
        prio = sh.agent.skills.get(queue)
        if not prio or t < sh.login or t >= sh.planned_logout - 60:
            continue
        _process_breaks(sh, t)
        if sh.free_at > t:
            continue
        key = (prio, t - sh.free_at + rng.uniform(0, 90))  # longest idle first, a little noise
        if best_key is None or key > best_key:
            best, best_key = sh, key
    return best


def _earliest_free(shifts: list[Shift], queue: str, t: int) -> int | None:
    cands = []
    for sh in shifts:
        if sh.agent.skills.get(queue) and sh.login <= t < sh.planned_logout - 60:
            _process_breaks(sh, t)
            cands.append(sh.free_at)
    return min(cands) if cands else None


def simulate(month: str, seed: int, calls_per_weekday: int = CALLS_PER_WEEKDAY) -> dict:
    rng = np.random.default_rng(seed)
    y, m = (int(x) for x in month.split("-"))
    month_start = dt.date(y, m, 1)
    agents, leads = make_roster(rng, month_start)
    plans = plan_days(month)
    duty = plan_duty(rng, agents, plans)
    numbers = Numbers(rng)

    calls: list[dict] = []
    summaries: list[dict] = []
    day_shifts: dict[dt.date, list[Shift]] = {}
    for p, shifts in zip(plans, duty):
        day0 = dt.datetime.combine(p.date, dt.time())
        day_off = (p.date - month_start).days * 86400  # seconds from month start, for the 48 h memory
        n_in = int(rng.poisson(calls_per_weekday * p.volume * (1 - OUTBOUND_SHARE)))
        n_out = int(rng.poisson(calls_per_weekday * p.volume * OUTBOUND_SHARE))
        # inbound arrival times from the 15-minute profile
        w = _BIN_W.copy()
        if p.kind != "workday":  # off days start later and are flatter
            w = np.interp(_BIN_H - 0.5, _BIN_H, _BIN_W) ** 0.8
        bins = rng.choice(len(_BIN_H), size=n_in, p=w / w.sum())
        t_in = ((_BIN_H[bins] - 0.125) * 3600 + rng.uniform(0, 900, n_in)).astype(int)
        # outbound (回访) dialled in the quieter hours
        ob_h = np.array([9.0, 11.0, 13.25, 16.5, 17.5, 18.5, 19.5])
        ob_w = np.array([0.5, 1.0, 1.2, 1.0, 1.2, 1.0, 0.6])
        ob_bins = rng.choice(len(ob_h), size=n_out, p=ob_w / ob_w.sum())
        t_out = ((ob_h[ob_bins] + rng.uniform(0, 1.0, n_out)) * 3600).astype(int)
        events = sorted([(int(t), "in") for t in t_in] + [(int(t), "out") for t in t_out])

        for t, direction in events:
            c = _one_call(rng, p, shifts, numbers, t, direction, day_off)
            if c is None:
                continue
            c["start"] = day0 + dt.timedelta(seconds=c.pop("t"))
            if c["answer_s"] is not None:
                c["answer"] = day0 + dt.timedelta(seconds=c["answer_s"])
            c["end"] = day0 + dt.timedelta(seconds=c.pop("end_s"))
            calls.append(c)

        # close the day: remaining breaks, logout
        for sh in shifts:
            _process_breaks(sh, sh.planned_logout)
            sh.logout = max(sh.planned_logout + int(rng.integers(0, 600)), sh.free_at + int(rng.integers(5, 90)))
            breaks = {"小休": 0, "就餐": 0, "培训": 0}
            for b in sh.breaks:
                if b[1]:
                    breaks[b[2]] += b[1]
            login_s = sh.logout - sh.login
            idle = login_s - sh.talk - sh.hold - sh.acw - sum(breaks.values())
            assert idle >= 0, (p.date, sh.agent.agent_id, idle)
            summaries.append({
                "date": p.date, "agent_id": sh.agent.agent_id, "name": sh.agent.name, "login_s": login_s,
                "idle_s": idle, "rest_s": breaks["小休"], "meal_s": breaks["就餐"], "train_s": breaks["培训"],
                "talk_s": sh.talk, "acw_s": sh.acw, "hold_s": sh.hold, "shift": sh.shift,
            })
        day_shifts[p.date] = shifts

    # call ids: date + per-day sequence in start order
    seq: dict[dt.date, int] = {}
    for c in calls:
        d = c["start"].date()
        seq[d] = seq.get(d, 0) + 1
        c["call_id"] = f"{d:%Y%m%d}{seq[d]:06d}"
        c["recording"] = f"REC{c['call_id']}" if c["answer_s"] is not None else None
    summaries.sort(key=lambda r: (r["date"], r["agent_id"]))
    return {"agents": agents, "leads": leads, "plans": plans, "calls": calls, "summaries": summaries,
            "day_shifts": day_shifts}


def _one_call(rng, p: DayPlan, shifts: list[Shift], numbers: Numbers, t: int, direction: str, day_off: int):
    hours = t / 3600
    load = rel_load(hours) if direction == "in" else 1.0
    in_outage = p.outage is not None and p.outage[0] <= hours < p.outage[1]

    if direction == "out":
        queue = OUTBOUND_QUEUE
        btype = _pick(rng, BUSINESS_BY_QUEUE[queue])
        sh = _choose_agent(shifts, queue, t, rng)
        if sh is None:
            t2 = _earliest_free(shifts, queue, t)
            if t2 is None:
                return None
            t = t2
            sh = _choose_agent(shifts, queue, t, rng)
            if sh is None:
                return None
        customer = numbers.new()
        ring = int(rng.integers(6, 26))
        return _answered(rng, p, sh, t, 0, ring, queue, btype, "外呼", HOTLINE, customer, False, numbers, day_off)

    # inbound: which caller, which queue and business type
    rep = numbers.repeat(day_off + t) if rng.random() < 0.095 else None
    if rep is not None:
        caller, queue, btype = rep
        if rng.random() > 0.7:
            btype = _pick(rng, BUSINESS_BY_QUEUE[queue])
    else:
        caller = numbers.new()
        queue = _pick(rng, INBOUND_QUEUES)
        btype = _pick(rng, BUSINESS_BY_QUEUE[queue])

    p_ab = p.abandon_base * (0.55 + 0.45 * load ** 2)
    wait_mult = p.wait_mult * load ** 1.5
    if in_outage:
        p_ab, wait_mult = 0.70, 7.0
    if queue == "贵宾专线":
        p_ab, wait_mult = p_ab * 0.4, wait_mult * 0.4
    abandoned = rng.random() < min(p_ab, 0.9)

    if not abandoned:
        # a good share is answered at once, the rest waits exponentially (longer at peaks / bad days)
        if rng.random() < float(np.clip(0.62 - 0.22 * (wait_mult - 1), 0.08, 0.70)):
            wait = int(rng.integers(0, 5))
        else:
            wait = int(rng.exponential(34 * wait_mult ** 0.8))
        ring = int(rng.integers(2, 8))
        sh = _choose_agent(shifts, queue, t + wait, rng)
        if sh is None:  # nobody free: the caller waits for the first agent to become free
            t2 = _earliest_free(shifts, queue, t + wait)
            if t2 is not None and t2 - t < 600:
                wait = t2 - t + int(rng.integers(0, 5))
                sh = _choose_agent(shifts, queue, t + wait, rng)
        if sh is not None and rng.random() < 0.012:  # rang at the agent, caller hung up
            ring = int(rng.integers(10, 26))
            c = _abandoned(t, wait, ring, queue, btype, caller, "振铃放弃")
            c["agent"] = sh.agent
            numbers.remember(day_off + t, caller, 4.0, queue, btype)
            return c
        if sh is not None:
            return _answered(rng, p, sh, t + wait, wait, ring, queue, btype, "呼入", caller, HOTLINE,
                             in_outage, numbers, day_off, t_arrival=t)
    # abandoned in the queue
    if rng.random() < 0.13:
        wait = int(rng.integers(1, 7))  # 速挂: hangs up at once
    else:
        wait = int(rng.exponential(32 * max(1.0, wait_mult) ** 0.5)) + 3
    numbers.remember(day_off + t, caller, 4.0, queue, btype)
    return _abandoned(t, wait, 0, queue, btype, caller, "放弃")


def _abandoned(t, wait, ring, queue, btype, caller, result) -> dict:
    return {"t": t, "direction": "呼入", "caller": caller, "callee": HOTLINE, "queue": queue, "agent": None,
            "btype": btype, "answer_s": None, "end_s": t + wait + ring, "wait": wait, "ring": ring, "talk": 0,
            "hold": 0, "acw": 0, "result": result, "transferred": "否", "hangup": "客户", "resolved": None,
            "csat": None}


def _answered(rng, p, sh: Shift, t_ring, wait, ring, queue, btype, direction, caller, callee, in_outage,
              numbers: Numbers, day_off, t_arrival=None) -> dict:
    a = sh.agent
    t0 = t_ring if t_arrival is None else t_arrival
    answer = t_ring + ring
    transferred = direction == "呼入" and rng.random() < (0.035 if btype != "投诉处理" else 0.09)
    med = TALK_MEDIAN[btype] * a.aht_mult * (1.3 if in_outage else 1.0) * (1.3 if transferred else 1.0)
    talk = int(np.clip(rng.lognormal(np.log(med), 0.55), 12, 3600))
    hold = 0
    if rng.random() < a.hold_p * (1.6 if btype == "投诉处理" else 1.0):
        hold = int(np.clip(rng.lognormal(np.log(40), 0.6), 5, 600))
    acw_m = a.acw_mean * (1.7 if btype == "投诉处理" else 1.0)
    acw = int(np.clip(rng.gamma(4.0, acw_m / 4.0), 10, 120 if btype == "投诉处理" else 60))
    end = answer + talk + hold
    sh.events.append((answer, "通话", talk + hold))
    sh.events.append((end, "话后", acw))
    sh.free_at = end + acw
    sh.talk += talk
    sh.hold += hold
    sh.acw += acw

    resolved = csat = None
    if direction == "呼入":
        rp = a.resolve_p - (0.25 if btype == "投诉处理" else 0) - (0.10 if transferred else 0)
        resolved = "是" if rng.random() < rp else "否"
        if rng.random() < a.rate_p:
            sp = a.sat_p - (0.22 if btype == "投诉处理" else 0) - (0.30 if resolved == "否" else 0) \
                - (0.08 if wait > 60 else 0) - (0.05 if transferred else 0)
            u = rng.random()
            if u < sp:
                csat = "满意"
            else:
                csat = "一般" if rng.random() < (0.62 if resolved == "是" else 0.4) else "不满意"
        weight = 3.0 if resolved == "否" else (1.5 if btype == "投诉处理" else 1.0)
        numbers.remember(day_off + t0, caller, weight, queue, btype)
    else:
        resolved = "是"
    hangup = "坐席" if rng.random() < (0.24 if direction == "呼入" else 0.55) else "客户"
    return {"t": t0, "direction": direction, "caller": caller, "callee": callee, "queue": queue, "agent": a,
            "btype": btype, "answer_s": answer, "end_s": end, "wait": wait, "ring": ring, "talk": talk,
            "hold": hold, "acw": acw, "result": "接通", "transferred": "是" if transferred else "否",
            "hangup": hangup, "resolved": resolved, "csat": csat}


# ------------------------------------------------------------------------------------------------
# Writing

CALL_HEADERS = ["通话ID", "呼叫类型", "主叫号码", "被叫号码", "技能组", "坐席工号", "坐席姓名", "业务类型", "来电时间",
                "接听时间", "挂机时间", "排队时长(秒)", "振铃时长(秒)", "通话时长", "保持时长(秒)", "话后处理时长(秒)",
                "呼叫结果", "是否转接", "挂机方", "是否解决", "满意度", "录音编号"]
ROSTER_HEADERS = ["工号", "姓名", "班组", "班组长", "入职日期"]
STATE_HEADERS = ["日期", "工号", "姓名", "签入时长", "空闲时长(秒)", "小休时长(秒)", "就餐时长(秒)", "培训时长(秒)",
                 "总通话时长(秒)", "话后处理时长(秒)"]
LOG_HEADERS = ["日期时间", "坐席工号", "坐席姓名", "状态", "状态持续时长(秒)"]


def _style_header(ws, row: int, n: int, widths: list[int]) -> None:
    bold = Font(bold=True)
    for j in range(1, n + 1):
        c = ws.cell(row=row, column=j)
        c.font = bold
        c.alignment = Alignment(horizontal="center")
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _set_formats(ws, first_row: int, last_row: int, fmt_by_col: dict[int, str]) -> None:
    for row in ws.iter_rows(min_row=first_row, max_row=last_row):
        for j, fmt in fmt_by_col.items():
            row[j - 1].number_format = fmt


EXPORT_STAMP = dt.datetime(2026, 11, 1, 8, 0, 3)


def _save(wb: Workbook, path: Path) -> Path:
    wb.properties.creator = "ccdash sample generator"
    wb.properties.created = EXPORT_STAMP
    wb.save(path)
    normalize_zip(path, EXPORT_STAMP)
    return path


def normalize_zip(path: Path, stamp: dt.datetime) -> None:
    """Make the file byte-for-byte reproducible and smaller: fixed zip entry times, a fixed
    dcterms:modified (openpyxl stamps "now"), maximum deflate level."""
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + iso + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=9)
    tmp.replace(path)


def write_calls(path: Path, sim: dict, month: str) -> Path:
    y, m = (int(x) for x in month.split("-"))
    first = dt.date(y, m, 1)
    last = dt.date(y, m, calendar.monthrange(y, m)[1])
    exported = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(8, 0, 3))
    wb = Workbook()
    ws = wb.active
    ws.title = "呼入明细"
    ws.append([f"{BANK} 呼入明细报表 {first:%Y-%m-%d} 至 {last:%Y-%m-%d}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(CALL_HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"导出时间: {exported:%Y-%m-%d %H:%M:%S}"])
    ws.append([])
    ws.append(CALL_HEADERS)
    _style_header(ws, 4, len(CALL_HEADERS), [16, 8, 14, 12, 11, 8, 8, 11, 19, 19, 19, 8, 8, 9, 8, 10, 9, 8, 7, 8, 7, 20])
    tot = {"wait": 0, "ring": 0, "talk": 0, "hold": 0, "acw": 0}
    for c in sim["calls"]:
        a = c["agent"]
        ws.append([c["call_id"], c["direction"], c["caller"], c["callee"], c["queue"],
                   a.agent_id if a else None, a.name if a else None, c["btype"], c["start"], c.get("answer"),
                   c["end"], c["wait"], c["ring"], hms(c["talk"]), c["hold"], c["acw"], c["result"],
                   c["transferred"], c["hangup"], c["resolved"], c["csat"], c["recording"]])
        for k in tot:
            tot[k] += c[k]
    n = len(sim["calls"])
    ws.append(["合计", None, None, None, None, None, None, None, None, None, None, tot["wait"], tot["ring"],
               hms(tot["talk"]), tot["hold"], tot["acw"], None, None, None, None, None, None])
    text = {1: "@", 3: "@", 4: "@", 6: "@", 14: "@", 22: "@"}
    _set_formats(ws, 5, 4 + n, {**text, 9: DT_FMT, 10: DT_FMT, 11: DT_FMT})
    ws.freeze_panes = "A5"
    return _save(wb, path)


def write_roster(path: Path, sim: dict) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "人员名单"
    ws.append(ROSTER_HEADERS)
    _style_header(ws, 1, len(ROSTER_HEADERS), [8, 10, 13, 10, 12])
    for a in sim["agents"]:
        ws.append([a.agent_id, a.name, TEAMS[a.team], sim["leads"][a.team], a.hire])
    _set_formats(ws, 2, 1 + len(sim["agents"]), {1: "@", 5: D_FMT})
    ws.freeze_panes = "A2"
    return _save(wb, path)


def write_agent_states(path: Path, sim: dict) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "坐席工作统计"
    ws.append(STATE_HEADERS)
    _style_header(ws, 1, len(STATE_HEADERS), [12, 8, 10, 10, 12, 12, 12, 12, 14, 16])
    for r in sim["summaries"]:
        ws.append([r["date"], r["agent_id"], r["name"], hms(r["login_s"]), r["idle_s"], r["rest_s"], r["meal_s"],
                   r["train_s"], r["talk_s"], r["acw_s"]])
    _set_formats(ws, 2, 1 + len(sim["summaries"]), {1: D_FMT, 2: "@", 4: "@"})
    ws.freeze_panes = "A2"
    return _save(wb, path)


def state_log_rows(sim: dict, day: dt.date, n_agents: int = 10) -> list[list]:
    """A state log (签入 / 空闲 / 通话 / 话后 / 小休 / 就餐 / 培训 / 签出) for the first n agents on duty."""
    shifts = sorted(sim["day_shifts"][day], key=lambda s: s.agent.agent_id)[:n_agents]
    day0 = dt.datetime.combine(day, dt.time())
    rows = []
    for sh in shifts:
        spans = sorted((s, st, d) for s, st, d in sh.events if d > 0)
        a = sh.agent
        rows.append((sh.login, a, "签入", 0))
        cur = sh.login
        for s, st, d in spans:
            if s > cur:
                rows.append((cur, a, "空闲", s - cur))
            rows.append((s, a, st, d))
            cur = s + d
        if sh.logout > cur:
            rows.append((cur, a, "空闲", sh.logout - cur))
        rows.append((sh.logout, a, "签出", 0))
    rows.sort(key=lambda r: (r[0], r[1].agent_id))
    return [[day0 + dt.timedelta(seconds=s), a.agent_id, a.name, st, d] for s, a, st, d in rows]


def write_state_log(path: Path, sim: dict, day: dt.date) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "坐席状态明细"
    ws.append(LOG_HEADERS)
    _style_header(ws, 1, len(LOG_HEADERS), [20, 10, 10, 8, 16])
    rows = state_log_rows(sim, day)
    for r in rows:
        ws.append(r)
    _set_formats(ws, 2, 1 + len(rows), {1: DT_FMT, 2: "@"})
    ws.freeze_panes = "A2"
    return _save(wb, path)


def generate(out_dir: Path, *, month: str = DEFAULT_MONTH, seed: int = DEFAULT_SEED,
             calls_per_weekday: int = CALLS_PER_WEEKDAY) -> dict[str, Path]:
    """Simulate the month and write calls / agent_states / roster / agent_state_log .xlsx into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = simulate(month, seed, calls_per_weekday)
    # the state-log example: the second Wednesday of the month (an ordinary working day)
    log_day = [p.date for p in sim["plans"] if p.kind == "workday" and p.date.weekday() == 2][1]
    return {
        "calls": write_calls(out_dir / "calls.xlsx", sim, month),
        "agent_states": write_agent_states(out_dir / "agent_states.xlsx", sim),
        "roster": write_roster(out_dir / "roster.xlsx", sim),
        "agent_state_log": write_state_log(out_dir / "agent_state_log.xlsx", sim, log_day),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--month", default=DEFAULT_MONTH)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--calls-per-weekday", type=int, default=CALLS_PER_WEEKDAY)
    args = ap.parse_args(argv)
    paths = generate(args.out, month=args.month, seed=args.seed, calls_per_weekday=args.calls_per_weekday)
    for kind, pth in paths.items():
        print(f"{kind:16s} {pth}  {pth.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
