"""Imports: atomic, idempotent, undoable.

One transaction per import: the import log row, the records, superseding older versions of the same
natural keys, and the measure rebuild. The same file again (same sha256) is a no-op; an overlapping
file upserts by key; undo deletes the import's records, restores what they replaced and rebuilds.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from ccdash import audit
from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.store.db import bulk_insert, now_text, store_salt
from ccdash.store.locks import import_transaction
from ccdash.store.originals import keep_original
from ccdash.store.measures import call_measures
from ccdash.store.rebuild import call_context, others_in_range, rebuild, shift
from ccdash.store.schema import RECORDS, imports, mapping_profiles

MESSAGES = {
    "import.same_file": {
        "zh": "这个文件已于 {when} 导入过（导入 #{id}），本次未做任何改动。",
        "en": "This file was already imported on {when} (import #{id}); nothing was changed.",
    },
    "import.not_active": {
        "zh": "导入 #{id} 不存在或已撤销。", "en": "Import #{id} does not exist or was already undone.",
    },
    "import.failed": {
        "zh": "导入失败，数据库未做任何改动：{detail}",
        "en": "The import failed and the store was left unchanged: {detail}",
    },
}
register(MESSAGES)


@dataclass
class CommitResult:
    import_id: int
    status: str  # imported | same_file
    inserted: int = 0
    updated: int = 0
    date_from: str | None = None
    date_to: str | None = None
    previous: dict | None = None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _records_frame(frame: pd.DataFrame, conn: Connection, kind: str, import_id: int) -> pd.DataFrame:
    """The cleaned frame as record rows: phone numbers hashed and masked, bookkeeping columns added."""
    out = frame.copy()
    for phone in ("caller", "callee"):
        if phone in out:
            out[f"{phone}_hash"], out[f"{phone}_mask"] = hash_numbers(out[phone], store_salt(conn))
            out = out.drop(columns=phone)
    return out.assign(import_id=import_id, is_current=1)


def hash_numbers(numbers: pd.Series, salt: str) -> tuple[pd.Series, pd.Series]:
    """Salted sha256 of each phone number (repeat calls still match) and a masked display text,
    computed once per distinct number."""
    text = numbers.astype("string").str.replace(r"[\s\-]", "", regex=True)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    prefix = f"{salt}:".encode()
    plain = uniques.tolist()
    digests = np.array([hashlib.sha256(prefix + n.encode()).hexdigest()[:32] for n in plain] + [None], dtype=object)
    masks = np.array([mask_number(n) for n in plain] + [None], dtype=object)
    pick = np.where(codes < 0, len(plain), codes)
    return (pd.Series(digests[pick], index=numbers.index, dtype="string"),
            pd.Series(masks[pick], index=numbers.index, dtype="string"))


def mask_number(number: str) -> str:
    """13912345678 → 139****5678; short numbers keep only their first two characters."""
    return f"{number[:3]}****{number[-4:]}" if len(number) > 7 else f"{number[:2]}****"


def find_same_file(conn: Connection, sha: str, kind: str):
    return conn.execute(select(imports).where(
        imports.c.sha256 == sha, imports.c.kind == kind, imports.c.status == "active")).first()


def commit_import(engine: Engine, *, kind: str, shape: str | None, frame: pd.DataFrame, sha256: str,
                  file_name: str, sheet: str, counts: dict, mapping: dict, report: dict, actor: Actor,
                  action: str = "import.run", data: bytes = b"", replaces: int | None = None) -> CommitResult:
    """Write one import in a single transaction; a file already imported is a no-op. Needs ``imports.run``;
    the audit row (``action``: import.run, or import.rerun for a re-run, naming the import it ``replaces``)
    is part of the same transaction."""
    authorize(actor, "imports.run", engine)
    detail = {"file_name": file_name, "kind": kind, "sha256": sha256, "counts": counts}
    if replaces is not None:
        detail["replaces"] = f"import:{replaces}"
    with import_transaction(engine) as conn:  # the import lock before the first read (ccdash/store/locks.py)
        same = find_same_file(conn, sha256, kind)
        if same is not None:
            audit.record(conn, actor, action, f"import:{same.id}", {**detail, "status": "same_file"})
            return CommitResult(same.id, "same_file", previous=dict(same._mapping))
        if data:  # the uploaded original, kept content-addressed for a re-run (ccdash/store/originals.py)
            keep_original(conn, sha256, file_name, data)
        dates = frame["date"].dropna() if "date" in frame else pd.Series(dtype="string")
        d0, d1 = (dates.min(), dates.max()) if len(dates) else (None, None)
        import_id = conn.execute(insert(imports).values(
            kind=kind, shape=shape, file_name=file_name, sha256=sha256, sheet=sheet, status="active",
            created_at=now_text(), date_from=d0, date_to=d1, mapping=json.dumps(mapping, ensure_ascii=False),
            report=json.dumps(report, ensure_ascii=False, default=str), **counts)).inserted_primary_key[0]
        records = _records_frame(frame, conn, kind, import_id)
        with ThreadPoolExecutor(max_workers=1) as pool:
            early = _measures_early(conn, pool, kind, records, d0, d1)
            bulk_insert(conn, RECORDS[kind], records)
            updated, r0, r1 = _supersede(conn, kind, import_id)
            conn.execute(update(imports).where(imports.c.id == import_id).values(
                inserted=len(records) - updated, updated=updated))
            _rebuild_after_import(conn, kind, d0, d1, r0, r1, early)
        audit.record(conn, actor, action, f"import:{import_id}",
                     {**detail, "inserted": len(records) - updated, "updated": updated})
        return CommitResult(import_id, "imported", len(records) - updated, updated, d0, d1)


def _measures_early(conn: Connection, pool: ThreadPoolExecutor, kind: str, records: pd.DataFrame,
                    d0: str | None, d1: str | None) -> Future | None:
    """For calls on dates the store has nothing current for (the usual daily or monthly file), start
    computing the measures from the frame in a second thread while the records are being written —
    the writer spends most of its time inside SQLite, which releases the GIL. Otherwise ``None``:
    the measures are rebuilt from the store after the records are in."""
    if kind != "calls" or d0 is None or others_in_range(conn, kind, d0, d1, -1):
        return None
    teams, context = call_context(conn, d1)
    return pool.submit(call_measures, records.copy(), teams, context)


def _supersede(conn: Connection, kind: str, import_id: int) -> tuple[int, str | None, str | None]:
    """Mark older current versions of this import's keys as replaced; their count and date range."""
    rec = RECORDS[kind]
    new = rec.alias("new")
    older = select(rec.c.id).join(new, and_(new.c.rkey == rec.c.rkey, new.c.import_id == import_id)).where(
        rec.c.is_current == 1, rec.c.import_id != import_id)
    ids = [r[0] for r in conn.execute(older)]
    if not ids:
        return 0, None, None
    r0 = r1 = None
    if "date" in rec.c:
        r0, r1 = conn.execute(select(func.min(rec.c.date), func.max(rec.c.date)).where(rec.c.id.in_(ids))).one()
    for start in range(0, len(ids), 20_000):
        conn.execute(update(rec).where(rec.c.id.in_(ids[start:start + 20_000])).values(is_current=0))
    return len(ids), r0, r1


