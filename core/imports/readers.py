"""Readers of tabular files (CSV, Excel .xlsx, DBF) that stream rows, so a 100,000-row file takes no more
memory than a 100-row one.

Owns opening a file, finding its text encoding, its header row and the raw cell values of each data row,
numbered as a spreadsheet shows them (the header is row 1). It does not interpret cells: mapping and cleaning
happen in ``candor.imports.mapping`` and ``candor.imports.cleaning``. A file that cannot be read as a table
raises ``UnusableFile`` with what was wrong and what to do; it never echoes cell contents.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from zipfile import BadZipFile

from charset_normalizer import from_bytes

FORMATS = ("csv", "xlsx", "dbf")
SAMPLE_BYTES = 256 * 1024
# What a CSV from a Chinese or Western office is likely to be in, besides UTF-8. GB18030 is a superset of
# GBK and GB2312, so one name covers files labelled with any of the three.
CANDIDATE_ENCODINGS = ("gb18030", "big5", "utf_16", "cp1252")
_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "utf8": "utf-8", "utf-8-sig": "utf-8-sig"}


class UnusableFile(Exception):
    """The file cannot be read as a table (wrong format, undecodable text, no header)."""


@dataclass
class TableFile:
    """An open table: its headers, the encoding it was read with and a one-pass stream of rows."""

    path: Path
    format: str
    headers: list[str]
    encoding: str | None
    #: Rows expected, when the format says so up front (DBF, xlsx); None for CSV (see ``bytes_total``).
    rows_expected: int | None
    bytes_total: int
    _rows: Iterator[tuple[int, list[Any]]] = field(repr=False)
    _progress: Any = field(repr=False, default=None)
    _close: Any = field(repr=False, default=None)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(row number, cells)`` for each data row; cells align with ``headers`` (padded with None)."""
        width = len(self.headers)
        for number, cells in self._rows:
            if len(cells) < width:
                cells = list(cells) + [None] * (width - len(cells))
            yield number, list(cells[:width]) if len(cells) > width else list(cells)

    def bytes_read(self) -> int:
        """How far into the file reading has got, for a progress bar over ``bytes_total``."""
        return int(self._progress()) if self._progress is not None else 0

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> TableFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def detect_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower().lstrip(".")
    if head.startswith(b"PK\x03\x04"):
        if suffix == "xls":
            raise UnusableFile("This is not an old .xls file; rename it to .xlsx.")
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnusableFile("Old Excel .xls files are not read; open the file in Excel or LibreOffice and "
                           "save it as .xlsx or CSV.")
    # dBase/FoxPro version bytes; 0x30 and 0x31 are also "0" and "1", so text-file names win over them.
    if suffix == "dbf" or (head[:1] in (b"\x02", b"\x03", b"\x30", b"\x31", b"\x83", b"\x8b", b"\xf5")
                           and suffix not in ("csv", "txt", "tsv")):
        return "dbf"
    return "csv"


