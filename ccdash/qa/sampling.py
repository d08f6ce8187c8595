"""Drawing recordings for scoring, assigning them to inspectors, and the inspectors' queues.

The draws are pure functions over the frame of :func:`ccdash.qa.recordings.list_recordings`:

* :func:`draw_random` — N recordings per agent, spread evenly over the period (one per equal time slice),
  so a week's sample is not five calls from Monday morning;
* :func:`draw_targeted` — recordings worth a look: the longest, the dissatisfied, the repeat callers (the
  call that did not settle the matter, i.e. the earlier one), the transferred.

The draws are stored in ``qa_samples`` (:func:`save_sample`). A recording is sampled once for regular
scoring; a calibration sample (:func:`calibration_sample`) gives the same recording to several inspectors.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from ccdash import audit
from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import LIST_SEP, in_each_lang, register
from ccdash.ingest.csat import DISSATISFIED_MAX
from ccdash.qa.recordings import recordings_by_id
from ccdash.store.db import bulk_insert, day_text, now_text
from ccdash.store.schema import qa_evaluations, qa_samples

MESSAGES = {
    "qa.sample_twice": {
        "zh": "{count} 条录音已抽检过（如 {ids}），同一录音只做一次常规质检；如需多名质检员评同一录音，请用校准抽样。",
        "en": "{count} recordings were already sampled (e.g. {ids}); a recording is scored once in regular QA — to "
              "have several inspectors score the same recording, use a calibration sample.",
    },
    "qa.sample_rule": {
        "zh": "未知的定向抽样规则“{rule}”；可用：{rules}。",
        "en": "Unknown targeted sampling rule “{rule}”; use one of: {rules}.",
    },
    "qa.sample_purpose": {
        "zh": "未知的抽样用途“{purpose}”；可用：regular（常规）、calibration（校准）。",
        "en": "Unknown sample purpose “{purpose}”; use regular or calibration.",
    },
    "qa.sample_per_agent": {
        "zh": "每名坐席抽取的录音数须为非负整数（现为 {value}）。",
        "en": "The number of recordings per agent must be a whole number, 0 or more (got {value}).",
    },
    "qa.no_inspectors": {
        "zh": "请至少选择一名质检员。", "en": "Choose at least one inspector.",
    },
    "qa.calibration_inspectors": {
        "zh": "校准需要至少两名质检员评同一批录音（现为 {count} 名）。",
        "en": "Calibration needs at least two inspectors scoring the same recordings (got {count}).",
    },
}
register(MESSAGES)

RULES = ("long", "low_csat", "repeat", "transferred")
PURPOSES = ("regular", "calibration")
PICK_COLUMNS = ["recording_id", "agent_id", "reason"]
REPEAT_WINDOW = pd.Timedelta(hours=24)


def _day(value) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(day_text(value))


def _picks(frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    out = pd.DataFrame({"recording_id": frame["recording_id"].astype("string"),
                        "agent_id": frame["agent_id"].astype("string")})
    out["reason"] = pd.Series(reason, index=out.index, dtype="string")
    return out.reset_index(drop=True)


def _candidates(recs: pd.DataFrame, exclude: Iterable[str]) -> pd.DataFrame:
    """Recordings not excluded, with an id, ordered by time (stable, so a seed always gives the same draw)."""
    excluded = set(map(str, exclude))
    out = recs[recs["recording_id"].notna() & ~recs["recording_id"].astype("string").isin(excluded)]
    return out.sort_values(["start_time", "recording_id"], kind="stable")


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator for one agent/rule: the same seed gives the same draw, whatever else is in the frame."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *(zlib.crc32(k.encode("utf-8")) for k in keys)])


def draw_random(recs: pd.DataFrame, *, per_agent: int, d0, d1, seed: int, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """``per_agent`` recordings per agent dated ``d0``..``d1``, spread evenly over the period.

    The period is cut into ``per_agent`` equal time slices and one recording is drawn (seeded) from each of
    the agent's slices; a slice where the agent has no recording left is made up from the agent's remaining
    recordings. An agent with fewer recordings than ``per_agent`` gives all of them. Excluded ids (e.g.
    :func:`already_sampled`) are never drawn. Returns recording_id, agent_id, reason = "random"."""
    if not isinstance(per_agent, (int, np.integer)) or isinstance(per_agent, bool) or per_agent < 0:
        raise CcdashError("qa.sample_per_agent", value=per_agent)
    if per_agent == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in PICK_COLUMNS})
    day0, day1 = _day(d0), _day(d1)
    start = pd.Timestamp(day0)
    length = pd.Timestamp(day1 + dt.timedelta(days=1)) - start
    cand = _candidates(recs, exclude)
    cand = cand[cand["agent_id"].notna() & cand["agent_id"].astype("string").str.strip().ne("")
                & cand["start_time"].ge(start) & cand["start_time"].lt(start + length)]
    chosen: list[pd.DataFrame] = []
    for agent, own in cand.groupby("agent_id", sort=True):
        if len(own) <= per_agent:
            chosen.append(own)
            continue
        rng = _rng(seed, "random", str(agent))
        slot = ((own["start_time"] - start) / length * per_agent).astype("int64").clip(0, per_agent - 1)
        taken: list[int] = []
        empty = 0
        for k in range(per_agent):
            pool = np.flatnonzero(slot.to_numpy() == k)
            if len(pool):
                taken.append(int(rng.choice(pool)))
            else:
                empty += 1
        if empty:
            rest = np.setdiff1d(np.arange(len(own)), taken)
            taken += rng.choice(rest, size=empty, replace=False).tolist()
        chosen.append(own.iloc[sorted(taken)])
    if not chosen:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in PICK_COLUMNS})
    out = pd.concat(chosen)
    return _picks(out.sort_values(["agent_id", "start_time", "recording_id"], kind="stable"), "random")


def draw_weekly(recs: pd.DataFrame, *, per_agent: int, d0, d1, seed: int, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """``per_agent`` recordings per agent **per week** over ``d0``..``d1``: the period is cut at Mondays and
    :func:`draw_random` draws each week (or part of a week at either end) on its own, so a month's sample
    has every week in it. Returns recording_id, agent_id, reason = "random"."""
    day0, day1 = _day(d0), _day(d1)
    parts, start = [], day0
    while start <= day1:
        end = min(day1, start + dt.timedelta(days=6 - start.weekday()))
        parts.append(draw_random(recs, per_agent=per_agent, d0=start, d1=end, seed=seed, exclude=exclude))
        start = end + dt.timedelta(days=1)
    return pd.concat(parts, ignore_index=True) if parts else draw_random(recs, per_agent=0, d0=d0, d1=d1, seed=seed)


def _repeat_flags(frame: pd.DataFrame) -> pd.Series:
    """True for a recording whose caller (``caller_hash``) called again within 24 h after it."""
    flags = pd.Series(False, index=frame.index)
    known = frame[frame["caller_hash"].notna() & frame["caller_hash"].astype("string").str.strip().ne("")
                  & frame["start_time"].notna()]
    for _caller, calls in known.groupby("caller_hash", sort=False):
        if len(calls) < 2:
            continue
        times = calls["start_time"].sort_values(kind="stable")
        following = times.shift(-1)  # the caller's next call after this one
        gap = following - times
        flags.loc[times.index] = (gap.gt(pd.Timedelta(0)) & gap.le(REPEAT_WINDOW)).fillna(False).to_numpy()
    return flags


def draw_targeted(recs: pd.DataFrame, *, rule: str, n: int, exclude: Iterable[str] = (), seed: int = 0) -> pd.DataFrame:
    """Up to ``n`` recordings picked by ``rule`` (reason = the rule):

    * ``long`` — the ``n`` longest (``duration_s``, else ``talk_s``), longest first;
    * ``low_csat`` — satisfaction ≤ :data:`ccdash.ingest.csat.DISSATISFIED_MAX` (the lowest first, a seeded
      draw among equal scores);
    * ``repeat`` — the caller called again within 24 h: the earlier call, which did not settle the matter;
    * ``transferred`` — transferred calls.
    For ``repeat`` and ``transferred`` a seeded draw picks ``n`` when more qualify. Excluded ids are never
    picked, but they still count as the "called again" call of a repeat."""
    if rule not in RULES:
        raise CcdashError("qa.sample_rule", rule=rule, rules=", ".join(RULES))
    if n <= 0 or recs.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in PICK_COLUMNS})
    ordered = recs.sort_values(["start_time", "recording_id"], kind="stable")
    cand = _candidates(ordered, exclude)
    rng = _rng(seed, "targeted", rule)
    if rule == "long":
        length = cand["duration_s"].fillna(cand["talk_s"]) if "talk_s" in cand else cand["duration_s"]
        cand = cand.assign(_len=length)[length.notna()]
        picked = cand.sort_values(["_len", "start_time"], ascending=[False, True], kind="stable").head(n)
        return _picks(picked, rule)
    if rule == "low_csat":
        low = cand[cand["csat"].le(DISSATISFIED_MAX).fillna(False)]
        tiebreak = rng.permutation(len(low))
        picked = low.assign(_tie=tiebreak).sort_values(["csat", "_tie"], kind="stable").head(n)
        return _picks(picked.sort_values(["start_time", "recording_id"], kind="stable"), rule)
    if rule == "repeat":
        qualify = cand[_repeat_flags(ordered).reindex(cand.index).fillna(False).astype(bool)]
    else:  # transferred
        qualify = cand[cand["transferred"].eq(1).fillna(False).astype(bool)]
    if len(qualify) > n:
        qualify = qualify.iloc[np.sort(rng.choice(len(qualify), size=n, replace=False))]
    return _picks(qualify, rule)


def assign(picks: pd.DataFrame, inspectors: Sequence[str]) -> pd.DataFrame:
    """The picks with an ``inspector`` column: round robin over the picks ordered by agent (and time, when
    there is a ``start_time``), so the loads differ by one at most and an agent's recordings go to different
    inspectors in turn rather than all to one."""
    names = [str(i) for i in dict.fromkeys(inspectors) if str(i).strip()]
    if not names:
        raise CcdashError("qa.no_inspectors")
    keys = [c for c in ("agent_id", "start_time", "recording_id") if c in picks]
    out = picks.sort_values(keys, kind="stable").reset_index(drop=True) if keys else picks.reset_index(drop=True)
    out["inspector"] = pd.Series([names[i % len(names)] for i in range(len(out))], index=out.index, dtype="string")
    return out


def already_sampled(engine: Engine) -> set[str]:
    """Recordings that must not be drawn again for regular scoring: those in a regular sample, and those
    already scored outside calibration (a regular score made without a sample, or imported from another
    QA system)."""
    with engine.connect() as conn:
        sampled = conn.execute(select(qa_samples.c.recording_id).where(qa_samples.c.purpose == "regular")).scalars()
        ids = {str(r) for r in sampled}
        scored = conn.execute(select(qa_evaluations.c.recording_id)
                              .where(qa_evaluations.c.purpose.in_(("regular", "imported")))).scalars()
        ids |= {str(r) for r in scored}
    return ids


def _ids_text(ids: Sequence[str]) -> dict[str, str]:
    more = "…" if len(ids) > 3 else ""
    return in_each_lang(lambda lang: LIST_SEP[lang].join(list(ids)[:3]) + more)


def save_sample(engine: Engine, picks: pd.DataFrame, *, batch: str, purpose: str = "regular", actor: Actor,
                d0=None, d1=None) -> int:
    """Store the picks (recording_id, and reason / inspector when present) as one batch; returns the rows
    written. A regular sample refuses (CcdashError ``qa.sample_twice``, nothing written) any recording
    already sampled or scored (:func:`already_sampled`) or listed twice; a calibration sample does not.
    Needs ``qa.sample``."""
    authorize(actor, "qa.sample", engine)
    return _write_sample(engine, picks, batch=batch, purpose=purpose, actor=actor, d0=d0, d1=d1)


def _write_sample(engine: Engine, picks: pd.DataFrame, *, batch: str, purpose: str, actor: Actor, d0=None,
                  d1=None) -> int:
    """The sample itself (already authorized): audited as qa.sample, or qa.calibration for a calibration."""
    if purpose not in PURPOSES:
        raise CcdashError("qa.sample_purpose", purpose=purpose)
    if picks.empty:
        return 0
    ids = picks["recording_id"].astype("string")
    if purpose == "regular":
        taken = already_sampled(engine)
        twice = sorted(set(ids[ids.isin(taken)]) | set(ids[ids.duplicated()]))
        if twice:
            raise CcdashError("qa.sample_twice", count=len(twice), ids=_ids_text(twice))
    stamp = now_text()
    rows = pd.DataFrame({
        "recording_id": ids,
        "batch": str(batch),
        "reason": picks["reason"].astype("string").fillna("manual") if "reason" in picks else "manual",
        "purpose": purpose,
        "inspector": picks["inspector"].astype("string").fillna("") if "inspector" in picks else "",
        "period_start": day_text(d0),
        "period_end": day_text(d1),
        "created_at": stamp,
        "created_by": actor.username,
    })
    action = "qa.calibration" if purpose == "calibration" else "qa.sample"
    with engine.begin() as conn:
        written = bulk_insert(conn, qa_samples, rows)
        audit.record(conn, actor, action, str(batch), {"purpose": purpose, "recordings": int(ids.nunique()),
                                                       "rows": written})
        return written


def calibration_sample(engine: Engine, recording_ids: Sequence[str], inspectors: Sequence[str], *, actor: Actor,
                       batch: str) -> int:
    """Give every recording to every inspector (one row each, purpose calibration, reason manual); returns
    the rows written. Needs two inspectors or more, and ``qa.sample``."""
    authorize(actor, "qa.sample", engine)
    names = [str(i) for i in dict.fromkeys(inspectors) if str(i).strip()]
    if len(names) < 2:
        raise CcdashError("qa.calibration_inspectors", count=len(names))
    recs = [str(r) for r in dict.fromkeys(recording_ids)]
    picks = pd.DataFrame([{"recording_id": r, "reason": "manual", "inspector": i} for r in recs for i in names],
                         columns=["recording_id", "reason", "inspector"])
    return _write_sample(engine, picks, batch=batch, purpose="calibration", actor=actor)


QUEUE_COLUMNS = ["sample_id", "batch", "reason", "purpose", "inspector", "status", "evaluation_id",
                 "period_start", "period_end"]


def _status_table(evals: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per key: ``done`` + the newest final evaluation when one exists, else ``draft`` + the newest draft."""
    if evals.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in keys},
                             "status": pd.Series(dtype="string"), "evaluation_id": pd.Series(dtype="Int64")})
    ranked = evals.assign(_final=evals["status"].eq("final"))
    ranked = ranked.sort_values(["_final", "updated_at", "id"], kind="stable")
    best = ranked.drop_duplicates(keys, keep="last")
    return pd.DataFrame({**{k: best[k] for k in keys},
                         "status": best["_final"].map({True: "done", False: "draft"}).astype("string"),
                         "evaluation_id": best["id"].astype("Int64")}).reset_index(drop=True)


