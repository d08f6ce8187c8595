"""A checksum of every table of a store: equal checksums mean equal contents (the durability tests)."""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect, select, text

from ccdash.store.schema import metadata


def table_checksums(engine) -> dict[str, tuple[int, str]]:
    """Every table of the store (the declared ones and any other, e.g. ``alembic_version``): its row count
    and a SHA-256 of its rows in a fixed order."""
    names = sorted(set(inspect(engine).get_table_names()) | {t.name for t in metadata.sorted_tables})
    out = {}
    with engine.connect() as conn:
        for name in names:
            table = metadata.tables.get(name)
            rows = conn.execute(select(table) if table is not None else text(f'SELECT * FROM "{name}"')).fetchall()
            digest = hashlib.sha256()
            for line in sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)) for row in rows):
                digest.update(line.encode())
            out[name] = (len(rows), digest.hexdigest())
    return out
