"""Scores imported from another QA system's export (the ``qa_scores`` kind) as evaluations.

After every ``qa_scores`` import or undo — inside the import's transaction, so the import stays atomic —
the evaluations of purpose ``imported`` are rebuilt from the current ``rec_qa_scores`` rows: all of them are
deleted, then one final evaluation is written per recording × inspector, with one item row per export row:

* form: the shipped form whose Chinese or English name, id or one of its business types matches the export's
  form name (``qa_form``), else ``imported``;
* item code: the catalog code whose code, name or synonym matches the export's item name (or the label the
  matched form gives the item), else ``ext:`` + the item text — so "身份核实" in an export is the same item as
  on the workbench and shows in the same item failure rates;
* weight 1, max and points as exported, fatal from ``qa_fatal``; the score as in
  :func:`ccdash.qa.scoring.score_evaluation`: 100 × Σ points / Σ max over applicable (non-N/A) items, 0 when a
  fatal item failed; passed = score ≥ the matched form's pass mark (80 for ``imported``).

Agent and business type missing from the export are taken from the recording (recordings, then calls).
Then the QA measures are rebuilt. These evaluations are written on the import's own connection, never through
:func:`ccdash.qa.store.save_evaluation`: the import's ``imports.run`` check and its ``import.run`` audit row
(:func:`ccdash.store.imports.commit_import`) cover them, so there is no second check by inspector name.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, delete, select

from ccdash.qa.forms import QaForm, load_items, load_shipped_forms, normalize_business_type
from ccdash.qa.measures import rebuild_qa
from ccdash.qa.scoring import DIGITS
from ccdash.store.db import bulk_insert, now_text
from ccdash.store.schema import RECORDS, qa_evaluations, qa_item_scores

PURPOSE = "imported"
UNMATCHED_FORM = "imported"
DEFAULT_PASS_MARK = 80.0
EXT = "ext:"
CODE_LENGTH = 64  # qa_item_scores.item_code


def _norm(text) -> str:
    return normalize_business_type(text)


def form_index(forms: dict[str, QaForm]) -> dict[str, QaForm]:
    """Normalised form name (zh, en), id and business type → the form."""
    index: dict[str, QaForm] = {}
    for form in forms.values():
        for key in (form.name.zh, form.name.en, form.id, *form.business_types):
            index.setdefault(_norm(key), form)
    index.pop("", None)
    return index


def item_index(form: QaForm | None = None) -> dict[str, str]:
    """Normalised item text → catalog code: the form's own item labels first (when a form matched), then
    every catalog code, name (zh, en) and synonym."""
    index: dict[str, str] = {}
    if form is not None:
        for item in form.items():
            for lang in ("zh", "en"):
                index.setdefault(_norm(form.item_label(item.code, lang)), item.code)
    for code, definition in load_items().items():
        for key in (code, definition.name.zh, definition.name.en, *definition.synonyms):
            index.setdefault(_norm(key), code)
    index.pop("", None)
    return index


def _first(series: pd.Series):
    values = series.dropna()
    values = values[values.astype(str).str.strip() != ""]
    return values.iloc[0] if len(values) else None


def _recording_context(conn: Connection, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """recording id → (agent, business type) from the current recordings, else the current calls."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for kind in ("calls", "recordings"):  # recordings win: written last
        table = RECORDS[kind]
        for start in range(0, len(ids), 10_000):
            rows = conn.execute(select(table.c.recording_id, table.c.agent_id, table.c.business_type).where(
                table.c.is_current == 1, table.c.recording_id.in_(ids[start:start + 10_000])))
            for rid, agent, business in rows:
                old = found.get(rid, (None, None))
                found[rid] = (agent or old[0], business or old[1])
    return found


def rebuild_imported(conn: Connection) -> int:
    """Rebuild the imported evaluations from the current ``rec_qa_scores`` rows, then the QA measures.
    Returns the number of evaluations written."""
    ev, it = qa_evaluations, qa_item_scores
    old = select(ev.c.id).where(ev.c.purpose == PURPOSE)
    conn.execute(delete(it).where(it.c.evaluation_id.in_(old)))
    conn.execute(delete(ev).where(ev.c.purpose == PURPOSE))
    rows = _current_rows(conn)
    if rows.empty:
        rebuild_qa(conn)
        return 0
    evals, items = build(rows, _recording_context(conn, sorted(rows["recording_id"].unique())))
    now = now_text()
    bulk_insert(conn, ev, evals.drop(columns="key").assign(purpose=PURPOSE, status="final", created_at=now,
                                                            updated_at=now, comment=""))
    ids = {(r, i): eid for eid, r, i in conn.execute(
        select(ev.c.id, ev.c.recording_id, ev.c.inspector).where(ev.c.purpose == PURPOSE))}
    key_to_id = {k: ids[(r, i)] for k, r, i in zip(evals["key"], evals["recording_id"], evals["inspector"])}
    bulk_insert(conn, it, items.assign(evaluation_id=items["key"].map(key_to_id)).drop(columns="key"))
    rebuild_qa(conn)
    return len(evals)


