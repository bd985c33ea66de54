"""CSV and XLSX downloads that open cleanly in Excel as used in Finland, written row by row so
that a large export never sits in memory whole."""

import csv
import io
import re
import tempfile
from datetime import date, datetime

from flask import Response, send_file, stream_with_context

from ..extensions import db
from .signals import staff_action_done
from .timeutil import local_zone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text_cell(value) -> str:
    """Text a spreadsheet will not run as a formula (a leading ' keeps it as text)."""
    if isinstance(value, datetime):
        return value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def record_export(actor, action: str, subject=None, **details) -> None:
    """Report a download of personal data or figures to the audit log, in its own short
    transaction, before the file streams."""
    staff_action_done.send(actor, action=action, subject=subject, details=details)
    db.session.commit()


def _attachment(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_download(header: list[str], rows, filename: str) -> Response:
    """UTF-8 with a byte-order mark and semicolons (Excel's list separator in Finnish and
    Swedish settings); every cell is kept as text; times are Helsinki wall time. `rows` is read
    while the response streams, after the request's database session has closed: it must yield
    plain values, never ORM objects that would still load something."""

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow([_text_cell(value) for value in header])
        for row in rows:
            writer.writerow([_text_cell(value) for value in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv; charset=utf-8", headers=_attachment(filename))


def _xlsx_cell(value):
    """Numbers and dates stay numbers and dates; Excel knows no time zones, so times are
    Helsinki wall time; text is neutralised as in CSV."""
    if isinstance(value, datetime):
        return value.astimezone(local_zone()).replace(tzinfo=None)
    if isinstance(value, (bool, int, float, date)):
        return value
    return _text_cell(value)


def xlsx_download(header: list[str], rows, filename: str, sheet_title: str) -> Response:
    """An Excel workbook written in openpyxl's write-only mode, which keeps rows on disk
    rather than in memory, then streamed from a temporary file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/?*\[\]:]", " ", sheet_title)[:31])
    sheet.append([_text_cell(value) for value in header])
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it after the response)
    workbook.save(spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
