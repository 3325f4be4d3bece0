"""Writing an export (services/worklists/export.py) as CSV or XLSX, a piece at a time.

CSV: UTF-8 with a byte order mark (Excel reads it as UTF-8 then), ";" between cells for
Danish (the list separator Excel uses in a Danish locale), "," for English; a cell that a
spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage return)
gets a leading apostrophe (OWASP, "CSV injection"). Times in ISO 8601, local time with its
offset. XLSX: XlsxWriter in constant_memory mode (each row flushed to a temporary file as it
is written); every text written as a string, never as a formula or a link; times as
spreadsheet dates in local time.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows written to the CSV buffer between two chunks sent.
CSV_ROWS_PER_CHUNK = 500
XLSX_CHUNK_BYTES = 64 * 1024


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula it would evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


def csv_chunks(
    headers: list[str], rows: Iterable[list], *, delimiter: str = ";", note: str | None = None
) -> Iterator[bytes]:
    """The CSV file as byte chunks: the BOM and the header line first, then the rows, some
    hundreds at a time; ``note`` (e.g. "only the first N rows") as a last line of one cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    n = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        n += 1
        if n % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if note:
        writer.writerow([neutralise(note)])
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(
    headers: list[str], rows: Iterable[list], *, sheet: str = "Export", note: str | None = None
) -> Iterator[bytes]:
    """The XLSX file as byte chunks. The rows go to XlsxWriter's temporary files as they come
    (constant_memory); the zip is put together at the end in a temporary file, sent from
    there."""
    with tempfile.TemporaryFile() as out:
        book = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "remove_timezone": False,
            },
        )
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        ws = book.add_worksheet(sheet[:31])
        for c, header in enumerate(headers):
            ws.write_string(0, c, header, bold)
        r = 0
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    # Local time, as the page shows it; a spreadsheet date has no zone.
                    ws.write_datetime(r, c, value.replace(tzinfo=None), when)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        if note:
            ws.write_string(r + 1, 0, note)
        ws.freeze_panes(1, 0)
        book.close()
        out.seek(0)
        while chunk := out.read(XLSX_CHUNK_BYTES):
            yield chunk
