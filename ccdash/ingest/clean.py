"""Rows of an export → typed, validated records, with every problem collected (never the first only).

Each row is accepted, ignored (its result maps to ``ignore``, e.g. PHANTOM calls) or rejected with
its Excel row number, column, value and a reason in the user's language. Blank rows and
合计/总计/Total rows are skipped and counted. Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ccdash.config import field_dictionary, value_maps
from ccdash.findings import Finding
from ccdash.i18n import joined, register, t
from ccdash.ingest import values as V
from ccdash.ingest.csat import parse_csat
from ccdash.ingest.headers import is_total_row
from ccdash.ingest.mapping import Mapping, kind_spec, missing_required
from ccdash.ingest.progress import Progress, part
from ccdash.ingest.read import FORMULA_MARK

MESSAGES = {
    "row.bad_duration": {"zh": "无法识别的时长“{value}”", "en": "Unreadable duration “{value}”"},
    "row.bad_datetime": {"zh": "无法识别的日期时间“{value}”", "en": "Unreadable date/time “{value}”"},
    "row.bad_date": {"zh": "无法识别的日期“{value}”", "en": "Unreadable date “{value}”"},
    "row.bad_time": {"zh": "无法识别的时间“{value}”", "en": "Unreadable time of day “{value}”"},
    "row.bad_number": {"zh": "不是数字：“{value}”", "en": "Not a number: “{value}”"},
    "row.bad_bool": {"zh": "无法识别的是/否值“{value}”", "en": "Unreadable yes/no value “{value}”"},
    "row.bad_id": {"zh": "无法识别的编号“{value}”", "en": "Unreadable id “{value}”"},
    "row.bad_csat": {"zh": "无法识别的满意度“{value}”", "en": "Unreadable satisfaction value “{value}”"},
    "row.unknown_value": {
        "zh": "未知取值“{value}”，请在取值映射中指定它的含义",
        "en": "Unknown value “{value}”: map it to a meaning in the value map",
    },
    "row.missing": {"zh": "必填字段“{column}”为空", "en": "Required field “{column}” is empty"},
    "row.negative": {"zh": "时长为负数：{value}", "en": "Negative duration: {value}"},
    "row.too_long": {"zh": "时长超过 24 小时：{value}", "en": "Duration over 24 hours: {value}"},
    "row.excel_error": {
        "zh": "单元格是 Excel 错误值 {value}（公式引用失效？）",
        "en": "The cell holds the Excel error {value} (a broken formula?)",
    },
    "row.key_blank": {"zh": "主键列“{column}”为空", "en": "Key column “{column}” is empty"},
    "row.formula_no_value": {
        "zh": "单元格是没有计算结果的公式 {value}：请在 Excel 中打开并保存（或“粘贴为数值”）后再上传",
        "en": "The cell holds the formula {value} with no saved result: open the file in Excel and save it "
              "(or paste as values), then upload again",
    },
    "row.date_out_of_range": {
        "zh": "日期“{value}”超出可接受的范围（1900 年至 2100 年）",
        "en": "The date “{value}” is outside the accepted range (years 1900 to 2100)",
    },
    "clean.inferred_result": {
        "zh": "文件没有“呼叫结果”列：有接听时间或通话时长的记为接通，其余记为放弃",
        "en": "No result column: calls with an answer time or talk time count as answered, the rest as abandoned",
    },
    "clean.unknown_kept": {
        "zh": "“{column}”列有 {count} 个无法识别的取值（{values}）：这些行照常导入，该列留空。可在取值映射中指定含义。",
        "en": "Column “{column}” has {count} unknown values ({values}): the rows are imported with this column empty. Map the values to keep them.",
    },
    "qa.row_no_score": {
        "zh": "得分和质检结果都为空，无法判断这一项的成绩",
        "en": "Both the points and the item result are empty: the item's score cannot be told",
    },
    "qa.row_no_max": {
        "zh": "满分为空：没有满分无法计算这一项的成绩", "en": "No max points: the item cannot be scored without them",
    },
    "qa.row_bad_max": {"zh": "满分必须大于 0：{value}", "en": "Max points must be above 0: {value}"},
    "qa.row_over_max": {"zh": "得分超过满分：{value}", "en": "Points above the maximum: {value}"},
    "qa.row_negative_points": {"zh": "得分为负数：{value}", "en": "Negative points: {value}"},
    "qa.row_partial_no_points": {
        "zh": "结果为“部分合格”但没有得分：请填写得分", "en": "The result is “partial” but no points are given",
    },
    "clean.no_shape": {
        "zh": "无法判断坐席状态文件的格式：需要“状态/开始时间/时长”三列（状态日志）或“日期/签入时长”两列（日汇总）",
        "en": "Cannot tell the agent-state layout: it needs state/start/duration (a state log) or date/logged-in time (a daily summary)",
    },
}
register(MESSAGES)

EXCEL_ERRORS = frozenset({"#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})
MAX_DURATION_S = 86_400
STRICT_ENUMS = frozenset({"result", "state"})  # an unknown value here rejects the row; elsewhere it is left empty
PARSE_CODES = {"duration": "row.bad_duration", "datetime": "row.bad_datetime", "date": "row.bad_date",
               "bool": "row.bad_bool", "int": "row.bad_number", "number": "row.bad_number",
               "id": "row.bad_id", "enum": "row.unknown_value", "csat": "row.bad_csat"}


@dataclass
class Cleaned:
    kind: str
    shape: str | None
    frame: pd.DataFrame  # accepted rows: one column per mapped field, plus row_no and rkey
    rejects: pd.DataFrame  # row, column, field, value, code
    rows_read: int = 0
    blank_rows: int = 0
    total_rows: int = 0
    ignored: int = 0
    unknown_values: dict[str, dict[str, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return int(self.rejects["row"].nunique()) if len(self.rejects) else 0


class _Problems:
    """Collects (row, column, field, value, code) tuples, one per problem."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, raw: pd.Series, column: str, fld: str, code: str) -> None:
        if mask.any():
            self.parts.append(pd.DataFrame({"row": raw.index[mask.to_numpy()], "column": column, "field": fld,
                                            "value": raw[mask].astype("string").fillna(""), "code": code}))

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in ("column", "field", "value", "code")}
                                ).assign(row=pd.Series(dtype="int64"))[["row", "column", "field", "value", "code"]]
        return pd.concat(self.parts, ignore_index=True).sort_values("row", kind="stable", ignore_index=True)


