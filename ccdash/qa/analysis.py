"""Item-level QA analysis: pure pandas over the frame of :func:`ccdash.qa.store.item_scores`.

Items are compared across forms by their catalog code: "身份核实" (identity_check) on the 挂失 form and on
the 投诉 form is one item, so its failure rate covers every call scored on any form that has it. Rates are
ratios of counts (failed / applicable, N/A excluded), never averages of rates; scores are
Σ earned × weight / Σ possible × weight over evaluations.

The input frame has one row per final evaluation × item with the columns evaluation_id, recording_id,
inspector, form_id, form_version, agent_id, team, business_type, call_date, item_code, section, label,
result (pass | fail | partial | na), points, max_points, weight, fatal (the item is fatal), eval_fatal,
eval_score, eval_passed, purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ccdash.qa.forms import QaForm, choose_form

BY_COLUMNS = ("agent_id", "team", "business_type", "form_id")
GRAINS = ("week", "month")
FAILURE_COLUMNS = ["item_code", "label", "applicable", "failed", "partial", "fail_rate", "forms", "fatal_failures"]


def _flags(frame: pd.DataFrame) -> pd.DataFrame:
    result = frame["result"].astype("string")
    fatal_item = frame["fatal"].fillna(0).astype(bool) if "fatal" in frame else pd.Series(False, index=frame.index)
    failed = result.eq("fail").fillna(False)
    return frame.assign(_applicable=result.ne("na").fillna(False).astype("int64"),
                        _failed=failed.astype("int64"),
                        _partial=result.eq("partial").fillna(False).astype("int64"),
                        _fatal_failed=(failed & fatal_item).astype("int64"))


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num.astype("float64") / den.astype("float64")).where(den > 0)


def _labels(frame: pd.DataFrame) -> pd.Series:
    """item code → its most used label (forms may word the same catalog item differently)."""
    if frame.empty:
        return pd.Series(dtype="string")
    counts = frame.groupby(["item_code", "label"], dropna=False).size().reset_index(name="n")
    counts = counts.sort_values(["item_code", "n", "label"], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates("item_code").set_index("item_code")["label"].astype("string")


def _by(by) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    bad = [c for c in cols if c not in BY_COLUMNS]
    if bad:
        raise ValueError(f"cannot break down by {bad}; use one of {BY_COLUMNS}")
    return cols


def item_failure(frame: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Per item code (and ``by``: agent_id, team, business_type or form_id): label, applicable (result ≠ na),
    failed, partial, fail_rate = failed / applicable (NaN when nothing applicable), forms = distinct forms the
    item appears in, fatal_failures = failures of the item where it is fatal. Ordered by the ``by`` column,
    then fail rate (highest first), then code."""
    keys = _by(by)
    cols = [*keys, *FAILURE_COLUMNS]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    f = _flags(frame)
    grouped = f.groupby([*keys, "item_code"], dropna=False, sort=True)
    out = grouped.agg(applicable=("_applicable", "sum"), failed=("_failed", "sum"), partial=("_partial", "sum"),
                      forms=("form_id", "nunique"), fatal_failures=("_fatal_failed", "sum")).reset_index()
    out["label"] = out["item_code"].map(_labels(f))
    out["fail_rate"] = _rate(out["failed"], out["applicable"])
    out = out.sort_values([*keys, "fail_rate", "item_code"], ascending=[*[True] * len(keys), False, True],
                          kind="stable", na_position="last")
    for c in ("applicable", "failed", "partial", "forms", "fatal_failures"):
        out[c] = out[c].astype("int64")
    return out[cols].reset_index(drop=True)


def agent_item_matrix(frame: pd.DataFrame, min_applicable: int = 1) -> pd.DataFrame:
    """Agent × item code fail rates (failed / applicable); NaN where the agent has fewer than
    ``min_applicable`` applicable scores of the item (or none)."""
    if frame.empty:
        return pd.DataFrame()
    per = item_failure(frame, by="agent_id")
    per = per[per["applicable"] >= max(1, min_applicable)]
    matrix = per.pivot(index="agent_id", columns="item_code", values="fail_rate")
    items = sorted(frame["item_code"].dropna().unique())
    agents = sorted(frame["agent_id"].dropna().unique())
    matrix = matrix.reindex(index=agents, columns=items).astype("float64")
    matrix.index.name, matrix.columns.name = "agent_id", "item_code"
    return matrix


