"""Every uploaded original file, kept content-addressed, so an import can be re-run after a mapping fix.

The original is written by the import itself (:func:`keep_original` inside ``commit_import``'s
transaction): an import that rolls back — or a process killed in the middle of one — leaves no
original behind, and an import that commits always has its file. Originals are never deleted, not
even by an undo: the file is what the center was given, and a re-run needs it.

A re-run (:func:`rerun_import`) reads the kept file again with the current mapping (the saved
profile, or the corrections the user makes on the Import history page), refuses while that still has
errors, then undoes the old import and writes the new one in ONE transaction under the import lock:
a failure anywhere leaves the old import exactly in place.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, insert, select

from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import in_each_lang, register
from ccdash.store.db import now_text
from ccdash.store.locks import import_transaction
from ccdash.store.schema import imports, originals

MESSAGES = {
    "original.missing": {
        "zh": "导入 #{id} 的原始文件未保存（该导入早于原始文件保存功能）。请重新上传该文件。",
        "en": "The original file of import #{id} was not kept (the import predates kept originals). Upload the file again.",
    },
    "original.unknown": {
        "zh": "没有保存 SHA-256 为 {sha} 的原始文件。", "en": "No original file with SHA-256 {sha} is kept.",
    },
    "import.unknown": {"zh": "导入 #{id} 不存在。", "en": "Import #{id} does not exist."},
    "rerun.other_file": {
        "zh": "重新导入必须使用导入 #{id} 的原始文件（{file}），而不是另一个文件。",
        "en": "A re-run of import #{id} must use its original file ({file}), not another file.",
    },
    "rerun.still_errors": {
        "zh": "按当前映射重新导入 #{id} 仍有 {count} 个错误，原导入保持不变。第一个错误：{first}",
        "en": "Re-running import #{id} with the current mapping still has {count} errors; the old import was "
              "left in place. The first error: {first}",
    },
}
register(MESSAGES)


def keep_original(conn: Connection, sha256: str, file_name: str, data: bytes) -> bool:
    """Keep ``data`` under its SHA-256 inside the caller's (import) transaction, unless it is kept already;
    True when it was added. The same content under another name keeps the first name."""
    if conn.execute(select(originals.c.sha256).where(originals.c.sha256 == sha256)).first() is not None:
        return False
    conn.execute(insert(originals).values(sha256=sha256, file_name=file_name, size=len(data), data=data,
                                          stored_at=now_text()))
    return True


def original(engine: Engine, sha256: str) -> tuple[str, bytes]:
    """The kept original with this SHA-256: ``(file_name, data)``."""
    with engine.connect() as conn:
        row = conn.execute(select(originals.c.file_name, originals.c.data).where(originals.c.sha256 == sha256)).first()
    if row is None:
        raise CcdashError("original.unknown", sha=sha256[:12])
    return row.file_name, bytes(row.data)


def kept_originals(engine: Engine) -> set[str]:
    """The SHA-256 of every kept original (which imports can be re-run or downloaded)."""
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(originals.c.sha256))}


def import_original(engine: Engine, import_id: int) -> tuple[str, bytes]:
    """The kept original file of an import: ``(file_name, data)``."""
    row = _import_row(engine, import_id)
    try:
        return original(engine, row.sha256)
    except CcdashError:
        raise CcdashError("original.missing", id=import_id) from None


def _import_row(engine: Engine, import_id: int):
    with engine.connect() as conn:
        row = conn.execute(select(imports).where(imports.c.id == import_id)).first()
    if row is None:
        raise CcdashError("import.unknown", id=import_id)
    return row


def prepare_rerun(engine: Engine, import_id: int, **options):
    """Read an import's kept original again with the current mapping (the saved profile, then ``options`` —
    the same as :func:`ccdash.ingest.pipeline.prepare_import`'s); nothing is written."""
    from ccdash.ingest.pipeline import prepare_import  # the pipeline imports the store
    row = _import_row(engine, import_id)
    file_name, data = import_original(engine, import_id)
    options.setdefault("sheet", row.sheet or None)
    return prepare_import(data, file_name, row.kind, engine=engine, **options)


def rerun_import(engine: Engine, import_id: int, *, actor: Actor, prepared=None, remember: bool = True,
                 progress=None, **options):
    """Re-import an import's kept original with the current mapping, replacing the old import.

    ``prepared`` is a :func:`prepare_rerun` result the user has already looked at (the page); otherwise
    the original is prepared here with ``options``. Refused while the new reading has errors. The old import
    (if still active) is undone and the new one written in one transaction under the import lock — the undo
    comes first, so the same-file check of the new import no longer sees the import it replaces. Needs
    ``imports.run``; the audit trail gets ``import.undo`` of the old import and ``import.rerun`` of the new
    one, whose detail names the import it replaces. Returns the pipeline's ``Outcome``."""
    from ccdash.ingest.pipeline import run_import
    from ccdash.store.imports import save_profile, undo_import
    authorize(actor, "imports.run", engine)
    row = _import_row(engine, import_id)
    prepared = prepared if prepared is not None else prepare_rerun(engine, import_id, **options)
    if prepared.sha256 != row.sha256 or prepared.kind != row.kind:
        raise CcdashError("rerun.other_file", id=import_id, file=row.file_name)
    errors = [f for f in prepared.findings if f.level == "error"]
    if errors:
        raise CcdashError("rerun.still_errors", id=import_id, count=len(errors), first=in_each_lang(errors[0].message))
    with import_transaction(engine) as conn:
        if conn.execute(select(imports.c.status).where(imports.c.id == import_id)).scalar() == "active":
            undo_import(conn, import_id, actor=actor)
        outcome = run_import(conn, prepared, actor=actor, remember=False, progress=progress, action="import.rerun",
                             replaces=import_id)
    if remember and outcome.commit.status == "imported":
        save_profile(engine, prepared.kind, prepared.mapping.signature,
                     {**prepared.mapping.to_doc(), "saved_at": now_text()}, actor=actor)
    return outcome