def clean_rows(rows: pd.DataFrame, mapping: Mapping, *, progress: Progress | None = None) -> Cleaned:
    """Parse and validate the data rows of one sheet (index = Excel row numbers).

    Without a column for every required field the mapped columns are still parsed (their problems are
    listed) but no row is accepted: the kind's rules need those fields, and the pipeline reports
    ``import.missing_fields``.
    ``progress`` hears of each parsed column (stage ``validate``)."""
    report = part(progress, 0.0, 1.0)
    report(0.0, "validate")
    rows, blank, totals = _drop_blank_and_totals(rows)
    problems = _Problems()
    out = pd.DataFrame(index=rows.index)
    unknown: dict[str, dict[str, int]] = {}
    findings: list[Finding] = []
    steps = len(mapping.columns) + 1
    for done, (fld, header) in enumerate(mapping.columns.items()):
        report(done / steps, "validate")
        raw = rows[header]
        unusable = _screen(raw, header, fld, problems)
        out[fld], bad = _parse_field(fld, raw.mask(unusable), mapping, rows)
        out[fld] = _dates_in_range(out[fld], raw, header, fld, problems)
        is_enum = field_dictionary()[fld].type == "enum"
        if is_enum and bad.any():
            unknown[fld] = raw[bad].value_counts().head(50).to_dict()
        if is_enum and fld not in STRICT_ENUMS and bad.any():  # keep the row, leave the value empty, say so
            findings.append(Finding("warning", "clean.unknown_kept", {"column": header, "count": int(bad.sum()),
                                                                      "values": joined(unknown[fld])}))
        else:
            problems.add(bad, raw, header, fld, PARSE_CODES.get(field_dictionary()[fld].type, "row.bad_number"))
    cleaned = Cleaned(mapping.kind, None, out, pd.DataFrame(), rows_read=len(rows) + blank + totals,
                      blank_rows=blank, total_rows=totals, unknown_values=unknown, findings=findings)
    complete = not missing_required(mapping.kind, mapping.columns)
    if complete:
        RULES[mapping.kind](cleaned, rows, mapping, problems)
    _check_key(cleaned, rows, mapping, problems)
    cleaned.rejects = problems.table()
    rejected_rows = set(cleaned.rejects["row"].tolist())
    keep = ~cleaned.frame.index.isin(rejected_rows) & complete
    ignored = cleaned.frame.get("result", pd.Series(index=cleaned.frame.index, dtype="string")).eq("ignore")
    ignored = ignored.fillna(False).astype(bool)
    cleaned.ignored = int((ignored & keep).sum())
    cleaned.frame = cleaned.frame[keep & ~ignored].assign(row_no=lambda f: f.index.astype("int64"))
    report(1.0, "validate")
    return cleaned