def queue(engine: Engine, inspector: str | None = None, *, include_done: bool = False) -> pd.DataFrame:
    """The sampled recordings to score, with their recording columns (see ``list_recordings``) and a
    ``status``: ``done`` when a final score of the recording by the sample's inspector (same purpose) exists,
    ``draft`` when only a draft does (``evaluation_id`` = the newest draft, to continue it), else
    ``pending``. A sample not yet assigned counts any inspector's score. ``inspector`` keeps that
    inspector's samples and the unassigned ones. Ordered by batch, agent, start time; done ones dropped
    unless ``include_done``."""
    with engine.connect() as conn:
        query = select(qa_samples)
        if inspector is not None:
            query = query.where(qa_samples.c.inspector.in_((str(inspector), "")))
        samples = pd.DataFrame(conn.execute(query.order_by(qa_samples.c.id)).fetchall(),
                               columns=[c.name for c in qa_samples.c])
        ev_cols = [qa_evaluations.c[c] for c in ("id", "recording_id", "inspector", "purpose", "status",
                                                  "updated_at")]
        evals = pd.DataFrame(conn.execute(select(*ev_cols)).fetchall(), columns=[c.name for c in ev_cols])
    samples = samples.rename(columns={"id": "sample_id"})
    samples["inspector"] = samples["inspector"].fillna("")
    assigned = samples["inspector"].ne("")
    parts = [samples[assigned].merge(_status_table(evals, ["recording_id", "purpose", "inspector"]),
                                     on=["recording_id", "purpose", "inspector"], how="left"),
             samples[~assigned].merge(_status_table(evals, ["recording_id", "purpose"]),
                                      on=["recording_id", "purpose"], how="left")]
    samples = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)
    samples["status"] = samples["status"].fillna("pending").astype("string")
    samples["evaluation_id"] = samples["evaluation_id"].astype("Int64")
    info = recordings_by_id(engine, samples["recording_id"].tolist())
    out = samples[QUEUE_COLUMNS + ["recording_id"]].merge(info, on="recording_id", how="left")
    if not include_done:
        out = out[out["status"].ne("done")]
    out = out.sort_values(["batch", "agent_id", "start_time", "sample_id"], kind="stable", na_position="last")
    return out[["sample_id", "recording_id", *[c for c in out.columns if c not in ("sample_id", "recording_id")]]] \
        .reset_index(drop=True)
