"""``python -m ccdash …`` — init, import, indicators, query, history, undo, rerun, snapshot, report, backup,
restore, upgrade.

Every failure prints one clear message (``--lang en`` for English) and exits non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


from ccdash.findings import CcdashError
from ccdash.i18n import register, t

MESSAGES = {
    "cli.report": {
        "zh": "读取 {rows_read} 行：接受 {accepted}，拒绝 {rejected}，忽略 {ignored}，空行 {blank_rows}，合计行 {total_rows}；日期 {date_from} ~ {date_to}；坐席 {agents} 人",
        "en": "Read {rows_read} rows: accepted {accepted}, rejected {rejected}, ignored {ignored}, blank {blank_rows}, total rows {total_rows}; dates {date_from} ~ {date_to}; {agents} agents",
    },
    "cli.imported": {
        "zh": "已导入（导入 #{import_id}）：新增 {inserted} 条，更新 {updated} 条。",
        "en": "Imported (import #{import_id}): {inserted} new, {updated} updated.",
    },
    "cli.dry_run": {"zh": "试运行：未写入数据库。", "en": "Dry run: nothing was written."},
    "cli.bad_pair": {"zh": "参数 {value} 的格式应为 {form}", "en": "Argument {value} should look like {form}"},
    "cli.file_missing": {"zh": "找不到文件 {path}", "en": "File not found: {path}"},
    "cli.init_done": {"zh": "数据库已就绪：{url}", "en": "Store ready: {url}"},
    "cli.out_of_memory": {"zh": "内存不足，操作已中止，数据未做任何更改。请把文件拆小后再导入。",
                          "en": "Out of memory: the operation stopped and nothing was changed. Split the file and import the parts."},
    "cli.undone": {"zh": "已撤销导入 #{import_id}，恢复了 {restored} 条被替换的记录。",
                   "en": "Import #{import_id} undone; {restored} replaced records restored."},
    "cli.snapshot_saved": {"zh": "已保存 {path}（{width}×{height} 像素）", "en": "Saved {path} ({width}×{height} px)"},
    "cli.bad_date": {"zh": "日期 {value} 的格式应为 YYYY-MM-DD", "en": "Date {value} should look like YYYY-MM-DD"},
    "cli.rejects_saved": {"zh": "拒绝明细已保存到 {path}", "en": "Rejected rows saved to {path}"},
    "cli.report_saved": {"zh": "已保存 {path}：{period}", "en": "Saved {path}: {period}"},
    "cli.cannot_write": {"zh": "无法写入 {path}：{error}", "en": "Cannot write {path}: {error}"},
    "cli.upgraded": {"zh": "数据库结构：{before} → {after}（{url}）", "en": "Store schema: {before} → {after} ({url})"},
    "cli.backup_done": {"zh": "已备份到 {path}（{bytes} 字节）", "en": "Backed up to {path} ({bytes} bytes)"},
    "cli.restore_done": {"zh": "已从 {source} 恢复数据库 {path}；原数据库的安全副本：{safety}",
                         "en": "Restored the store {path} from {source}; a safety copy of the old store: {safety}"},
    "cli.restore_confirm": {"zh": "恢复会替换数据库 {path} 的全部内容（会先保存安全副本）。请加 --yes 确认。",
                            "en": "A restore replaces everything in the store {path} (a safety copy is kept first). "
                                  "Add --yes to confirm."},
    "cli.rerun_done": {"zh": "已按当前映射重新导入 #{old}：新导入 #{import_id}，新增 {inserted} 条，更新 {updated} 条。",
                       "en": "Re-ran import #{old} with the current mapping: import #{import_id}, {inserted} new, "
                             "{updated} updated."},
}
register(MESSAGES)


def _pairs(items: list[str], sep: str, form: str) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        if sep not in item:
            raise CcdashError("cli.bad_pair", value=item, form=form)
        out.append(tuple(part.strip() for part in item.split(sep, 1)))
    return out


def parse_values(items: list[str]) -> dict[str, dict[str, str]]:
    """``FIELD:RAW=CANONICAL`` items → ``{field: {raw: canonical}}``."""
    out: dict[str, dict[str, str]] = {}
    for left, canonical in _pairs(items, "=", "FIELD:RAW=CANONICAL"):
        fld, raw = _pairs([left], ":", "FIELD:RAW=CANONICAL")[0]
        out.setdefault(fld, {})[raw] = canonical
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ccdash", description="ccdash: contact-center indicators from Excel exports")
    p.add_argument("--db", help="database URL (default: $CCDASH_DB_URL or sqlite:///data/ccdash.db)")
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create the store")
    init.add_argument("--sample", action="store_true", help="fill it with the sample month")
    sub.add_parser("upgrade", help="bring the store's schema to the newest revision (opening it does the same)")
    imp = sub.add_parser("import", help="import an export")
    imp.add_argument("path")
    imp.add_argument("--kind", required=True)
    imp.add_argument("--sheet")
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER")
    imp.add_argument("--value", action="append", default=[], metavar="FIELD:RAW=CANONICAL")
    imp.add_argument("--key", help="HEADER[,HEADER…] that identify a row")
    imp.add_argument("--csat-scale", choices=["auto", "5", "10", "3level"])
    imp.add_argument("--dayfirst", action="store_true", default=None)
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--rejects", help="write rejected rows to this .xlsx")
    sub.add_parser("indicators", help="list the catalog")
    q = sub.add_parser("query", help="indicators by period")
    q.add_argument("indicators", help="IND[,IND…] (codes or names)")
    q.add_argument("--from", dest="date_from", required=True)
    q.add_argument("--to", dest="date_to", required=True)
    q.add_argument("--grain", default="day")
    q.add_argument("--by", action="append", default=[])
    q.add_argument("--filter", action="append", default=[], metavar="DIM=VALUE")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    q.add_argument("--format", default="csv", choices=["csv", "json"])
    sub.add_parser("history", help="list imports")
    undo = sub.add_parser("undo", help="undo an import")
    undo.add_argument("import_id", type=int)
    snap = sub.add_parser("snapshot", help="a dashboard tab as PNG (for a scheduled job)")
    snap.add_argument("--dashboard", required=True, help="dashboard id or title (zh or en)")
    snap.add_argument("--tab", help="tab id or title (default: the first tab)")
    snap.add_argument("--date", help="the day the periods end on (default: the newest day with data)")
    snap.add_argument("--out", required=True, help="PNG file to write")
    snap.add_argument("--scale", type=float, default=2)
    rep = sub.add_parser("report", help="a daily / weekly / monthly report workbook (.xlsx)")
    rep.add_argument("--period", required=True, help="day | week | month")
    rep.add_argument("--date", help="a day in the period, YYYY-MM-DD (default: the newest day with data)")
    rep.add_argument("--out", required=True, help=".xlsx file to write")
    rep.add_argument("--lang", dest="report_lang", choices=["zh", "en"], help="language of the workbook")
    rerun = sub.add_parser("rerun", help="re-import an import's kept original with the current mapping")
    rerun.add_argument("import_id", type=int)
    rerun.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER")
    rerun.add_argument("--value", action="append", default=[], metavar="FIELD:RAW=CANONICAL")
    rerun.add_argument("--key", help="HEADER[,HEADER…] that identify a row")
    rerun.add_argument("--csat-scale", choices=["auto", "5", "10", "3level"])
    rerun.add_argument("--dayfirst", action="store_true", default=None)
    backup = sub.add_parser("backup", help="copy the store to a file (SQLite; PostgreSQL: prints pg_dump guidance)")
    backup.add_argument("--out", required=True, help=".db file to write")
    restore = sub.add_parser("restore", help="replace the store with a backup (a safety copy is kept)")
    restore.add_argument("--from", dest="source", required=True, help="backup .db file")
    restore.add_argument("--yes", action="store_true", help="confirm that the store is replaced")
    return p


def cmd_durability(engine, args) -> int:
    """backup, restore, rerun (ccdash/store/backup.py, ccdash/store/originals.py)."""
    from ccdash.auth.roles import cli_actor
    from ccdash.store import backup
    if args.command == "backup":
        print(t("cli.backup_done", args.lang, **backup.backup_store(engine, args.out, actor=cli_actor())))
    elif args.command == "restore":
        backup._store_path(engine, args.source)  # PostgreSQL: the guidance, before asking anything
        if not args.yes:
            raise CcdashError("cli.restore_confirm", path=engine.url.database)
        print(t("cli.restore_done", args.lang, **backup.restore_store(engine, args.source, actor=cli_actor())))
    else:
        from ccdash.store.originals import rerun_import
        options = {"columns": dict(_pairs(args.map, "=", "FIELD=HEADER")), "values": parse_values(args.value),
                   "key": tuple(k.strip() for k in args.key.split(",")) if args.key else None,
                   "csat_scale": args.csat_scale, "dayfirst": args.dayfirst}
        commit = rerun_import(engine, args.import_id, actor=cli_actor(), **options).commit
        if commit.status == "same_file":
            print(t("import.same_file", args.lang, when=commit.previous["created_at"], id=commit.import_id))
        else:
            print(t("cli.rerun_done", args.lang, old=args.import_id, import_id=commit.import_id,
                    inserted=commit.inserted, updated=commit.updated))
    return 0


def cmd_import(engine, args) -> int:
    from ccdash.ingest.clean import rejects_table
    from ccdash.ingest.pipeline import import_file
    from ccdash.reports_io import write_xlsx
    if not Path(args.path).exists():
        raise CcdashError("cli.file_missing", path=args.path)
    columns = dict(_pairs(args.map, "=", "FIELD=HEADER"))
    options = {"sheet": args.sheet, "columns": columns, "values": parse_values(args.value),
               "key": tuple(k.strip() for k in args.key.split(",")) if args.key else None,
               "csat_scale": args.csat_scale, "dayfirst": args.dayfirst}
    from ccdash.auth.roles import cli_actor
    actor = cli_actor()
    outcome = import_file(engine, args.path, args.kind, actor=actor, dry_run=True, **options)
    prepared = outcome.prepared
    print(t("cli.report", args.lang, **prepared.report))
    for finding in prepared.findings:
        print(f"[{finding.level}] {finding.message(args.lang)}", file=sys.stderr if finding.level == "error" else sys.stdout)
    rejects = rejects_table(prepared.cleaned, args.lang)
    if len(rejects):
        print(rejects.head(20).to_string(index=False))
        if args.rejects:
            write_xlsx({"rejects": rejects}, args.rejects)
            print(t("cli.rejects_saved", args.lang, path=args.rejects))
    if not prepared.ok:
        return 2
    if args.dry_run:
        print(t("cli.dry_run", args.lang))
        return 0
    from ccdash.ingest.pipeline import run_import
    result = run_import(engine, prepared, actor=actor).commit
    if result.status == "same_file":
        print(t("import.same_file", args.lang, when=result.previous["created_at"], id=result.import_id))
    else:
        print(t("cli.imported", args.lang, import_id=result.import_id, inserted=result.inserted, updated=result.updated))
    return 0


def cmd_query(engine, args) -> int:
    from ccdash.indicators.catalog import find_indicator
    from ccdash.indicators.compute import query
    codes = [find_indicator(x) for x in args.indicators.split(",") if x.strip()]
    filters: dict[str, list[str]] = {}
    for dim, value in _pairs(args.filter, "=", "DIM=VALUE"):
        filters.setdefault({"agent": "agent_id"}.get(dim, dim), []).append(value)
    params = dict(_pairs(args.param, "=", "NAME=VALUE"))
    tidy = query(engine, codes, args.date_from, args.date_to, args.grain, args.by, filters, params)
    if args.format == "json":
        print(tidy.to_json(orient="records", force_ascii=False))
    else:
        from ccdash.reports_io import to_csv_text
        print(to_csv_text(tidy), end="")  # text that would run as a formula is escaped
    return 0


def cmd_snapshot(engine, args) -> int:
    import datetime as dt

    from ccdash.dashboards.documents import load_dashboard
    from ccdash.dashboards.periods import anchor_day
    from ccdash.dashboards.snapshot import snapshot
    try:
        anchor = dt.date.fromisoformat(args.date) if args.date else anchor_day(engine)
    except ValueError:
        raise CcdashError("cli.bad_date", value=args.date) from None
    png = snapshot(engine, load_dashboard(engine, args.dashboard), args.tab, anchor, args.lang, args.scale)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the PNG's IHDR
    print(t("cli.snapshot_saved", args.lang, path=out, width=width, height=height))
    return 0


def cmd_report(args) -> int:
    """The report workbook: checks the period and the date before the store is opened."""
    import datetime as dt

    from ccdash.dashboards.periods import anchor_day
    from ccdash.reports import build_report, period_dates, period_text
    from ccdash.store.db import make_engine
    args.lang = args.report_lang or args.lang  # the messages follow the workbook's language
    period_dates(args.period, dt.date.today())  # an unknown period is a clear error (exit 2)
    try:
        day = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise CcdashError("cli.bad_date", value=args.date) from None
    engine = make_engine(args.db)
    day = day or anchor_day(engine)
    data = build_report(engine, args.period, day, args.lang)
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise CcdashError("cli.cannot_write", path=out, error=exc.strerror or exc) from None
    print(t("cli.report_saved", args.lang, path=out, period=period_text(args.period, *period_dates(args.period, day),
                                                                     args.lang)))
    return 0


def cmd_upgrade(args) -> int:
    """Run the schema migrations now — before a new release goes live, say — and show from which revision."""
    from ccdash.store.db import make_engine
    from ccdash.store.migrations import current_revision
    revisions = []
    for create in (False, True):  # the revision as found, then after make_engine created or upgraded the store
        engine = make_engine(args.db, create=create)
        with engine.connect() as conn:
            revisions.append(current_revision(conn) or "—")
        engine.dispose()
    print(t("cli.upgraded", args.lang, before=revisions[0], after=revisions[1], url=engine.url))
    return 0


def cmd_indicators(args) -> int:
    from ccdash.indicators.catalog import load_catalog
    for code, ind in load_catalog().indicators.items():
        print(f"{code}\t{ind.name.get(args.lang)}\t{ind.type}\t{ind.unit}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "indicators":
            return cmd_indicators(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "upgrade":
            return cmd_upgrade(args)
        from ccdash.store.db import database_url, make_engine
        engine = make_engine(args.db)
        if args.command == "init":
            if args.sample:
                from ccdash.sample import load_sample
                load_sample(engine)
            print(t("cli.init_done", args.lang, url=database_url(args.db)))
            return 0
        if args.command == "import":
            return cmd_import(engine, args)
        if args.command == "query":
            return cmd_query(engine, args)
        if args.command == "snapshot":
            return cmd_snapshot(engine, args)
        if args.command == "history":
            from ccdash.store.imports import import_history
            print(import_history(engine).to_string(index=False))
            return 0
        if args.command in ("backup", "restore", "rerun"):
            return cmd_durability(engine, args)
        if args.command == "undo":
            from ccdash.auth.roles import cli_actor
            from ccdash.store.imports import undo_import
            print(t("cli.undone", args.lang, **undo_import(engine, args.import_id, actor=cli_actor())))
            return 0
    except CcdashError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 2
    except MemoryError:  # the transaction rolled back with the exception: nothing half-written
        print(t("cli.out_of_memory", args.lang), file=sys.stderr)
        return 3
    return 1