def _current_rows(conn: Connection) -> pd.DataFrame:
    table = RECORDS["qa_scores"]
    names = ["id", "import_id", "recording_id", "agent_id", "business_type", "date", "inspector", "qa_form", "qa_item",
             "qa_points", "qa_max_points", "qa_result", "qa_fatal", "qa_comment"]
    rows = conn.execute(select(*(table.c[n] for n in names)).where(table.c.is_current == 1).order_by(table.c.id))
    return pd.DataFrame([tuple(r) for r in rows], columns=names)


def build(rows: pd.DataFrame, context: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluation rows and item rows (joined by ``key``) from export rows (one per recording × item)."""
    rows = rows.copy()
    rows["recording_id"] = rows["recording_id"].astype(str)
    rows["inspector"] = rows["inspector"].fillna("").astype(str).str.strip()
    rows["key"] = pd.factorize(pd.MultiIndex.from_frame(rows[["recording_id", "inspector"]]))[0]
    grouped = rows.groupby("key", sort=True)
    evals = pd.DataFrame({
        "recording_id": grouped["recording_id"].first(), "inspector": grouped["inspector"].first(),
        "agent_id": grouped["agent_id"].agg(_first), "business_type": grouped["business_type"].agg(_first),
        "call_date": grouped["date"].min(), "qa_form": grouped["qa_form"].agg(_first),
        "import_id": grouped["import_id"].max(),
    }).reset_index()
    context = context or {}
    for pos, name in ((0, "agent_id"), (1, "business_type")):
        known = evals["recording_id"].map(lambda r: context.get(r, (None, None))[pos])
        evals[name] = evals[name].where(evals[name].notna(), known).fillna("").astype(str)

    forms = load_shipped_forms()
    by_name = form_index(forms)
    matched = {text: by_name.get(_norm(text)) for text in evals["qa_form"].dropna().unique()}
    form_of = evals["qa_form"].map(lambda text: matched.get(text) if text is not None else None)
    evals["form_id"] = form_of.map(lambda f: f.id if f else UNMATCHED_FORM)
    evals["form_version"] = form_of.map(lambda f: f.version if f else 1)
    pass_mark = form_of.map(lambda f: f.pass_mark if f else DEFAULT_PASS_MARK).astype("float64")

    rows["form_id"] = rows["key"].map(evals.set_index("key")["form_id"])
    indexes = {fid: item_index(forms.get(fid)) for fid in rows["form_id"].unique()}
    text = rows["qa_item"].fillna("").astype(str).str.strip()
    code = pd.Series([indexes[f].get(_norm(t)) for f, t in zip(rows["form_id"], text)], index=rows.index,
                     dtype=object)
    code = code.where(~code.notna() | ~pd.Series(list(zip(rows["key"], code)), index=rows.index).duplicated(),
                      None)  # a second row naming the same catalog item keeps its own text
    code = code.fillna((EXT + text).str.slice(0, CODE_LENGTH))

    result = rows["qa_result"].astype(str)
    applicable = result.ne("na")
    fatal = rows["qa_fatal"].fillna(0).astype(float).astype(bool)
    points = rows["qa_points"].astype("float64").where(applicable)
    top = rows["qa_max_points"].astype("float64").fillna(0.0)
    items = pd.DataFrame({
        "key": rows["key"], "item_code": code, "section": rows["qa_form"].fillna("").astype(str), "label": text,
        "result": result, "points": points, "max_points": top, "weight": 1.0, "fatal": fatal.astype(int),
        "comment": rows["qa_comment"].fillna("").astype(str)})

    per = pd.DataFrame({"key": rows["key"], "earned": points.fillna(0.0), "possible": top.where(applicable, 0.0),
                        "fatal": (fatal & result.eq("fail")).astype(int)}).groupby("key").sum()
    per = per.reindex(evals["key"])
    possible, is_fatal = per["possible"].to_numpy(), per["fatal"].to_numpy() > 0
    earned = per["earned"].where(~is_fatal, 0.0).to_numpy()
    score = pd.Series(100.0 * earned / possible, index=evals.index).where(possible > 0).round(DIGITS)
    score = score.mask(is_fatal & (possible > 0), 0.0)
    evals["earned_w"], evals["possible_w"] = earned, possible
    evals["fatal"] = is_fatal.astype(int)
    evals["score"] = score
    evals["passed"] = (score.notna() & ~is_fatal & score.ge(pass_mark)).astype(int)
    return evals.drop(columns="qa_form"), items
