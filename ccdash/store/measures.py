"""Additive base measures from normalised records (pure pandas; no database here).

Every indicator is a formula over these sums and counts, evaluated *after* summing to the requested
grain — so a monthly rate is Σnumerator/Σdenominator, never an average of daily rates. Counts per
wait bucket keep the service-level threshold a parameter; counts per repeat window keep the
repeat-call window a parameter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccdash.ingest.csat import DISSATISFIED_MAX, SATISFIED_MIN

WAIT_BUCKETS = (5, 10, 15, 20, 30, 60)
REPEAT_WINDOWS = {"2h": 7_200, "24h": 86_400, "48h": 172_800, "7d": 604_800}
REPEAT_HORIZON = pd.Timedelta(days=7)
INTERVAL_MIN = 30

CALL_MEASURES = (
    "offered", "answered", "abandoned", "ivr", "outbound", "outbound_connected", "handled", "transferred",
    "wait_answered_s", "wait_abandoned_s", "ring_s", "talk_s", "hold_s", "acw_s",
    *(f"ans_wait_le_{t}" for t in WAIT_BUCKETS), *(f"abn_wait_le_{t}" for t in WAIT_BUCKETS),
    "resolved_yes", "resolved_known",
    "csat_responses", "csat_satisfied", "csat_dissatisfied", "csat_score_sum",
    "repeat_base", *(f"repeat_{w}" for w in REPEAT_WINDOWS),
)
STATE_MEASURES = ("login_s", "ready_s", "aux_s", "st_talk_s", "st_acw_s", "st_hold_s", "st_other_s")
CALL_DIMS = ("date", "interval", "agent_id", "team", "queue", "business_type")
STATE_DIMS = ("date", "interval", "agent_id", "team")
INBOUND = ("inbound", "transfer")


def _col(frame: pd.DataFrame, name: str, dtype: str = "float64") -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series(np.nan if dtype == "float64" else pd.NA, index=frame.index, dtype=dtype)


def _flag(mask: pd.Series) -> np.ndarray:
    return mask.fillna(False).to_numpy(dtype=bool).astype("float64")


def effective_wait(calls: pd.DataFrame) -> pd.Series:
    """Queue wait: the ``wait_s`` column, else answer − start (answered) or end − start (abandoned)."""
    wait = _col(calls, "wait_s")
    start = calls["start_time"]
    if "answer_time" in calls:
        wait = wait.fillna((calls["answer_time"] - start).dt.total_seconds())
    if "end_time" in calls:
        abandoned = calls["result"].eq("abandoned")
        wait = wait.fillna((calls["end_time"] - start).dt.total_seconds().where(abandoned))
    return wait


def call_flags(calls: pd.DataFrame) -> pd.DataFrame:
    """One row per call with every measure as a 0/1 flag or a number of seconds."""
    result, direction = calls["result"], _col(calls, "direction", "string").fillna("inbound")
    inbound = direction.isin(INBOUND)
    answered = inbound & result.eq("answered")
    abandoned = inbound & result.eq("abandoned")
    outbound_connected = direction.eq("outbound") & result.eq("answered")
    handled = answered | outbound_connected
    wait = effective_wait(calls)
    csat = _col(calls, "csat")
    out = {
        "offered": _flag(answered | abandoned), "answered": _flag(answered), "abandoned": _flag(abandoned),
        "ivr": _flag(inbound & result.eq("ivr")), "outbound": _flag(direction.eq("outbound")),
        "outbound_connected": _flag(outbound_connected), "handled": _flag(handled),
        "transferred": _flag(handled & _col(calls, "transferred").eq(1)),
        "wait_answered_s": wait.where(answered, 0).fillna(0).to_numpy(),
        "wait_abandoned_s": wait.where(abandoned, 0).fillna(0).to_numpy(),
        "ring_s": _col(calls, "ring_s").where(answered, 0).fillna(0).to_numpy(),
        **{m: _col(calls, m).where(handled, 0).fillna(0).to_numpy() for m in ("talk_s", "hold_s", "acw_s")},
        **{f"ans_wait_le_{t}": _flag(answered & wait.le(t)) for t in WAIT_BUCKETS},
        **{f"abn_wait_le_{t}": _flag(abandoned & wait.le(t)) for t in WAIT_BUCKETS},
        "resolved_yes": _flag(handled & _col(calls, "resolved").eq(1)),
        "resolved_known": _flag(handled & _col(calls, "resolved").notna()),
        "csat_responses": _flag(csat.notna()), "csat_satisfied": _flag(csat.ge(SATISFIED_MIN)),
        "csat_dissatisfied": _flag(csat.le(DISSATISFIED_MAX)), "csat_score_sum": csat.fillna(0).to_numpy(),
    }
    return pd.DataFrame(out, index=calls.index)


def repeat_flags(calls: pd.DataFrame, context: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each answered inbound call with a known caller: is there a next offered call from the same
    caller within each window? ``context`` holds later calls (other dates) that may be the repeat."""
    own = pd.DataFrame({"caller": _col(calls, "caller_hash", "string"), "ts": calls["start_time"],
                        "offered": call_flags_offered(calls), "own": True}, index=calls.index)
    both = own
    if context is not None and len(context):
        ctx = pd.DataFrame({"caller": context["caller_hash"], "ts": context["start_time"],
                            "offered": call_flags_offered(context), "own": False})
        both = pd.concat([own, ctx.set_axis(pd.RangeIndex(-len(ctx), 0))])
    offered = both[both["offered"] & both["caller"].notna()].sort_values(["caller", "ts"], kind="stable")
    nxt = offered.groupby("caller", sort=False)["ts"].shift(-1)
    gap = (nxt - offered["ts"]).dt.total_seconds().reindex(calls.index)
    base = _col(calls, "caller_hash", "string").notna() & _col(calls, "direction", "string").fillna(
        "inbound").isin(INBOUND) & calls["result"].eq("answered")
    out = {"repeat_base": _flag(base)}
    out.update({f"repeat_{w}": _flag(base & gap.le(secs)) for w, secs in REPEAT_WINDOWS.items()})
    return pd.DataFrame(out, index=calls.index)


