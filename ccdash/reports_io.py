"""Writing tables to .xlsx/.csv safely: text a spreadsheet would run as a formula is escaped."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells starting with = + - @ (or a tab/CR) with a quote so they stay text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            text = out[col].astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False)
            out[col] = text.where(~risky, "'" + text)
    return out


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path | None = None) -> bytes:
    """Write sheets to an .xlsx (to ``path`` and/or returned as bytes), headers frozen, widths fitted."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = escape_formulas(frame)
            safe.to_excel(writer, sheet_name=name[:31], index=False)
            ws = writer.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for i, col in enumerate(safe.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200).tolist()]) + 2
                ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(width, 8), 60)
    data = buf.getvalue()
    if path:
        Path(path).write_bytes(data)
    return data


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel opens Chinese text correctly, formulas escaped."""
    return escape_formulas(frame).to_csv(index=False).encode("utf-8-sig")
