"""Hostile workbooks and files built by hand, shared by the bad-file corpus and the parse
sandbox tests: tiny on disk, enormous once a reader builds a dense range from them."""

from __future__ import annotations

import io
import os
import random
import signal
import string
import zipfile

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _workbook(sheet: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode()


def xlsx(
    sheet_data: str, dimension: str = "", shared: list[str] | None = None, sheet: str = "Projects"
) -> bytes:
    """A one-sheet workbook from the raw <sheetData> body (rows and cells as XML)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    ws = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{sheet_data}</sheetData></worksheet>"
    ).encode()
    strings = shared or []
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "</sst>"
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _workbook(sheet))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", ws)
        zf.writestr("xl/sharedStrings.xml", sst)
    return buf.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx_far_cell(ref: str = "XFD1048576") -> bytes:
    """A 2 KB workbook whose only cell is at `ref` (XFD1048576: 512 GiB as a dense range)."""
    row = "".join(ch for ch in ref if ch.isdigit())
    return xlsx(f'<row r="{row}">{inline(ref, "x")}</row>', dimension=ref)


def xlsx_far_cell_undeclared(ref: str = "XFD1048576") -> bytes:
    """The same far cell with a small declared dimension (the dimension lies)."""
    row = "".join(ch for ch in ref if ch.isdigit())
    return xlsx(f'<row r="{row}">{inline(ref, "x")}</row>', dimension="A1")


def xlsx_huge_shared_string(mb: float = 1.0, cells: int = 5000) -> bytes:
    """One shared string of `mb` MB (random letters, so it barely compresses) used by `cells` cells."""
    rnd = random.Random(13)
    text = "".join(rnd.choices(string.ascii_letters, k=int(mb * 1_000_000)))
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>project_id</t></is></c></row>' + "".join(
        f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(2, cells + 2)
    )
    return xlsx(body, dimension=f"A1:A{cells + 1}", shared=[text])


def csv_of_size(mb: float) -> bytes:
    """A projects-looking CSV of about `mb` MB of long text cells (memory, not rows)."""
    line = "P1," + "y" * 9_000 + "\n"
    return b"project_id,project_name\n" + line.encode() * int(mb * 1_000_000 / len(line))


# Greedy functions the parse sandbox tests run in the child by name (isolate.run): each must
# be stopped by an OS limit or die, and the parent must say so in words.


def eat_memory(*_: object) -> list[object]:
    hoard = []
    for _ in range(100_000):  # up to 100 GB, a megabyte at a time
        hoard.append(bytearray(1 << 20))
    return []


def eat_arrow_memory(*_: object) -> list[object]:
    """200 MB through Arrow's memory pool (what the readers allocate), a megabyte at a time:
    over a 64 MB limit however the child was started."""
    import pyarrow as pa

    hoard = []
    for _ in range(200):
        buf = pa.allocate_buffer(1 << 20)
        memoryview(buf).cast("B")[::4096] = b"\x01" * 256  # touched: real pages
        hoard.append(buf)
    return []


def burn_cpu(*_: object) -> list[object]:
    n = 0
    while True:
        n += 1


def abort(*_: object) -> list[object]:
    os.abort()


def segfault(*_: object) -> list[object]:
    os.kill(os.getpid(), signal.SIGSEGV)
    return []


def sleep_forever(*_: object) -> list[object]:
    import time

    time.sleep(3600)
    return []


# Importers that lie (isolate.run_import): the parent must refuse what they send back.


def importer_wrong_layout(*_: object) -> object:
    from epmo.importers import Imported

    return Imported("../../etc/passwd", [], [])


def importer_bad_severity(*_: object) -> object:
    from epmo.importers import Imported
    from epmo.report import Issue

    return Imported("jira_csv", [], [Issue("fatal", "import_missing_key", "x", file="f.csv")])


# The hand-over through shared memory (epmo/isolate.py): children that die while writing
# their answer, answer more than the memory limit, or leave a writer behind.


def _raw_sheet(headers: list[str], data: object) -> object:
    """A RawSheet of f.csv whose rows are numbered from 2 (below the header row)."""
    import pyarrow as pa

    from epmo.readers import RawSheet

    n = data.num_rows  # type: ignore[attr-defined]
    return RawSheet(
        file="f.csv",
        sheet="",
        headers=headers,
        header_row=1,
        data=data,  # type: ignore[arg-type]
        rows=pa.array(range(2, n + 2), pa.int64()),
    )


def _sheet(chunks: int = 1, rows_per_chunk: int = 1000) -> object:
    import pyarrow as pa

    chunk = pa.array(["x" * 1000] * rows_per_chunk, pa.string())  # 1 MB, shared by every chunk
    return _raw_sheet(["project_id"], pa.table({"c0": pa.chunked_array([chunk] * chunks)}))


def die_mid_handover(*_: object) -> list[object]:
    """Returns a sheet, and is killed (SIGKILL) after writing half of it into the answer."""
    import sys

    sink = sys.modules["__main__"]._Sink  # the child runs epmo.isolate as __main__
    add = sink.add

    def half_then_die(self: object, table: object) -> None:
        add(self, table.slice(0, table.num_rows // 2))  # type: ignore[attr-defined]
        os.kill(os.getpid(), signal.SIGKILL)

    sink.add = half_then_die
    return [_sheet()]


def answer_bigger_than_memory(*_: object) -> list[object]:
    """A sheet of 1 MB in memory whose answer is 200 MB (the same chunk 200 times)."""
    return [_sheet(chunks=200)]


def leave_writer_behind(*_: object) -> list[object]:
    """Returns a sheet, and leaves a process that still maps the answer writable (it closes
    every descriptor, so the parent does not wait for it, and exits after 3 s)."""
    import time

    if os.fork() == 0:
        os.closerange(0, 65536)
        time.sleep(3)
        os._exit(0)
    return [_sheet()]


def one_sheet(*_: object) -> list[object]:
    """The control of the three above: the same sheet, answered whole."""
    return [_sheet()]


def whoami(*_: object) -> list[object]:
    """What the child is: one sheet of name/value rows (its pid, its parent's, its CPU and
    address-space limits, CPU seconds used, threads, and what its open descriptors are)."""
    import resource

    import pyarrow as pa

    usage = resource.getrusage(resource.RUSAGE_SELF)
    fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    kinds = []
    for fd in fds:
        try:
            kinds.append(f"{fd}:{os.readlink(f'/proc/self/fd/{fd}').split('[')[0]}")
        except OSError:
            kinds.append(f"{fd}:gone")  # the listing's own descriptor
    facts = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "cpu_limit": resource.getrlimit(resource.RLIMIT_CPU)[0],
        "as_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
        "cpu_used": usage.ru_utime + usage.ru_stime,
        "threads": len(os.listdir("/proc/self/task")),
        "arrow_threads": pa.cpu_count(),
        "fds": " ".join(kinds),
    }
    names, values = list(facts), [str(v) for v in facts.values()]
    return [_raw_sheet(["name", "value"], pa.table({"c0": pa.array(names), "c1": pa.array(values)}))]