def period_of(dates: pd.Series, grain: str) -> pd.Series:
    """The ISO start of the week (Monday) or month ('YYYY-MM-01') of ISO date text, as the store keys them."""
    day = pd.to_datetime(dates.astype("string"), format="ISO8601", errors="coerce").dt.normalize()
    if grain == "week":
        start = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
        return start.dt.strftime("%Y-%m-%d").astype("string")
    if grain == "month":
        return day.dt.strftime("%Y-%m-01").astype("string")
    raise ValueError(f"grain must be one of {GRAINS}")


def item_trend(frame: pd.DataFrame, grain: str = "week") -> pd.DataFrame:
    """Per period (week Monday or month start, by the call date) × item code: label, applicable, failed,
    fail_rate. Ordered by period, then code."""
    cols = ["period", "item_code", "label", "applicable", "failed", "fail_rate"]
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    if frame.empty:
        return pd.DataFrame(columns=cols)
    f = _flags(frame).assign(period=lambda x: period_of(x["call_date"], grain))
    out = f.groupby(["period", "item_code"], sort=True).agg(
        applicable=("_applicable", "sum"), failed=("_failed", "sum")).reset_index()
    out["label"] = out["item_code"].map(_labels(f))
    out["fail_rate"] = _rate(out["failed"], out["applicable"])
    return out[cols]