def _rebuild_after_import(conn, kind, d0, d1, r0, r1, early: Future | None) -> None:
    if kind == "roster" or d0 is None:
        rebuild(conn, kind, None, None)
        return
    if kind == "calls":  # earlier days may now have a repeat call within the window
        rebuild(conn, kind, shift(d0, -7), shift(d0, -1))
    fine = early.result() if early is not None else None
    if r0 is not None:  # older versions were replaced (possibly on other dates): rebuild from the store
        rebuild(conn, kind, min(r0, d0), max(r1, d1))
        return
    rebuild(conn, kind, d0, d1, fine)


def undo_import(engine: Engine, import_id: int, *, actor: Actor) -> dict:
    """Remove an import: its records go, the versions it replaced come back, measures are rebuilt.
    Needs ``imports.run``."""
    authorize(actor, "imports.run", engine)
    with import_transaction(engine) as conn:
        row = conn.execute(select(imports).where(imports.c.id == import_id, imports.c.status == "active")).first()
        if row is None:
            raise CcdashError("import.not_active", id=import_id)
        rec = RECORDS[row.kind]
        mine = select(rec.c.rkey).where(rec.c.import_id == import_id, rec.c.is_current == 1)
        latest = (select(func.max(rec.c.id)).where(rec.c.import_id != import_id, rec.c.rkey.in_(mine))
                  .group_by(rec.c.rkey))
        restore = [r[0] for r in conn.execute(latest)]
        span = [conn.execute(select(func.min(rec.c.date), func.max(rec.c.date)).where(cond)).one()
                for cond in (rec.c.import_id == import_id, rec.c.id.in_(restore or [-1]))] if "date" in rec.c else []
        for start in range(0, len(restore), 20_000):
            conn.execute(update(rec).where(rec.c.id.in_(restore[start:start + 20_000])).values(is_current=1))
        conn.execute(rec.delete().where(rec.c.import_id == import_id))
        conn.execute(update(imports).where(imports.c.id == import_id).values(status="undone", undone_at=now_text()))
        days = [d for pair in span for d in pair if d]
        rebuild(conn, row.kind, min(days) if days else None, max(days) if days else None)
        if row.kind == "calls" and days:
            rebuild(conn, row.kind, shift(min(days), -7), shift(min(days), -1))
        audit.record(conn, actor, "import.undo", f"import:{import_id}",
                     {"file_name": row.file_name, "kind": row.kind, "restored": len(restore)})
        return {"import_id": import_id, "restored": len(restore), "kind": row.kind}


def import_history(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(imports).order_by(imports.c.id.desc())).fetchall()
    return pd.DataFrame(rows, columns=[c.name for c in imports.c]).drop(columns=["mapping", "report"])


def save_profile(engine: Engine, kind: str, signature: str, doc: dict, *, actor: Actor) -> None:
    """Remember a confirmed mapping under the header signature (replacing an older one). Needs ``imports.run``."""
    authorize(actor, "imports.run", engine)
    with engine.begin() as conn:
        conn.execute(mapping_profiles.delete().where(
            mapping_profiles.c.signature == signature, mapping_profiles.c.kind == kind))
        conn.execute(insert(mapping_profiles).values(
            signature=signature, kind=kind, doc=json.dumps(doc, ensure_ascii=False), updated_at=now_text()))
        audit.record(conn, actor, "mapping.save", f"{kind}:{signature}", {"columns": doc.get("columns")})


def load_profile(engine: Engine, kind: str, signature: str) -> dict | None:
    with engine.connect() as conn:
        doc = conn.execute(select(mapping_profiles.c.doc).where(
            mapping_profiles.c.signature == signature, mapping_profiles.c.kind == kind)).scalar()
    return json.loads(doc) if doc else None