def _screen(raw: pd.Series, header: str, fld: str, problems: _Problems) -> pd.Series:
    """Cells no parser may see: Excel error values and formulas without a saved result (``read.py``
    marks them), each reported with its reason; True where the cell is one of them."""
    errors = raw.isin(EXCEL_ERRORS).fillna(False)
    problems.add(errors, raw, header, fld, "row.excel_error")
    formulas = raw.astype("string").str.startswith(FORMULA_MARK).fillna(False).astype(bool)
    problems.add(formulas, raw.astype("string").str.slice(1), header, fld, "row.formula_no_value")
    return errors | formulas


def _dates_in_range(values: pd.Series, raw: pd.Series, header: str, fld: str, problems: _Problems) -> pd.Series:
    """Dates outside 1900–2100 rejected with their own reason: a call record from 1850 or 2150 is a typo or
    a broken export, never data (Excel cannot even show dates before 1900)."""
    dated = field_dictionary()[fld].type in ("datetime", "date")
    if not dated or not pd.api.types.is_datetime64_any_dtype(values):
        return values
    outside = (values.lt(V.DATE_MIN) | values.ge(V.DATE_END)).fillna(False).astype(bool)
    problems.add(outside, raw, header, fld, "row.date_out_of_range")
    return values.mask(outside)


TOTAL_HINT = r"合|总|小|汇|(?i:total|sum)"


