"""Look inside a workbook's container before any reader parses it, so a hostile file is refused in
bounded time and memory instead of taking the server down.

Why each check exists (all found with the files of ``tests/corpus/``):

* **zip bombs** — an .xlsx is a zip; a 5 MB file can unpack to 5 GiB. The declared sizes are checked
  first (instant), then every part is inflated once *honestly* (the declared size is ignored, so a
  header that lies about it does not help) and counted against :data:`MAX_UNPACKED` and
  :data:`MAX_RATIO`; 1 MB at a time, so memory stays flat.
* **XML entity expansion ("billion laughs")** — Excel never writes a DTD; any ``<!DOCTYPE`` or
  ``<!ENTITY`` in a part is refused.
* **dense-range bombs** — calamine (the Rust reader) allocates a dense grid from the first to the last
  used cell: one cell at A1 and one at XFD1048576 ask for 17 billion cells and the process aborts
  (SIGABRT, no exception). The cell references of each worksheet part are scanned (numpy over the
  inflated bytes, ~1.5 s per 300 MB) and a sheet wider than :data:`MAX_COLUMNS` or larger than
  :data:`MAX_CELLS` is refused before it is read.
* **formulas without a saved value** — files written by libraries (openpyxl and some export tools)
  carry the formula and no result; calamine reads such a cell as blank, which would lose it silently.
  :func:`formula_cells` finds them so the caller can reject them with a reason.
* **password-protected workbooks** — an OLE (CFB) container holding an ``EncryptedPackage`` stream.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

MAX_MEMBERS = 5_000  # parts in one archive; Excel writes a few dozen
MAX_UNPACKED = 2 * 2**30  # bytes of all parts together, honestly inflated (a full 1,048,576 × 5 sheet: 300 MB)
MAX_RATIO, RATIO_FLOOR = 200, 64 * 2**20  # a part above the floor may not inflate more than 200:1
MAX_COLUMNS = 1_024  # sheet width (Excel allows 16,384; no export has more than a few dozen)
MAX_ROWS = 1_048_576  # Excel's last row
MAX_CELLS = 25_000_000  # rows × columns of a sheet's used range (1,048,576 × 23, or 500,000 × 50)
CHUNK = 1 << 20
DEFLATE_MAX = 1_100  # deflate's best ratio is about 1,032:1
IMPOSSIBLE = {"zh": "压缩包目录中的大小不可能成立（目录已损坏）", "en": "impossible sizes in the zip directory (it is damaged)"}
_UNLIMITED = 1 << 62
_ENCRYPTED_NAME = "EncryptedPackage".encode("utf-16-le")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA_START = re.compile(rb"<f[\s>/]")
_MEDIA = re.compile(r"\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|bin)$", re.I)  # an SVG may carry a DTD


@dataclass(frozen=True)
class Refusal:
    """Why a container is refused: a message code of ``read.py`` and its parameters (without the file)."""

    code: str
    params: tuple[tuple[str, object], ...] = ()


def is_encrypted(data: bytes) -> bool:
    """An OLE/CFB file naming an ``EncryptedPackage`` stream (its directory is UTF-16 and may sit anywhere,
    at the end for a big file; an .xls stores ASCII cell text in 8 bits, so a cell cannot fake it)."""
    return _ENCRYPTED_NAME in data


def inspect_zip(data: bytes) -> tuple[Refusal | None, frozenset[str]]:
    """``(refusal or None, part names)`` of a zip container; run once per upload (cached on the bytes)."""
    refusal, names, _formulas = _inspect(data)
    return refusal, names


@functools.lru_cache(maxsize=1)
def _inspect(data: bytes) -> tuple[Refusal | None, frozenset[str], frozenset[str]]:
    """What :func:`inspect_zip` returns, plus the parts that hold a formula (``<f``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return Refusal("read.corrupt_workbook", (("detail", _short(exc)),)), frozenset(), frozenset()
    names = frozenset(i.filename for i in infos)
    formulas: set[str] = set()
    refusal = _declared_sizes(infos, len(data)) or _inflate_all(archive, infos, formulas)
    return refusal, names, frozenset(formulas)


def _declared_sizes(infos: list[zipfile.ZipInfo], length: int) -> Refusal | None:
    """Refuse on what the headers declare: impossible sizes (a damaged directory), too many parts, too much
    in all, one part inflating too much."""
    for info in infos:
        if _impossible(info, length):
            detail = {lang: f"{info.filename}: {text}" for lang, text in IMPOSSIBLE.items()}
            return Refusal("read.corrupt_workbook", (("detail", detail),))
    if len(infos) > MAX_MEMBERS:
        return Refusal("read.too_many_parts", (("count", len(infos)), ("limit", MAX_MEMBERS)))
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        big = max(infos, key=lambda i: i.file_size)
        return _bomb(big, sum(i.file_size for i in infos))
    for info in infos:
        if _too_packed(info.file_size, info.compress_size):
            return _bomb(info, info.file_size)
    return None


def _impossible(info: zipfile.ZipInfo, length: int) -> bool:
    """Sizes no writer can produce: a part longer than the file, deflate inflating more than ~1,032:1, a
    stored part whose two sizes differ."""
    if info.compress_size > length or info.header_offset > length:
        return True
    if info.compress_type == zipfile.ZIP_STORED:
        return info.file_size != info.compress_size
    return info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > DEFLATE_MAX * info.compress_size + CHUNK


def _bomb(info: zipfile.ZipInfo, size: int) -> Refusal:
    return Refusal("read.zip_bomb", (("member", info.filename), ("packed", _mb(info.compress_size)),
                                     ("size", _mb(size)), ("limit", _mb(MAX_UNPACKED)), ("ratio", MAX_RATIO)))


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"


def _inflate_all(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], formulas: set[str]) -> Refusal | None:
    """Inflate every part once, ignoring the sizes it declares; check sizes, DTDs and sheet extents, and
    note in ``formulas`` the parts that hold a formula (only those are scanned again by :func:`formula_cells`).
    Each chunk is scanned in a second thread while the next one is inflated (zlib and numpy release the
    GIL): one chunk ahead at most, so memory stays flat and a refusal comes at most one chunk late."""
    total = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        for info in infos:
            part = _Part(info.filename, formulas)
            size, pending = 0, None
            try:
                with archive.open(_honest(info)) as member:
                    while chunk := member.read(CHUNK):
                        size += len(chunk)
                        if total + size > MAX_UNPACKED or _too_packed(size, info.compress_size):
                            return _bomb(info, size)
                        if pending is not None and (refusal := pending.result()):
                            return refusal
                        pending = pool.submit(part.feed, chunk)
                if pending is not None and (refusal := pending.result()):
                    return refusal
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
                return Refusal("read.corrupt_workbook", (("detail", _short(exc)),))
            total += size
            if refusal := part.finish():
                return refusal
    return None


