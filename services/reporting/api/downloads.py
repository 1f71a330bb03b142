"""Files the reporting API sends (CSV, Excel): streamed as they are read, never whole in memory.

An Excel file is a zip, complete only at its end: it is written to a temporary file first
(openpyxl's write-only mode keeps its rows on disk too), then sent from there in chunks.
"""

import tempfile
from collections.abc import Callable, Iterator
from typing import IO

from fastapi.responses import StreamingResponse

from services.reporting import excel

CSV_TYPE = "text/csv; charset=utf-8"
#: Bytes per chunk sent from a temporary file.
CHUNK = 64 * 1024


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def streamed(chunks: Iterator[bytes], *, media_type: str, filename: str) -> StreamingResponse:
    """A download sent chunk by chunk as `chunks` yields them (no Content-Length)."""
    return StreamingResponse(chunks, media_type=media_type, headers=attachment(filename))


def xlsx_download(filename: str, write: Callable[[IO[bytes]], None]) -> StreamingResponse:
    """The workbook `write` saves into a temporary file, sent from there; the file goes when
    it has been sent. A failure while writing is raised here, before any byte is sent."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(CHUNK):
                yield chunk

    return streamed(chunks(), media_type=excel.CONTENT_TYPE, filename=filename)