def call_flags_offered(calls: pd.DataFrame) -> pd.Series:
    direction = _col(calls, "direction", "string").fillna("inbound")
    return (direction.isin(INBOUND) & calls["result"].isin(["answered", "abandoned"])).fillna(False).astype(bool)


def time_dims(ts: pd.Series) -> pd.DataFrame:
    """date, 30-minute interval (minutes since midnight), ISO week start and month start, as text."""
    day = ts.dt.normalize()
    return pd.DataFrame({
        "date": day.dt.strftime("%Y-%m-%d"),
        "interval": ((ts - day).dt.total_seconds() // (INTERVAL_MIN * 60) * INTERVAL_MIN).astype("int64"),
        "week": (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d"),
        "month": day.dt.strftime("%Y-%m-01"),
    }, index=ts.index)


def call_measures(calls: pd.DataFrame, teams: dict[str, str], context: pd.DataFrame | None = None) -> pd.DataFrame:
    """Calls → measures at date × interval × agent × queue × business type (plus week, month, team)."""
    if calls.empty:
        return pd.DataFrame(columns=[*CALL_DIMS, "week", "month", *CALL_MEASURES])
    dims = time_dims(calls["start_time"])
    for name in ("agent_id", "queue", "business_type"):
        dims[name] = _col(calls, name, "string").fillna("").astype(str).to_numpy()
    dims["team"] = dims["agent_id"].map(teams).astype("string").fillna("")
    flags = pd.concat([call_flags(calls), repeat_flags(calls, context)], axis=1)[list(CALL_MEASURES)]
    return group_sum(dims[[*CALL_DIMS, "week", "month"]], flags, list(CALL_DIMS))


def group_sum(dims: pd.DataFrame, values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum ``values`` by the ``keys`` columns of ``dims`` (other dims columns follow their keys).

    Faster than a pandas group-by on text keys: the keys are factorised into one integer per row
    and each measure is summed with ``numpy.bincount``."""
    key = np.zeros(len(dims), dtype=np.int64)
    for name in keys:
        codes, uniques = pd.factorize(dims[name], use_na_sentinel=False)
        key = key * (len(uniques) + 1) + codes
    groups, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    out = dims.iloc[first].reset_index(drop=True)
    for name in values.columns:
        out[name] = np.bincount(inverse, weights=values[name].to_numpy(dtype="float64"), minlength=len(groups))
    return out


def roll_up_day(fine: pd.DataFrame, measures: tuple[str, ...]) -> pd.DataFrame:
    """The daily roll-up of a fine measure frame (drops the interval)."""
    keys = [c for c in fine.columns if c not in measures and c not in ("interval", "week", "month")]
    dims = [c for c in fine.columns if c not in measures and c != "interval"]
    return group_sum(fine[dims], fine[list(measures)], keys)