def _honest(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    honest = copy.copy(info)
    honest.file_size = _UNLIMITED  # read to the end of the deflate stream, whatever the header says
    return honest


class _Part:
    """The checks on one part's inflated bytes, fed chunk by chunk in order: DTDs, formulas, cell extents."""

    def __init__(self, name: str, formulas: set[str]) -> None:
        self.name, self.formulas, self.tail = name, formulas, b""
        # every part but binary ones: the reader follows the workbook's links, so a sheet may have any name
        self.scan = None if name.lower().endswith(".bin") else _ExtentScan()
        self.media = bool(_MEDIA.search(name))

    def feed(self, chunk: bytes) -> Refusal | None:
        edge = self.tail + chunk[:16]  # a match across chunks (no copy of the whole chunk)
        self.tail = chunk[-16:]
        if not self.media and (_DTD.search(chunk) or _DTD.search(edge)):
            return Refusal("read.xml_dtd", (("member", self.name),))
        if self.scan:
            if self.name not in self.formulas and (_FORMULA_START.search(chunk) or _FORMULA_START.search(edge)):
                self.formulas.add(self.name)
            self.scan.feed(chunk)
        return None

    def finish(self) -> Refusal | None:
        return self.scan.finish() if self.scan else None


def _too_packed(size: int, compressed: int) -> bool:
    return size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1)


def _short(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]


# --- cell references of a worksheet part --------------------------------------------------------


class _ExtentScan:
    """Furthest row and column of the ``r="B12"`` references streamed through :meth:`feed`."""

    WINDOW = 16  # a reference is r=" + at most 3 letters and 8 digits

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.carry = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        """Scan the references that start in ``carry + chunk`` and end before its last ``WINDOW`` bytes."""
        buf = self.carry + chunk
        limit = len(buf) if final else max(len(buf) - self.WINDOW, 0)
        rows, cols = _max_refs(buf, limit)
        self.rows, self.columns = max(self.rows, rows), max(self.columns, cols)
        self.carry = buf[limit - 1 :] if limit else buf  # keep the byte before an r=" that starts at limit

    def finish(self) -> Refusal | None:
        self.feed(b"", final=True)
        from ccdash.ingest.read import column_letter

        last = f"{column_letter(max(self.columns, 1) - 1)}{self.rows}"
        if self.columns > MAX_COLUMNS:
            return Refusal("read.too_wide", (("columns", f"{self.columns:,}"), ("limit", f"{MAX_COLUMNS:,}"),
                                             ("cell", last)))
        if self.rows > MAX_ROWS or self.rows * max(self.columns, 1) > MAX_CELLS:
            return Refusal("read.too_big", (("rows", f"{self.rows:,}"), ("columns", f"{self.columns:,}"),
                                            ("cell", last), ("cells", f"{self.rows * max(self.columns, 1):,}"),
                                            ("limit", f"{MAX_CELLS:,}")))
        return None