def open_table(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> TableFile:
    """Open ``path`` as a table, detecting its format from its first bytes and its name."""
    if not path.is_file():
        raise UnusableFile(f"No file at {path}.")
    if path.stat().st_size == 0:
        raise UnusableFile("The file is empty; export the table again with a header row.")
    kind = detect_format(path)
    if encoding is not None:
        encoding = _canonical_encoding(encoding)
    if kind == "xlsx":
        return _open_xlsx(path, sheet)
    if kind == "dbf":
        return _open_dbf(path, encoding)
    return _open_csv(path, encoding)


def _canonical_encoding(name: str) -> str:
    wanted = _ALIASES.get(name.strip().lower().replace("_", "-"), name.strip())
    try:
        return codecs.lookup(wanted).name
    except LookupError:
        raise UnusableFile(f"Unknown text encoding {name!r}; use utf-8, gbk (gb18030) or big5.") from None


# --- CSV -------------------------------------------------------------------------------------------------


def guess_encoding(sample: bytes) -> str:
    """The encoding of a CSV from its first bytes: a byte order mark, strict UTF-8, else charset-normalizer's
    best guess among the encodings office software writes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None:
        raise UnusableFile("Cannot tell the text encoding of this file (it is neither UTF-8 nor "
                           "GBK/GB18030). Save it as UTF-8 CSV, or pass --encoding.")
    return codecs.lookup(best.encoding).name


class _CountingReader(io.RawIOBase):
    """A raw binary stream that remembers how many bytes were read, for the progress bar."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[:len(data)] = data
        self.count += len(data)
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def _open_csv(path: Path, encoding: str | None) -> TableFile:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    declared = encoding is not None
    encoding = encoding or guess_encoding(sample)
    if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        text_sample = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise UnusableFile(_decode_advice(encoding, declared, sample, exc.start)) from None
    dialect = _sniff(text_sample)
    counter = _CountingReader(path.open("rb"))
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=encoding, newline="")
    reader = csv.reader(text, dialect)
    try:
        headers = next(reader)
    except StopIteration:
        text.close()
        raise UnusableFile("The file has no header row.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        text.close()
        raise UnusableFile(f"The header row cannot be read ({type(exc).__name__}).") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007 - number is reported on failure
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines carry nothing, spreadsheets leave them at the end
                yield number, cells
        except UnicodeDecodeError as exc:
            raise UnusableFile(f"Row {number + 1} is not valid {encoding} text. "
                               + _decode_advice(encoding, declared, b"", exc.start, tail=True)) from None
        except csv.Error as exc:
            raise UnusableFile(f"Row {number + 1} is not valid CSV ({exc}); "
                               "check quoting in that row.") from None
        finally:
            text.close()

    return TableFile(path=path, format="csv", headers=[str(h) for h in headers], encoding=encoding,
                     rows_expected=None, bytes_total=path.stat().st_size, _rows=rows(),
                     _progress=lambda: counter.count, _close=text.close)


def _decode_advice(encoding: str, declared: bool, sample: bytes, position: int, *, tail: bool = False) -> str:
    guess = None
    if sample:
        try:
            guess = guess_encoding(sample)
        except UnusableFile:
            guess = None
    where = "" if tail else f"at byte {position}: "
    if declared:
        hint = f" It looks like {guess}; pass --encoding {guess}." if guess and guess != encoding else \
            " Pass the encoding it was saved in with --encoding (e.g. gbk), or save it as UTF-8."
        return f"The file is not valid {encoding} text {where}as declared.{hint}"
    return (f"The file is not valid {encoding} text {where}(detected from its start). Pass the encoding "
            "it was saved in with --encoding (e.g. gbk or utf-8), or save it as UTF-8.")


def _sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


# --- Excel ------------------------------------------------------------------------------------------------


def _open_xlsx(path: Path, sheet: str | None) -> TableFile:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams rows from the zip instead of building every cell; data_only gives formula results.
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnusableFile(f"This is not a readable .xlsx workbook ({type(exc).__name__}); save it again "
                           "from Excel or LibreOffice as .xlsx.") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise UnusableFile(f"No sheet named {sheet!r}; the workbook has: {', '.join(book.sheetnames)}.")
    worksheet = book[sheet] if sheet is not None else book.worksheets[0]
    stream = worksheet.iter_rows(values_only=True)
    header = next(stream, None)
    if header is None or not any(cell is not None for cell in header):
        book.close()
        raise UnusableFile("The first row of the sheet is empty; put the column names in row 1.")
    headers = [str(cell).strip() if cell is not None else "" for cell in header]
    while headers and not headers[-1]:
        headers.pop()
    expected = (worksheet.max_row - 1) if worksheet.max_row else None
    read = [0]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(stream, start=2):
                read[0] = number
                if not any(cell is not None and str(cell).strip() for cell in cells):
                    continue
                yield number, list(cells)
        finally:
            book.close()

    size = path.stat().st_size
    return TableFile(path=path, format="xlsx", headers=headers, encoding=None, rows_expected=expected,
                     bytes_total=size, _rows=rows(),
                     _progress=lambda: size * read[0] // max(expected or 1, 1) if expected else 0,
                     _close=book.close)


# --- DBF --------------------------------------------------------------------------------------------------


def _open_dbf(path: Path, encoding: str | None) -> TableFile:
    from dbfread import DBF
    from dbfread.exceptions import DBFNotFound, MissingMemoFile

    try:
        # load=False streams records from disk; strict decoding turns a wrong code page into an error.
        table = DBF(str(path), encoding=encoding, char_decode_errors="strict", load=False)
    except (DBFNotFound, MissingMemoFile) as exc:
        raise UnusableFile(f"The DBF table cannot be opened: {exc}.") from None
    except (ValueError, LookupError, OSError, EOFError) as exc:
        raise UnusableFile(f"This is not a readable DBF file ({type(exc).__name__}).") from None
    headers = list(table.field_names)
    if not headers:
        raise UnusableFile("The DBF table has no fields.")
    expected = int(table.header.numrecords)
    read = [0]
    used = table.encoding

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for number, record in enumerate(table, start=2):  # noqa: B007 - number is reported on failure
                read[0] = number - 1
                yield number, [record[name] for name in headers]
        except UnicodeDecodeError:
            raise UnusableFile(
                f"Record {number} is not valid {used} text. The table's code page says {used}; pass the "
                "encoding it was written in with --encoding (e.g. gbk or cp936).") from None
        except (ValueError, EOFError) as exc:
            raise UnusableFile(f"Record {number} cannot be read ({type(exc).__name__}); the file may be "
                               "truncated.") from None

    size = path.stat().st_size
    return TableFile(path=path, format="dbf", headers=headers, encoding=used, rows_expected=expected,
                     bytes_total=size, _rows=rows(), _progress=lambda: size * read[0] // max(expected, 1))
