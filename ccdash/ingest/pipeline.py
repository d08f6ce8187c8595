"""Upload → mapping → validated rows → one atomic import. The one entry point pages and CLI use.

    plan = prepare_import(data, "呼入明细.xlsx", "calls", engine=engine)   # read, map, validate
    plan.report, plan.findings, rejects_table(plan.cleaned)                  # show, fix, re-prepare
    outcome = run_import(engine, plan, actor=actor)                          # one transaction

Problems the user can fix on the page (no recognised header, a required column not mapped, rejected
rows) are findings of the prepared import, never exceptions: the page shows them next to the column
pickers. Each step takes an optional ``progress(fraction, stage)`` callback (see ``progress.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Engine

from ccdash.auth.roles import Actor, authorize
from ccdash.config import field_dictionary
from ccdash.findings import CcdashError, Finding, has_errors
from ccdash.i18n import LIST_SEP, in_each_lang, joined, register
from ccdash.ingest.clean import Cleaned, clean_rows
from ccdash.ingest.mapping import (
    Mapping, apply_overrides, auto_mapping, best_sheet, data_rows, headers_of, kind_spec, missing_required,
)
from ccdash.ingest.progress import Progress, part
from ccdash.ingest.read import RawSheet, read_sheet, sheet_names
from ccdash.store.imports import CommitResult, commit_import, load_profile, save_profile, sha256_of

MESSAGES = {
    "import.no_rows": {"zh": "工作表“{sheet}”没有数据行。", "en": "Sheet “{sheet}” has no data rows."},
    "import.missing_fields": {
        "zh": "缺少必需的列：{fields}。请在映射中为它们指定列。",
        "en": "Required columns are missing: {fields}. Map a column to each of them.",
    },
    "import.duplicate_keys": {
        "zh": "文件中有 {count} 行的主键（{key}）重复，例如第 {rows} 行。为免把不同的记录合并，请指定能唯一区分每行的主键列（如 --key 列1,列2）。",
        "en": "{count} rows share a key ({key}) with another row, e.g. rows {rows}. So that distinct records are not merged, choose key columns that identify each row (e.g. --key col1,col2).",
    },
    "import.nothing_accepted": {
        "zh": "没有可导入的行：{rejected} 行被拒绝（见拒绝明细）。",
        "en": "No row can be imported: {rejected} rows were rejected (see the rejected rows).",
    },
    "import.profile_applied": {
        "zh": "已套用上次保存的映射（{when}）。", "en": "Applied the mapping saved last time ({when}).",
    },
    "import.rows_rejected": {
        "zh": "{count} 行被拒绝，不会导入；被拒绝的行（行号、列、原因）列在下方，可下载。",
        "en": "{count} rows rejected and not imported; the rejected rows (row, column, reason) are listed below "
              "for download.",
    },
}
register(MESSAGES)


@dataclass
class Prepared:
    file_name: str
    sha256: str
    kind: str
    sheets: list[str]
    mapping: Mapping
    headers: list[str]
    cleaned: Cleaned
    findings: list[Finding] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    data: bytes = field(default=b"", repr=False, compare=False)  # the original file, kept by the import

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


@dataclass
class Outcome:
    prepared: Prepared
    commit: CommitResult | None

    @property
    def report(self) -> dict:
        out = dict(self.prepared.report)
        if self.commit:
            out.update(import_id=self.commit.import_id, status=self.commit.status,
                       inserted=self.commit.inserted, updated=self.commit.updated)
        return out


READ_SHARE, MAP_SHARE = 0.5, 0.05  # of prepare_import's progress: reading, then mapping, then validating
PREPARE_SHARE = 0.8  # of import_file's progress: the rest is writing


def choose_sheet(data: bytes, file_name: str, kind: str, sheet: str | None,
                 progress: Progress | None = None) -> tuple[RawSheet, list[str], int | None]:
    """The full sheet to import (the user's, or the one with most recognised headers) and its header row.

    Each sheet is parsed once: fastexcel parses a whole sheet even for a preview, so the sheets are read
    in full and the best one is kept."""
    report = part(progress, 0.0, 1.0)
    report(0.0, "read")
    names = sheet_names(data, file_name)
    if sheet:
        chosen = read_sheet(data, file_name, sheet)
        report(1.0, "read")
        return chosen, names, None
    sheets = []
    for done, name in enumerate(names):
        report(done / len(names), "read")
        sheets.append(read_sheet(data, file_name, name))
    report(1.0, "read")
    chosen, row, _hits = best_sheet(sheets, kind)
    return chosen, names, row


def prepare_import(data: bytes, file_name: str, kind: str, *, engine: Engine | None = None,
                   sheet: str | None = None, columns: dict[str, str] | None = None,
                   values: dict[str, dict[str, str]] | None = None, key: tuple[str, ...] | None = None,
                   csat_scale: str | None = None, dayfirst: bool | str | None = None,
                   raw: RawSheet | None = None, progress: Progress | None = None) -> Prepared:
    """Read, map (saved profile → auto → the user's overrides) and validate; nothing is written.

    ``None`` options keep the saved or automatic choice; ``dayfirst="auto"`` clears a saved one."""
    kind_spec(kind)
    report = part(progress, 0.0, 1.0)
    report(0.0, "read")
    if raw is None:
        raw, names, header_row = choose_sheet(data, file_name, kind, sheet, part(progress, 0.0, READ_SHARE))
    else:
        names, header_row = [raw.name], None
    report(READ_SHARE, "map")
    mapping = auto_mapping(raw, kind, header_row)
    headers = headers_of(raw, mapping.header_row)
    mapping, findings = _apply_profile(engine, mapping, headers)
    options: dict = {} if csat_scale is None else {"csat_scale": csat_scale}
    if dayfirst is not None:
        options["dayfirst"] = None if dayfirst == "auto" else bool(dayfirst)
    mapping = apply_overrides(mapping, headers, columns=columns, values=values, key=key, **options)
    return _validate(data, file_name, kind, names, raw, mapping, headers, findings,
                     part(progress, READ_SHARE + MAP_SHARE, 1.0))


def _apply_profile(engine: Engine | None, mapping: Mapping, headers: list[str]) -> tuple[Mapping, list[Finding]]:
    """The mapping saved for these headers (each of its fields marked "profile"), else ``mapping``."""
    profile = load_profile(engine, mapping.kind, mapping.signature) if engine is not None else None
    saved = Mapping.from_doc(profile) if profile else None
    if saved is None or saved.header_row != mapping.header_row:
        return mapping, []
    columns = {f: h for f, h in saved.columns.items() if h in headers}
    saved = replace(saved, sheet=mapping.sheet, signature=mapping.signature, columns=columns,
                    confidence=dict.fromkeys(columns, "profile"),
                    units={f: u for f, u in saved.units.items() if f in columns})
    return saved, [Finding("info", "import.profile_applied", {"when": profile.get("saved_at", "")})]


def _validate(data, file_name, kind, names, raw, mapping, headers, findings, progress=None) -> Prepared:
    if raw.cells.empty or len(raw.cells) <= mapping.header_row + 1 and not mapping.columns:
        raise CcdashError("import.no_rows", sheet=raw.name or file_name)
    rows = data_rows(raw, mapping)
    missing = missing_required(kind, mapping.columns)
    cleaned = clean_rows(rows, mapping, progress=progress)
    findings = findings + _mapping_errors(file_name, kind, mapping, headers, missing) + cleaned.findings
    if rows.empty:
        findings.append(Finding("error", "import.no_rows", {"sheet": raw.name}))
    elif cleaned.frame.empty and not missing:
        findings.append(Finding("error", "import.nothing_accepted", {"rejected": cleaned.rejected}))
    elif cleaned.rejected:
        findings.append(Finding("warning", "import.rows_rejected", {"count": cleaned.rejected}))
    findings += _duplicate_keys(cleaned, mapping)
    prepared = Prepared(file_name, sha256_of(data), kind, names, mapping, headers, cleaned, findings, data=data)
    prepared.report = import_report(prepared)
    return prepared


def _mapping_errors(file_name: str, kind: str, mapping: Mapping, headers: list[str],
                    missing: list[str]) -> list[Finding]:
    """No column recognised at all, or required fields without a column: the user maps them by hand."""
    if not mapping.columns:
        columns = joined(headers[:20] + ["…"] * (len(headers) > 20))
        return [Finding("error", "map.no_headers",
                        {"file": file_name, "kind": in_each_lang(kind_spec(kind).label.get), "columns": columns})]
    if not missing:
        return []
    labels = field_dictionary()
    fields = in_each_lang(lambda lang: LIST_SEP[lang].join(f"{labels[f].label.get(lang)} ({f})" for f in missing))
    return [Finding("error", "import.missing_fields", {"fields": fields})]


def _duplicate_keys(cleaned: Cleaned, mapping: Mapping) -> list[Finding]:
    if "rkey" not in cleaned.frame:
        return []
    dup = cleaned.frame["rkey"].duplicated(keep=False)
    if not dup.any():
        return []
    key = ", ".join(mapping.key or [mapping.columns.get(f, f) for f in kind_spec(mapping.kind).key_for(cleaned.shape)])
    rows = ", ".join(str(r) for r in cleaned.frame.index[dup][:6])
    return [Finding("error", "import.duplicate_keys", {"count": int(dup.sum()), "key": key, "rows": rows})]


def import_report(prepared: Prepared) -> dict:
    """Rows read / accepted / rejected / ignored, date range, agents, and the fill rate of each field."""
    c = prepared.cleaned
    frame = c.frame
    dates = frame["date"].dropna() if "date" in frame else pd.Series(dtype="string")
    fields = [f for f in prepared.mapping.columns if f in frame]
    return {
        "file": prepared.file_name, "kind": prepared.kind, "shape": c.shape, "sheet": prepared.mapping.sheet,
        "rows_read": c.rows_read, "accepted": len(frame), "rejected": c.rejected, "ignored": c.ignored,
        "blank_rows": c.blank_rows, "total_rows": c.total_rows,
        "date_from": dates.min() if len(dates) else None, "date_to": dates.max() if len(dates) else None,
        "agents": int(frame["agent_id"].nunique()) if "agent_id" in frame else 0,
        "fill_rate": {f: round(float(frame[f].notna().mean()), 4) if len(frame) else 0.0 for f in fields},
        "unknown_values": c.unknown_values,
    }


def run_import(engine: Engine, prepared: Prepared, *, actor: Actor, remember: bool = True,
               progress: Progress | None = None, action: str = "import.run", replaces: int | None = None) -> Outcome:
    """Write a prepared import (refused while it has errors) and remember its mapping. Needs ``imports.run``;
    ``action`` names the audit row (import.run, or import.rerun for a re-run from the kept original, which
    names the import it ``replaces``)."""
    authorize(actor, "imports.run", engine)
    errors = [f for f in prepared.findings if f.level == "error"]
    if errors:
        raise CcdashError(errors[0].code, **errors[0].params)
    report = part(progress, 0.0, 1.0)
    report(0.0, "write")
    r = prepared.report
    counts = {k: int(r[k]) for k in ("rows_read", "accepted", "rejected", "ignored", "blank_rows", "total_rows")}
    frame = prepared.cleaned.frame
    result = commit_import(engine, kind=prepared.kind, shape=prepared.cleaned.shape, frame=frame,
                           sha256=prepared.sha256, file_name=prepared.file_name, sheet=prepared.mapping.sheet,
                           counts=counts, mapping=prepared.mapping.to_doc(), report=r, actor=actor, action=action,
                           data=prepared.data, replaces=replaces)
    if remember and result.status == "imported":
        from ccdash.store.db import now_text
        save_profile(engine, prepared.kind, prepared.mapping.signature,
                     {**prepared.mapping.to_doc(), "saved_at": now_text()}, actor=actor)
    report(1.0, "write")
    return Outcome(prepared, result)


def import_file(engine: Engine, path, kind: str, *, actor: Actor, dry_run: bool = False,
                progress: Progress | None = None, **options) -> Outcome:
    """Prepare and (unless ``dry_run``) import one file from disk. Needs ``imports.run`` even for a dry run
    (it reads the saved mapping profiles, which only those who import see)."""
    from pathlib import Path
    authorize(actor, "imports.run", engine)
    p = Path(path)
    share = 1.0 if dry_run else PREPARE_SHARE
    prepared = prepare_import(p.read_bytes(), p.name, kind, engine=engine, progress=part(progress, 0.0, share),
                              **options)
    if dry_run:
        return Outcome(prepared, None)
    return run_import(engine, prepared, actor=actor, progress=part(progress, share, 1.0))
