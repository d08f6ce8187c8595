"""A mapping from one export's headers to canonical fields, and how it is guessed.

A :class:`Mapping` is plain data (saved as a profile keyed by the header signature, so the same
export maps itself next time). :func:`auto_mapping` picks the sheet with the most recognised
headers, finds the header row under any title rows, and matches headers to fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from ccdash.config import SourceKind, field_dictionary, source_kinds
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.ingest.headers import (
    find_header_row, header_signature, match_headers, normalize_header, synonym_index, unique_headers,
)
from ccdash.ingest.read import RawSheet

MESSAGES = {
    "map.unknown_kind": {
        "zh": "未知的数据类型 {kind}；可选：{choices}",
        "en": "Unknown source kind {kind}; choose one of: {choices}",
    },
    "map.no_headers": {
        "zh": "文件 {file} 中没有找到可识别的表头（{kind}）。请确认数据类型正确，或手工指定列映射"
              "（页面上的“调整列映射”，命令行的 --map 字段=列名）。文件中的列：{columns}",
        "en": "No recognisable headers found in {file} ({kind}). Check the data kind, or map the columns by hand "
              "(“Adjust the mapping” on the page, --map FIELD=COLUMN on the command line). Columns: {columns}",
    },
    "map.unknown_header": {
        "zh": "映射 {field}={header}：文件中没有名为“{header}”的列。现有列：{choices}",
        "en": "Mapping {field}={header}: the file has no column named “{header}”. Columns: {choices}",
    },
    "map.unknown_field": {
        "zh": "映射中的字段 {field} 不属于 {kind}；可用字段：{choices}",
        "en": "Field {field} does not belong to {kind}; fields: {choices}",
    },
}
register(MESSAGES)


@dataclass
class Mapping:
    kind: str
    sheet: str = ""
    header_row: int = 0  # position of the header row in RawSheet.cells
    columns: dict[str, str] = field(default_factory=dict)  # field -> header text
    confidence: dict[str, str] = field(default_factory=dict)  # field -> exact|contains|similar|manual|profile
    units: dict[str, str] = field(default_factory=dict)  # field -> s|min|h|hms (from the header or the user)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {raw: canonical}
    key: tuple[str, ...] = ()  # header texts of a user-declared key; () = the kind's default key
    csat_scale: str = "auto"  # auto | 5 | 10 | 3level
    dayfirst: bool | None = None
    signature: str = ""

    def to_doc(self) -> dict:
        doc = asdict(self)
        doc["key"] = list(self.key)
        return doc

    @classmethod
    def from_doc(cls, doc: dict) -> "Mapping":
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        known["key"] = tuple(known.get("key") or ())
        return cls(**known)


def kind_spec(kind: str) -> SourceKind:
    kinds = {k: v for k, v in source_kinds().items() if not v.later}
    if kind not in kinds:
        raise CcdashError("map.unknown_kind", kind=kind, choices=", ".join(kinds))
    return kinds[kind]


def missing_required(kind: str, columns: dict[str, str]) -> list[str]:
    """The required fields of ``kind`` that have no column (an entry ``a|b`` is met by either; it is
    reported as its first alternative)."""
    entries = [entry.split("|") for entry in kind_spec(kind).required]
    return [alternatives[0] for alternatives in entries if not any(f in columns for f in alternatives)]


def headers_of(sheet: RawSheet, header_row: int) -> list[str]:
    if sheet.cells.empty:
        return []
    return unique_headers(sheet.cells.iloc[header_row])


def best_sheet(previews: list[RawSheet], kind: str) -> tuple[RawSheet, int, int]:
    """The sheet with the most recognised headers: ``(sheet, header row, recognised count)``."""
    index = synonym_index(field_dictionary(), kind_spec(kind).fields)
    scored = [(find_header_row(s.cells, index), i, s) for i, s in enumerate(previews)]
    (row, hits), _i, sheet = max(scored, key=lambda x: (x[0][1], -x[1]))
    return sheet, row, hits


def auto_mapping(sheet: RawSheet, kind: str, header_row: int | None = None) -> Mapping:
    """Guess the mapping of one sheet: header row, then each header to a field."""
    spec = kind_spec(kind)
    index = synonym_index(field_dictionary(), spec.fields)
    if header_row is None:
        header_row = find_header_row(sheet.cells, index)[0]
    headers = headers_of(sheet, header_row)
    mapping = Mapping(kind=kind, sheet=sheet.name, header_row=header_row, signature=header_signature(headers))
    for m in match_headers(headers, index):
        if m.field:
            mapping.columns[m.field] = m.header
            mapping.confidence[m.field] = m.confidence
        if m.field and m.unit:
            mapping.units[m.field] = m.unit
    return mapping


def apply_overrides(mapping: Mapping, headers: list[str], *, columns: dict[str, str] | None = None,
                    values: dict[str, dict[str, str]] | None = None, key: tuple[str, ...] | None = None,
                    **options) -> Mapping:
    """A copy of ``mapping`` with the user's choices: ``columns`` field→header ("" unmaps a field)."""
    spec = kind_spec(mapping.kind)
    cols, conf, units = dict(mapping.columns), dict(mapping.confidence), dict(mapping.units)
    for fld, header in (columns or {}).items():
        if fld not in spec.fields:
            raise CcdashError("map.unknown_field", field=fld, kind=mapping.kind, choices=", ".join(spec.fields))
        _take_header(cols, conf, units, fld, header, headers)
    merged = {f: dict(v) for f, v in mapping.values.items()}
    for fld, pairs in (values or {}).items():
        merged.setdefault(fld, {}).update(pairs)
    for header in key or ():
        _check_header(header, headers, "key")
    return replace(mapping, columns=cols, confidence=conf, units=units, values=merged,
                   key=tuple(key) if key is not None else mapping.key, **options)


def _take_header(cols: dict, conf: dict, units: dict, fld: str, header: str, headers: list[str]) -> None:
    for other in [f for f, h in cols.items() if h == header and f != fld]:
        cols.pop(other), conf.pop(other, None)
    if not header:
        cols.pop(fld, None), conf.pop(fld, None), units.pop(fld, None)
        return
    _check_header(header, headers, fld)
    cols[fld], conf[fld] = header, "manual"
    unit = normalize_header(header)[1]
    if unit:
        units[fld] = unit


def _check_header(header: str, headers: list[str], fld: str) -> None:
    if header not in headers:
        raise CcdashError("map.unknown_header", field=fld, header=header, choices=", ".join(headers))


def data_rows(sheet: RawSheet, mapping: Mapping) -> pd.DataFrame:
    """The rows below the header, columns named by header text, index = Excel row number."""
    headers = headers_of(sheet, mapping.header_row)
    body = sheet.cells.iloc[mapping.header_row + 1:]
    body = body.set_axis(headers, axis=1)
    return body.set_axis(pd.RangeIndex(sheet.first_row + mapping.header_row + 1,
                                       sheet.first_row + mapping.header_row + 1 + len(body)), axis=0)