def _drop_blank_and_totals(rows: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Rows without blank rows and 合计/总计/Total rows, and how many of each were dropped."""
    blank = rows.isna().all(axis=1)
    rows = rows[~blank]
    first = rows.iloc[:, : min(3, rows.shape[1])]
    hint = pd.concat([first[c].astype("string").str.contains(TOTAL_HINT, regex=True).fillna(False)
                      for c in first.columns], axis=1).any(axis=1) if len(first.columns) else blank[~blank]
    totals = pd.Series(False, index=rows.index)
    if hint.any():  # only the few candidate rows get the exact (slower) check
        totals[hint] = rows[hint].apply(is_total_row, axis=1).astype(bool)
    return rows[~totals], int(blank.sum()), int(totals.sum())


def _parse_field(fld: str, raw: pd.Series, mapping: Mapping, rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    ftype = field_dictionary()[fld].type
    if ftype == "duration":
        return V.parse_duration(raw, unit=_unit(mapping.units.get(fld)))
    if ftype == "datetime":
        return _parse_datetime(fld, raw, mapping, rows)
    if ftype == "date":
        return V.parse_date(raw, dayfirst=mapping.dayfirst)
    if ftype == "bool":
        return V.parse_bool(raw)
    if ftype in ("int", "number"):
        return V.parse_number(raw)
    if ftype == "id":
        return V.parse_id(raw)
    if ftype == "enum":
        return V.map_values(raw, value_index(fld, mapping))
    if ftype == "csat":
        return parse_csat(raw, mapping.csat_scale)
    text = raw.astype("string").str.strip()
    return text.mask(text.eq("")), pd.Series(False, index=raw.index)


def _unit(unit: str | None) -> str:
    return unit if unit in ("s", "min", "h") else "s"


def _parse_datetime(fld, raw, mapping, rows):
    """A datetime column; a time-of-day column is combined with the row's date column."""
    if "date" in mapping.columns and fld != "date" and V.looks_like_time_of_day(raw):
        date, _bad_date = V.parse_date(rows[mapping.columns["date"]], dayfirst=mapping.dayfirst)
        seconds, bad = V.parse_time_of_day(raw)
        return V.combine_date_time(date, seconds), bad
    return V.parse_datetime(raw, dayfirst=mapping.dayfirst)


def value_index(fld: str, mapping: Mapping) -> dict[str, str]:
    """Built-in synonyms of the field's value map plus the user's additions (which win)."""
    base = dict(value_maps()[field_dictionary()[fld].value_map])
    index = V.build_value_index(base)
    index.update(V.build_value_index({canon: [raw] for raw, canon in mapping.values.get(fld, {}).items()}))
    return index


def _require(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems, fields) -> None:
    for fld in fields:
        if fld in mapping.columns:
            header = mapping.columns[fld]
            missing = cleaned.frame[fld].isna() & rows[header].isna()
            problems.add(missing, rows[header].fillna(""), header, fld, "row.missing")


def _check_durations(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    for fld, header in mapping.columns.items():
        if field_dictionary()[fld].type == "duration":
            secs = cleaned.frame[fld]
            problems.add(secs.lt(0).fillna(False), rows[header], header, fld, "row.negative")
            problems.add(secs.gt(MAX_DURATION_S).fillna(False), rows[header], header, fld, "row.too_long")


def _calls_rules(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    _require(cleaned, rows, mapping, problems, ("call_id", "start_time"))
    _check_durations(cleaned, rows, mapping, problems)
    frame = cleaned.frame
    if "direction" not in frame:
        frame["direction"] = "inbound"
    frame["direction"] = frame["direction"].fillna("inbound")
    answered_hint = frame["talk_s"].gt(0) if "talk_s" in frame else pd.Series(False, index=frame.index)
    if "answer_time" in frame:
        answered_hint = answered_hint | frame["answer_time"].notna()
    inferred = answered_hint.fillna(False).map({True: "answered", False: "abandoned"}).astype("string")
    if "result" not in frame:
        cleaned.findings.append(Finding("info", "clean.inferred_result"))
        frame["result"] = inferred
    else:
        frame["result"] = frame["result"].fillna(inferred.where(rows[mapping.columns["result"]].isna()))
    frame["date"] = frame["start_time"].dt.strftime("%Y-%m-%d").astype("string")


def _states_rules(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    shapes = kind_spec("agent_states").shapes
    shape = next((s for s, need in shapes.items() if all(f in mapping.columns for f in need)), None)
    cleaned.shape = shape
    if shape is None:
        cleaned.findings.append(Finding("error", "clean.no_shape"))
        return
    _require(cleaned, rows, mapping, problems, ("agent_id", *shapes[shape]))
    _check_durations(cleaned, rows, mapping, problems)
    if "state" in mapping.columns:
        cleaned.frame["state_label"] = rows[mapping.columns["state"]].astype("string").str.strip()
    if shape == "log":
        cleaned.frame["date"] = cleaned.frame["state_start"].dt.strftime("%Y-%m-%d").astype("string")
    else:
        cleaned.frame["date"] = cleaned.frame["date"].dt.strftime("%Y-%m-%d").astype("string")


def _roster_rules(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    _require(cleaned, rows, mapping, problems, ("agent_id",))
    if "hire_date" in cleaned.frame:
        cleaned.frame["hire_date"] = cleaned.frame["hire_date"].dt.strftime("%Y-%m-%d").astype("string")


def _recordings_rules(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    """A recording needs its id and start (a time-of-day column is combined with the date column, as
    for calls); its date is the start's; lengths are checked like call durations."""
    _require(cleaned, rows, mapping, problems, ("recording_id", "start_time"))
    _check_durations(cleaned, rows, mapping, problems)
    cleaned.frame["date"] = cleaned.frame["start_time"].dt.strftime("%Y-%m-%d").astype("string")


def _qa_scores_rules(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    """One row per recording × item of another QA system's export.

    The date is the start time's, else the date column's. A missing result is derived from the points:
    points = max → pass, 0 → fail, otherwise partial; without max points a row cannot be scored and is
    rejected (unless its result is N/A), as are points above the maximum or below 0. A given result with
    no points takes max (pass) or 0 (fail) points; "partial" needs points."""
    frame = cleaned.frame
    _require(cleaned, rows, mapping, problems, ("recording_id", "qa_item"))
    start = frame["start_time"] if "start_time" in frame else pd.Series(pd.NaT, index=frame.index)
    day = frame["date"] if "date" in frame else pd.Series(pd.NaT, index=frame.index)
    when = start.dt.normalize().fillna(day)
    no_date = when.isna() & _blank(rows, mapping, "start_time") & _blank(rows, mapping, "date")
    header = mapping.columns.get("start_time") or mapping.columns["date"]
    problems.add(no_date, rows[header].fillna(""), header, "start_time", "row.missing")
    frame["date"] = pd.to_datetime(when).dt.strftime("%Y-%m-%d").astype("string")

    nan = pd.Series(float("nan"), index=frame.index, dtype="float64")
    points = frame["qa_points"].astype("float64") if "qa_points" in frame else nan
    top = frame["qa_max_points"].astype("float64") if "qa_max_points" in frame else nan
    result = frame["qa_result"] if "qa_result" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    raw_points = rows[mapping.columns["qa_points"]] if "qa_points" in mapping.columns else points
    shown = points.map("{:g}".format).where(points.notna(), "")
    pair = (shown + " > " + top.map("{:g}".format)).astype("string")

    nothing = points.isna() & result.isna()
    where = mapping.columns.get("qa_points") or mapping.columns["qa_result"]
    problems.add(nothing & _blank(rows, mapping, "qa_points") & _blank(rows, mapping, "qa_result"),
                 rows[where].fillna(""), where, "qa_points", "qa.row_no_score")
    max_header = mapping.columns.get("qa_max_points", where)
    scored = ~nothing & result.ne("na").fillna(True)
    problems.add(scored & top.isna(), shown, max_header, "qa_max_points", "qa.row_no_max")
    problems.add(top.le(0).fillna(False), top.astype("string"), max_header, "qa_max_points", "qa.row_bad_max")
    problems.add(points.gt(top).fillna(False), pair, where, "qa_points", "qa.row_over_max")
    problems.add(points.lt(0).fillna(False), raw_points.astype("string"), where, "qa_points", "qa.row_negative_points")
    problems.add(result.eq("partial").fillna(False) & points.isna(), result.fillna(""),
                 mapping.columns.get("qa_result", where), "qa_result", "qa.row_partial_no_points")

    derived = pd.Series("partial", index=frame.index, dtype="string")
    derived = derived.mask(points.eq(top).fillna(False), "pass").mask(points.eq(0).fillna(False), "fail")
    frame["qa_result"] = result.fillna(derived.where(points.notna()))
    by_result = top.where(frame["qa_result"].eq("pass").fillna(False)).fillna(
        pd.Series(0.0, index=frame.index).where(frame["qa_result"].eq("fail").fillna(False)))
    frame["qa_points"] = points.where(frame["qa_result"].ne("na").fillna(True)).fillna(by_result)
    if "qa_max_points" not in frame:
        frame["qa_max_points"] = top


def _blank(rows: pd.DataFrame, mapping: Mapping, fld: str) -> pd.Series:
    """True where the field's column is blank (or the field has no column)."""
    if fld not in mapping.columns:
        return pd.Series(True, index=rows.index)
    return rows[mapping.columns[fld]].isna()


RULES = {"calls": _calls_rules, "agent_states": _states_rules, "roster": _roster_rules,
         "recordings": _recordings_rules, "qa_scores": _qa_scores_rules}


def _check_key(cleaned: Cleaned, rows: pd.DataFrame, mapping: Mapping, problems: _Problems) -> None:
    """Build ``rkey`` from the user's key headers (raw text) or the kind's key fields."""
    if mapping.key:
        parts = [(h, rows[h].astype("string").str.strip()) for h in mapping.key]
    else:
        key_fields = kind_spec(mapping.kind).key_for(cleaned.shape)
        parts = [(mapping.columns.get(f, f), cleaned.frame[f].astype("string"))
                 for f in key_fields if f in cleaned.frame]
    for header, values in parts:
        problems.add(values.isna() | values.eq(""), values.fillna(""), header, header, "row.key_blank")
    if parts:
        key = parts[0][1].fillna("")
        for _h, values in parts[1:]:
            key = key + "\x1f" + values.fillna("")
        cleaned.frame["rkey"] = key


def rejects_table(cleaned: Cleaned, lang: str = "zh") -> pd.DataFrame:
    """Rejected rows for display and download: Excel row, column, value and the reason in ``lang``."""
    rej = cleaned.rejects
    reasons = [t(code, lang, value=value, column=column)
               for code, value, column in zip(rej["code"], rej["value"], rej["column"])]
    labels = {"zh": ("行号", "列", "值", "原因"), "en": ("Row", "Column", "Value", "Reason")}[lang]
    return pd.DataFrame({labels[0]: rej["row"], labels[1]: rej["column"], labels[2]: rej["value"],
                         labels[3]: reasons})