def _max_refs(buf: bytes, limit: int) -> tuple[int, int]:
    """(max row, max column) over the `` r="…"`` attributes whose ``r`` is before ``limit`` (vectorized: the
    positions by byte comparison, then the letters and digits after each one read column by column — only
    the references with the most letters, and then the most digits, can hold the maximum)."""
    a = np.concatenate([np.frombuffer(buf, dtype=np.uint8), np.zeros(_ExtentScan.WINDOW, dtype=np.uint8)])
    if limit < 2:
        return 0, 0
    head = a[: limit + 3]
    hit = np.flatnonzero((head[1:-2] == 0x72) & (head[2:-1] == 0x3D) & (head[3:] == 0x22) & (head[:-3] <= 0x20)) + 4
    if not len(hit):
        return 0, 0
    n_letters = _run_length(a, hit, 65, 90, 4)  # 4 letters: beyond any sheet
    most = int(n_letters.max())
    col = _number(a, hit[n_letters == most], most, base=26, zero=64) if most <= 3 else MAX_COLUMNS * 1000
    rows = 0
    for n in np.unique(n_letters):  # digits follow the letters; usually one letter count for the whole chunk
        at = hit[n_letters == n] + int(n)
        n_digits = _run_length(a, at, 48, 57, 9)
        top = int(n_digits.max())
        rows = max(rows, _number(a, at[n_digits == top], top, base=10, zero=48) if top <= 8 else MAX_ROWS * 1000)
    return rows, col


def _run_length(a: np.ndarray, at: np.ndarray, low: int, high: int, cap: int) -> np.ndarray:
    """How many bytes from each position of ``at`` are in ``low..high`` (at most ``cap``)."""
    n = np.zeros(len(at), dtype=np.int8)
    going = np.ones(len(at), dtype=bool)
    for k in range(cap):
        byte = a[at + k]
        going &= (byte >= low) & (byte <= high)
        n += going
    return n


def _number(a: np.ndarray, at: np.ndarray, width: int, *, base: int, zero: int) -> int:
    """The largest of the ``width``-character numbers starting at ``at`` (letters: base 26, A = 1)."""
    value = np.zeros(len(at), dtype=np.int64)
    for k in range(width):
        value = value * base + (a[at + k].astype(np.int64) - zero)
    return int(value.max(initial=0))


# --- formula cells without a saved value ------------------------------------------------------

_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?>([^<]*)</f>|<f(?:\s[^>]*)?/>")
_VALUE = re.compile(rb"<v>[^<]+</v>")


def sheet_part(data: bytes, index: int) -> str | None:
    """The zip part name of the ``index``-th sheet (workbook order), from workbook.xml and its rels."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    ids = [re.search(r'[\s:]id="([^"]+)"', tag) for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book)]
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = re.search(r'\bId="([^"]+)"', tag), re.search(r'\bTarget="([^"]+)"', tag)
        if rid and target:
            targets[rid.group(1)] = target.group(1)
    if index >= len(ids) or not ids[index] or ids[index].group(1) not in targets:
        return None
    target = targets[ids[index].group(1)]
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def formula_cells(data: bytes, index: int) -> list[tuple[int, int, str]]:
    """(0-based row, 0-based column, "=formula") of the sheet's formula cells that have no saved value."""
    part = sheet_part(data, index) if data.startswith(b"PK\x03\x04") else None
    if part is None or part not in _inspect(data)[2]:  # no formula in the sheet: nothing to scan again
        return []
    found: list[tuple[int, int, str]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(part) as member:
        carry = b""
        while chunk := member.read(CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"<c ")
            if cut < 0:
                carry = buf[-65536:]
                continue
            if b"<f" in buf[:cut]:
                found += _formulas_in(buf[:cut])
            carry = buf[cut:]
        if b"<f" in carry:
            found += _formulas_in(carry)
    return found


def _formulas_in(buf: bytes) -> list[tuple[int, int, str]]:
    """Formula cells without a value among the whole ``<c …>…</c>`` elements of ``buf``."""
    from ccdash.ingest.read import column_index

    out = []
    for match in re.finditer(rb"<c\s[^>]*?(?:/>|>.*?</c>)", buf, re.S):
        cell = match.group()
        formula = _FORMULA.search(cell)
        ref = _CELL_REF.search(cell[: cell.find(b">") + 1])
        if formula and ref and not _VALUE.search(cell):
            text = (formula.group(1) or b"").decode("utf-8", "replace")
            out.append((int(ref.group(2)) - 1, column_index(ref.group(1).decode()), "=" + _unescape(text)))
    return out


def _unescape(text: str) -> str:
    """The five XML escapes back to characters (a formula's text as the user wrote it)."""
    import html

    return html.unescape(text)