def coaching_list(frame: pd.DataFrame, *, top: int = 3, min_applicable: int = 3) -> pd.DataFrame:
    """Per agent, up to ``top`` items whose fail rate most exceeds the center's rate for that item (only
    items the agent had at least ``min_applicable`` applicable scores of, and only where the agent is worse):
    agent_id, team, rank (1 = the widest gap), item_code, label, applicable, failed, agent_rate,
    center_applicable, center_failed, center_rate, gap = agent_rate − center_rate. Ordered by agent, rank;
    equal gaps: more failures first, then code."""
    cols = ["agent_id", "team", "rank", "item_code", "label", "applicable", "failed", "agent_rate",
            "center_applicable", "center_failed", "center_rate", "gap"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    center = item_failure(frame).set_index("item_code")
    per = item_failure(frame, by="agent_id").rename(columns={"fail_rate": "agent_rate"})
    per = per[per["applicable"] >= min_applicable]
    per["center_applicable"] = per["item_code"].map(center["applicable"]).astype("int64")
    per["center_failed"] = per["item_code"].map(center["failed"]).astype("int64")
    per["center_rate"] = per["item_code"].map(center["fail_rate"]).astype("float64")
    per["gap"] = per["agent_rate"] - per["center_rate"]
    per = per[per["gap"] > 0]
    per = per.sort_values(["agent_id", "gap", "failed", "item_code"], ascending=[True, False, False, True],
                          kind="stable")
    per["rank"] = per.groupby("agent_id").cumcount() + 1
    per = per[per["rank"] <= top]
    if "team" in frame:
        teams = frame.dropna(subset=["agent_id"]).drop_duplicates("agent_id", keep="last").set_index("agent_id")["team"]
        per["team"] = per["agent_id"].map(teams)
    else:
        per["team"] = None
    return per[cols].reset_index(drop=True)


def evaluations_of(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per evaluation with its components: earned_w, possible_w (the evaluation's own columns when
    the frame has them, else summed from its items: Σ points × weight and Σ max × weight over applicable
    items, earned 0 when a fatal item failed), fatal, passed, and the dimension columns."""
    f = frame.assign(_app=frame["result"].astype("string").ne("na").fillna(False))
    keep = [c for c in ("evaluation_id", "recording_id", "inspector", "form_id", "agent_id", "team", "business_type",
                        "call_date", "eval_fatal", "eval_score", "eval_passed", "purpose") if c in f]
    evals = f.drop_duplicates("evaluation_id").set_index("evaluation_id")[[c for c in keep if c != "evaluation_id"]]
    own = next(((e, p) for e, p in (("eval_earned_w", "eval_possible_w"), ("earned_w", "possible_w"))
                if e in f and p in f), None)
    if own:
        first = f.drop_duplicates("evaluation_id").set_index("evaluation_id")
        evals["earned_w"], evals["possible_w"] = first[own[0]].astype("float64"), first[own[1]].astype("float64")
    else:
        w = f["weight"].astype("float64").fillna(1.0)
        f = f.assign(_earned=(f["points"].astype("float64").fillna(0.0) * w).where(f["_app"], 0.0),
                     _possible=(f["max_points"].astype("float64") * w).where(f["_app"], 0.0))
        sums = f.groupby("evaluation_id")[["_earned", "_possible"]].sum()
        evals["possible_w"] = sums["_possible"]
        evals["earned_w"] = sums["_earned"].where(~evals["eval_fatal"].fillna(0).astype(bool), 0.0)
    evals["fatal"] = evals["eval_fatal"].fillna(0).astype("int64")
    evals["passed"] = evals["eval_passed"].fillna(0).astype("int64")
    return evals.reset_index()


def score_summary(frame: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Per ``by`` group (agent_id, team, business_type, form_id; None = the whole center): evaluations,
    avg_score = 100 × Σ earned_w / Σ possible_w, passed, pass_rate = passed / evaluations, fatal (evaluations
    with a fatal failure), fatal_rate = fatal / evaluations. Each evaluation counts once, however many items."""
    keys = _by(by)
    cols = [*keys, "evaluations", "avg_score", "passed", "pass_rate", "fatal", "fatal_rate"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    evals = evaluations_of(frame)
    grouped = evals.groupby(keys, dropna=False, sort=True) if keys else evals.groupby(lambda _i: 0)
    out = grouped.agg(evaluations=("evaluation_id", "nunique"), earned_w=("earned_w", "sum"),
                      possible_w=("possible_w", "sum"), passed=("passed", "sum"), fatal=("fatal", "sum"))
    out = out.reset_index() if keys else out.reset_index(drop=True)
    out["avg_score"] = (100.0 * out["earned_w"] / out["possible_w"]).where(out["possible_w"] > 0)
    out["pass_rate"] = _rate(out["passed"], out["evaluations"])
    out["fatal_rate"] = _rate(out["fatal"], out["evaluations"])
    return out[cols]


def phrase_compliance(recordings: pd.DataFrame, evaluations_frame: pd.DataFrame, forms: Mapping[str, QaForm],
                      routes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per form × item × standard phrase: recordings (scored recordings with a transcript, each counted once
    per form), found (the transcript contains the phrase, by :func:`ccdash.qa.phrases.match_phrases`), share =
    found / recordings. A score on a form that is no longer defined (e.g. imported from another system)
    counts for the form its business type is routed to (``routes``, default the forms' own)."""
    from ccdash.qa.phrases import match_phrases

    cols = ["form_id", "form_name", "item_code", "label", "phrase", "recordings", "found", "share"]
    if evaluations_frame.empty or recordings.empty or not forms:
        return pd.DataFrame(columns=cols)
    scored = evaluations_frame.drop_duplicates(["recording_id", "form_id"])
    text = recordings.dropna(subset=["recording_id"]).drop_duplicates("recording_id").set_index("recording_id")
    transcripts = text["transcript"] if "transcript" in text else pd.Series(dtype="string")
    business = text["business_type"] if "business_type" in text else pd.Series(dtype="string")
    counts: dict[tuple[str, str, str], list[int]] = {}
    seen: set[tuple[str, str]] = set()
    for row in scored.itertuples(index=False):
        rid = row.recording_id
        transcript = transcripts.get(rid)
        if transcript is None or pd.isna(transcript) or not str(transcript).strip():
            continue
        form = forms.get(row.form_id)
        if form is None:
            btype = getattr(row, "business_type", None)
            btype = btype if btype is not None and not pd.isna(btype) else business.get(rid)
            form = choose_form(None if btype is None or pd.isna(btype) else str(btype), forms, routes).form
        if (rid, form.id) in seen:
            continue
        seen.add((rid, form.id))
        for hit in match_phrases(str(transcript), form):
            tally = counts.setdefault((form.id, hit.item_code, hit.phrase), [0, 0])
            tally[0] += 1
            tally[1] += int(hit.found)
    rows = []
    for form_id in sorted({k[0] for k in counts}):
        form = forms[form_id]
        for item in form.items():
            for phrase in item.phrases:
                n, found = counts.get((form_id, item.code, phrase.text), (0, 0))
                if n:
                    rows.append({"form_id": form_id, "form_name": form.name.get("zh"), "item_code": item.code,
                                 "label": form.item_label(item.code), "phrase": phrase.text, "recordings": n,
                                 "found": found, "share": found / n})
    return pd.DataFrame(rows, columns=cols)


# --- export ---------------------------------------------------------------------------------------------

HEADERS = {
    "item_code": ("质检项代码", "Item code"), "label": ("质检项", "Item"), "applicable": ("适用次数", "Applicable"),
    "failed": ("不合格次数", "Failed"), "partial": ("部分得分次数", "Partial"), "fail_rate": ("不合格率", "Fail rate"),
    "forms": ("涉及质检表数", "Forms"), "fatal_failures": ("致命项不合格", "Fatal failures"),
    "agent_id": ("坐席工号", "Agent"), "agent_name": ("坐席姓名", "Agent name"), "team": ("班组", "Team"),
    "business_type": ("业务类型", "Business type"), "form_id": ("质检表", "Form"), "form_name": ("质检表名称", "Form name"),
    "period": ("期间", "Period"), "rank": ("排名", "Rank"), "agent_rate": ("坐席不合格率", "Agent fail rate"),
    "center_applicable": ("中心适用次数", "Center applicable"), "center_failed": ("中心不合格次数", "Center failed"),
    "center_rate": ("中心不合格率", "Center fail rate"), "gap": ("高出中心", "Above center"),
    "evaluations": ("质检次数", "Evaluations"), "avg_score": ("平均得分", "Average score"),
    "passed": ("合格次数", "Passed"), "pass_rate": ("合格率", "Pass rate"), "fatal": ("致命差错次数", "Fatal errors"),
    "fatal_rate": ("致命差错率", "Fatal error rate"), "phrase": ("标准话术", "Standard phrase"),
    "recordings": ("有转写的已评录音", "Scored recordings with a transcript"), "found": ("出现次数", "Found"),
    "share": ("出现比例", "Share"),
}


def column_header(column, lang: str) -> str:
    """The heading of an analysis column in ``lang`` (the column name itself when it is not a known one)."""
    pair = HEADERS.get(str(column))
    return pair[0 if lang == "zh" else 1] if pair else str(column)


_header = column_header  # the name the analysis page first used


def analysis_workbook(sheets: Mapping[str, pd.DataFrame], lang: str = "zh") -> bytes:
    """The analysis tables as one .xlsx (bytes): one sheet per entry, known columns headed in ``lang``,
    an indexed frame (the agent × item matrix) written with its index as the first column. Written by
    :func:`ccdash.reports_io.write_xlsx`, so text a spreadsheet would run as a formula (= + - @ first) stays
    text, in cells and headers alike."""
    from ccdash.reports_io import sheet_title, write_xlsx

    out: dict[str, pd.DataFrame] = {}
    for name, frame in sheets.items():
        table = frame
        if not isinstance(table.index, pd.RangeIndex) or table.index.name is not None:
            table = table.reset_index()
        table = table.copy()
        headers, used = [], set()
        for col in table.columns:
            text = column_header(col, lang)
            while text in used:
                text += " "
            used.add(text)
            headers.append(text)
        table.columns = headers
        for col in table.columns:  # numbers stay numbers; text (and mixed) columns become text
            if not (pd.api.types.is_numeric_dtype(table[col]) or pd.api.types.is_bool_dtype(table[col])
                    or pd.api.types.is_datetime64_any_dtype(table[col])):
                table[col] = table[col].astype("string")
            elif pd.api.types.is_float_dtype(table[col]):
                table[col] = table[col].replace([np.inf, -np.inf], np.nan)
        sheet = sheet_title(name)
        while sheet in out:
            sheet = sheet[:29] + f"_{len(out)}"
        out[sheet] = table
    return write_xlsx(out)
