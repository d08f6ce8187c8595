"""Agent-state seconds per agent per day (and per 30-minute interval for a state log).

A state log (agent, state, start, duration) is split at interval boundaries so every second lands in
the interval it was spent in. A daily summary (logged-in, ready, busy by reason, talk, ACW seconds)
only has a day grain. Logged-in time is every state except 签出/logout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccdash.store.measures import INTERVAL_MIN, STATE_MEASURES, time_dims

STATE_COLUMN = {"ready": "ready_s", "aux": "aux_s", "talk": "st_talk_s", "acw": "st_acw_s",
                "hold": "st_hold_s", "ring": "st_other_s", "login": "st_other_s"}
AUX_REASON_FIELDS = {"aux_rest_s": "小休", "aux_meal_s": "就餐", "aux_training_s": "培训", "aux_meeting_s": "会议"}
SUMMARY_COLUMN = {"login_s": "login_s", "ready_s": "ready_s", "aux_s": "aux_s", "state_talk_s": "st_talk_s",
                  "state_acw_s": "st_acw_s", "state_hold_s": "st_hold_s"}
DIMS = ["date", "interval", "week", "month", "agent_id", "team"]


def split_log(log: pd.DataFrame) -> pd.DataFrame:
    """State-log rows → one piece per (row, 30-minute interval) with the seconds spent there."""
    start = log["state_start"]
    secs = log["state_s"].fillna(0).clip(lower=0).to_numpy()
    origin = start.dt.normalize()
    s0 = (start - origin).dt.total_seconds().to_numpy()
    step = INTERVAL_MIN * 60
    first = np.floor(s0 / step).astype("int64")
    last = np.floor(np.maximum(s0 + secs - 1e-9, s0) / step).astype("int64")
    counts = (last - first + 1).clip(min=1)
    rows = np.repeat(np.arange(len(log)), counts)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    slot = first[rows] + k
    lo = np.maximum(s0[rows], slot * step)
    hi = np.minimum(s0[rows] + secs[rows], (slot + 1) * step)
    piece = log.iloc[rows].reset_index(drop=True)
    piece["seconds"] = np.maximum(hi - lo, 0)
    piece["piece_start"] = origin.iloc[rows].to_numpy() + pd.to_timedelta(slot * step, unit="s")
    return piece


def state_measures(records: pd.DataFrame, shape: str, teams: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(fine, day, aux reasons per day)`` measure frames for agent-state records."""
    if records.empty:
        empty = pd.DataFrame(columns=[*DIMS, *STATE_MEASURES])
        return empty, empty.drop(columns="interval"), pd.DataFrame(columns=["date", "agent_id", "team", "reason", "seconds"])
    if shape == "log":
        fine, reasons = _from_log(records, teams)
        day = fine.drop(columns="interval").groupby(
            [d for d in DIMS if d != "interval"], as_index=False, sort=False)[list(STATE_MEASURES)].sum()
        return fine, day, reasons
    day, reasons = _from_summary(records, teams)
    return pd.DataFrame(columns=[*DIMS, *STATE_MEASURES]), day, reasons


def _from_log(records: pd.DataFrame, teams: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    pieces = split_log(records)
    dims = time_dims(pieces["piece_start"])
    dims["agent_id"] = pieces["agent_id"].astype(str).to_numpy()
    dims["team"] = dims["agent_id"].map(teams).astype("string").fillna("")
    state = pieces["state"].astype("string")
    values = {m: np.where(state.isin([s for s, c in STATE_COLUMN.items() if c == m]), pieces["seconds"], 0.0)
              for m in STATE_MEASURES if m != "login_s"}
    values["login_s"] = np.where(state.ne("logout").fillna(True), pieces["seconds"], 0.0)
    fine = pd.concat([dims, pd.DataFrame(values, index=dims.index)], axis=1)
    fine = fine.groupby(DIMS, as_index=False, sort=False)[list(STATE_MEASURES)].sum()
    reason = pieces.get("state_reason", pd.Series(pd.NA, index=pieces.index)).astype("string")
    reason = reason.fillna(pieces.get("state_label", pd.Series(pd.NA, index=pieces.index)).astype("string"))
    aux = pd.DataFrame({"date": dims["date"], "agent_id": dims["agent_id"], "team": dims["team"],
                        "reason": reason.fillna("").astype(str), "seconds": pieces["seconds"]})[state.eq("aux").fillna(False)]
    return fine, aux.groupby(["date", "agent_id", "team", "reason"], as_index=False)["seconds"].sum()


def _from_summary(records: pd.DataFrame, teams: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    day = time_dims(pd.to_datetime(records["date"]))
    day = day.drop(columns="interval")
    day["agent_id"] = records["agent_id"].astype(str).to_numpy()
    day["team"] = day["agent_id"].map(teams).astype("string").fillna("")
    for src, dst in SUMMARY_COLUMN.items():
        day[dst] = records[src].fillna(0).to_numpy() if src in records else 0.0
    reason_cols = [c for c in AUX_REASON_FIELDS if c in records]
    if reason_cols:  # a row without a total busy time takes the sum of its reasons
        reasons_sum = records[reason_cols].fillna(0).sum(axis=1)
        total = records["aux_s"] if "aux_s" in records else pd.Series(float("nan"), index=records.index)
        total = pd.to_numeric(total, errors="coerce").to_numpy(dtype="float64")
        day["aux_s"] = np.where(np.isnan(total), reasons_sum.to_numpy(dtype="float64"), total)
    day["st_other_s"] = 0.0
    long = [pd.DataFrame({"date": day["date"], "agent_id": day["agent_id"], "team": day["team"],
                          "reason": AUX_REASON_FIELDS[c], "seconds": records[c].fillna(0).to_numpy()})
            for c in reason_cols]
    reasons = pd.concat(long) if long else pd.DataFrame(columns=["date", "agent_id", "team", "reason", "seconds"])
    keys = ["date", "week", "month", "agent_id", "team"]
    return day.groupby(keys, as_index=False, sort=False)[list(STATE_MEASURES)].sum(), reasons[reasons["seconds"] > 0]
