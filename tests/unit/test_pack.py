"""The steering pack: PowerPoint with native charts and tables holding the snapshot's
numbers, a title slide with data freshness, the decisions; HTML that opens offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from epmo import cli, clock, health, labels, pack, sql, steering
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.conftest import DEMO_END, person, project_row, projects_csv


@pytest.fixture
def built(demo_store: Store) -> Iterator[tuple[Store, steering.Freeze, pack.Pack]]:
    frozen = steering.freeze(demo_store, DEMO_END)
    con = steering.connect_frozen(demo_store, frozen)
    decision = steering.validate_decision(
        con,
        {
            "decision": "Fund the data platform rebuild",
            "owner": "cfo@x.org",
            "project_ids": ["PRJ-0002"],
            "due_date": "2027-03-31",
        },
        frozen,
    )
    con.close()
    steering.save_decision(demo_store, decision, person("clerk@x.org"))
    yield demo_store, frozen, pack.build_from_store(demo_store, steering.default_deck(), frozen)


def _charts(prs):  # type: ignore[no-untyped-def]
    return [sh.chart for slide in prs.slides for sh in slide.shapes if sh.has_chart]


def _tables(prs):  # type: ignore[no-untyped-def]
    return [sh.table for slide in prs.slides for sh in slide.shapes if sh.has_table]


def _slide_text(slide) -> str:  # type: ignore[no-untyped-def]
    return " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def test_pptx_holds_native_charts_with_the_snapshots_numbers(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, frozen, content = built
    out = tmp_path / "pack.pptx"
    pack.write(content, out)
    prs = Presentation(str(out))
    charts = _charts(prs)
    kinds = {c.chart_type for c in charts}
    assert {XL_CHART_TYPE.COLUMN_STACKED, XL_CHART_TYPE.BUBBLE, XL_CHART_TYPE.LINE_MARKERS} <= kinds
    assert not [sh for slide in prs.slides for sh in slide.shapes if sh.shape_type == 13]  # no pictures

    con = store.connect()  # nothing was uploaded since the freeze: the live numbers are the frozen ones
    # projects by stage and declared RAG: every stage's count per RAG, as the query says
    by_stage = sql.df(con, "home/projects_by_stage", as_of=DEMO_END, portfolios=[], programmes=[])
    stage_chart = next(c for c in charts if c.chart_type == XL_CHART_TYPE.COLUMN_STACKED)
    cats = list(stage_chart.plots[0].categories)
    for series in stage_chart.plots[0].series:
        rag = None if series.name == "No RAG" else series.name
        part = (
            by_stage[by_stage["rag_overall"].isna()]
            if rag is None
            else by_stage[by_stage["rag_overall"] == rag]
        )
        expected = part.groupby("stage")["project_count"].sum().reindex(cats, fill_value=0)
        assert list(series.values) == [float(v) for v in expected], series.name
    assert sum(sum(s.values) for s in stage_chart.plots[0].series) == len(
        health.project_health_view(store, DEMO_END)
    )

    # the CPI/SPI bubbles: every active project with both indices, at its SPI, CPI and BAC
    ph = sql.df(con, "health/project_health", as_of=DEMO_END, portfolios=[], programmes=[])
    active = ph[ph["is_active"]].dropna(subset=["cpi", "spi"])
    bubble = next(c for c in charts if c.chart_type == XL_CHART_TYPE.BUBBLE)
    points = set()
    for series in bubble.plots[0].series:
        xml = series._element
        xs = [float(v.text) for v in xml.xpath("./c:xVal//c:v")]
        ys = [float(v.text) for v in xml.xpath("./c:yVal//c:v")]
        sizes = [float(v.text) for v in xml.xpath("./c:bubbleSize//c:v")]
        points |= {(round(x, 6), round(y, 6), round(s, 2)) for x, y, s in zip(xs, ys, sizes, strict=True)}
    expected_points = {
        (round(x, 6), round(y, 6), round(s, 2))
        for x, y, s in zip(active["spi"], active["cpi"], active["bac"], strict=True)
    }
    assert points == expected_points and len(points) > 5


def test_pptx_title_slide_has_the_as_of_date_and_freshness(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, frozen, content = built
    prs = Presentation(__import__("io").BytesIO(pack.to_pptx(content)))
    title = _slide_text(prs.slides[0])
    status = sql.df(store.connect(), "health/submission_status", as_of=DEMO_END, portfolios=[], programmes=[])
    # expected to report: an active stage (macros/epmo_expected_to_report); Closed projects
    # that stopped reporting are neither expected nor missing
    active = status[status["is_active"]]
    reported = int(active["submission_status"].isin(["on time", "late"]).sum())
    expected = len(active)
    assert reported + int((status["submission_status"] == "missing").sum()) == expected
    assert f"{reported} of {expected} expected projects reported this week" in title
    # no store internals on the cover (the table versions are in the file's properties)
    assert "uploads=" not in title and "Store tables" not in title
    assert "uploads=" in prs.core_properties.comments
    assert f"As of week {DEMO_END.isocalendar().week} ({DEMO_END:%d %b %Y})" in title
    assert "data frozen at" in title
    every = " ".join(_slide_text(s) for s in list(prs.slides)[1:])
    assert every.count("As of week 47") == len(prs.slides) - 1  # on every slide


def test_pptx_titles_are_in_title_placeholders_and_slides_are_numbered_right(built) -> None:  # type: ignore[no-untyped-def]
    _, _, content = built
    prs = Presentation(__import__("io").BytesIO(pack.to_pptx(content)))
    slides = list(prs.slides)
    titles = [s.shapes.title.text if s.shapes.title is not None else None for s in slides]
    assert all(titles), titles  # PowerPoint's outline and accessibility checker read these
    assert titles[0] == content.title
    assert titles[1 : len(content.slides) + 1][:1] == [content.slides[0].title]
    numbers = [re.search(r"Slide (\d+) of (\d+)", _slide_text(s)) for s in slides[1:]]
    assert all(numbers)
    assert [(int(m.group(1)), int(m.group(2))) for m in numbers if m] == [
        (n, len(slides)) for n in range(2, len(slides) + 1)
    ]


def test_pptx_has_native_tables_and_the_decisions(built) -> None:  # type: ignore[no-untyped-def]
    store, frozen, content = built
    prs = Presentation(__import__("io").BytesIO(pack.to_pptx(content)))
    tables = _tables(prs)
    cells = [[c.text for c in row.cells] for t in tables for row in t.rows]
    assert any("Fund the data platform rebuild" in row for row in cells)
    movers = sql.df(
        store.connect(),
        "health/biggest_movers",
        as_of=DEMO_END,
        previous=health.previous_week(DEMO_END),
        limit=5,
        portfolios=[],
        programmes=[],
    )
    assert (
        movers["project_id"].tolist()[:3]
        == [r[0] for r in cells if r and r[0] in set(movers["project_id"])][:3]
    )


def test_pptx_tables_show_money_in_the_portfolio_format(built) -> None:  # type: ignore[no-untyped-def]
    store, frozen, content = built
    prs = Presentation(__import__("io").BytesIO(pack.to_pptx(content)))
    movers = sql.df(
        store.connect(),
        "health/biggest_movers",
        as_of=DEMO_END,
        previous=health.previous_week(DEMO_END),
        limit=5,
        portfolios=[],
        programmes=[],
    )
    (table,) = [t for t in _tables(prs) if "EAC change" in [c.text for c in t.rows[0].cells]]
    col = [c.text for c in table.rows[0].cells].index("EAC change")
    shown = [row.cells[col].text for row in list(table.rows)[1:]]
    expected = [labels.money(v) for v in movers["eac_change"].tolist()]
    assert shown == expected[: len(shown)] and shown
    assert any(v and abs(v) >= 1000 for v in movers["eac_change"].dropna())  # the format matters here
    assert not any(re.fullmatch(r"-?\d{1,3}(,\d{3})+", s) for s in shown)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-3800.0, "-3.8K"), (1_250_000.0, "1.25M"), (950.0, "950"), (None, ""), (float("nan"), "")],
)
def test_slide_tables_format_money_columns_like_the_portfolio(value: float | None, shown: str) -> None:
    import pandas as pd

    frame = pd.DataFrame({"project_id": ["P-1"], "eac_change": [value]})
    out = steering.display(frame, ["project_id", "eac_change"])
    assert out.to_dict("list") == {"Project": ["P-1"], "EAC change": [shown]}


def test_the_pack_shows_the_frozen_snapshot_not_a_later_upload(demo_store: Store) -> None:
    frozen = steering.freeze(demo_store, DEMO_END)
    out = ingest(
        demo_store,
        "late.csv",
        projects_csv(project_row("ZZ-LATE-1", project_name="Arrived late")),
        as_of=DEMO_END,
    )
    assert out.status == ACCEPTED
    home = steering.SlideSpec("home")
    frozen_deck = steering.parse_deck("x", {"slides": ["home"]})
    now = pack.build_from_store(demo_store, frozen_deck, steering.freeze(demo_store, DEMO_END))
    then = pack.build_from_store(demo_store, frozen_deck, frozen)
    count = {
        p: int(next(m.value for m in c.slides[0].metrics if m.label == "Projects"))
        for p, c in (("now", now), ("then", then))
    }
    assert count["now"] == count["then"] + 1
    assert home.view == "home"


def test_html_pack_is_self_contained_with_the_same_content(built) -> None:  # type: ignore[no-untyped-def]
    store, frozen, content = built
    document = pack.to_html(content)
    assert pack.network_references(document) == []
    assert len(re.findall(r"<script[^>]*\bsrc\s*=", document, flags=re.I)) == 0
    assert document.count("Plotly.newPlot") >= 5
    assert len(document) > 3_000_000  # plotly.js is embedded (once)
    assert document.count("/** @license") <= 3 or document.count("plotly.js v") == 1
    for s in content.slides:
        assert s.title in document
    assert "Fund the data platform rebuild" in document
    assert steering.freshness_text(content.fresh) in document


@pytest.mark.parametrize(
    ("snippet", "found"),
    [
        ('<script src="https://cdn.plot.ly/plotly.min.js"></script>', "<script src="),
        ('<link rel="stylesheet" href="https://fonts.example/x.css">', "<link> element"),
        ('<img src="//cdn.example/logo.png">', "<img> element"),
        ("<style>@import url('https://x/y.css');</style>", "@import"),
        ("<div style=\"background: url('http://x/y.png')\"></div>", "url('http://x/y.png')"),
        ('<iframe src="https://example.org"></iframe>', "<iframe> element"),
        ('<a href="https://example.org">x</a>', "<a href="),
        ('<meta http-equiv="refresh" content="0; url=https://x">', "refresh"),
    ],
)
def test_network_reference_check_finds_each_kind(snippet: str, found: str) -> None:
    refs = pack.network_references(f"<html><body>{snippet}</body></html>")
    assert any(found in r for r in refs), refs


def test_urls_inside_script_code_and_data_uris_are_not_references() -> None:
    ok = '<script>var a="https://plotly.com"; var b="<a href=\\"https://x\\">";</script><img-free/><a href="#top">t</a><div style="background:url(data:image/png;base64,AAA)"></div>'
    assert pack.network_references(f"<html><body>{ok}</body></html>") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "pack.pdf"], "--out must end in .pptx or .html"),
        (["--deck", "Nope", "--out", "pack.pptx"], "no deck named 'Nope'"),
        (["--as-of", "2020-01-03", "--out", "pack.pptx"], "nothing was reported on or before 2020-01-03"),
        (["--out", "no/such/dir/pack.pptx"], "no such folder"),
    ],
)
def test_pack_command_refuses_bad_input(
    demo_store: Store, tmp_path: Path, capsys, monkeypatch, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert cli.main(["pack", "--store", demo_store.uri, *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("pack.*"))


def test_pack_command_writes_both_formats(demo_store: Store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    for suffix in ("pptx", "html"):
        out = tmp_path / f"pack.{suffix}"
        assert (
            cli.main(["pack", "--store", demo_store.uri, "--as-of", DEMO_END.isoformat(), "--out", str(out)])
            == 0
        )
        assert out.stat().st_size > 20_000
    prs = Presentation(str(tmp_path / "pack.pptx"))
    assert len(_charts(prs)) >= 4
    assert "frozen at" in capsys.readouterr().err


def test_export_decisions_view(built, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store, frozen, content = built
    today = clock.today().isoformat()  # pinned by tests/conftest.py
    assert (
        cli.main(["export", "decisions", "--store", store.uri, "--as-of", today, "--project", "PRJ-0002"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Fund the data platform rebuild" in out and "PRJ-0002" in out
    assert (
        cli.main(["export", "decisions", "--store", store.uri, "--as-of", today, "--project", "PRJ-9999"])
        == 0
    )
    assert "Fund the data platform" not in capsys.readouterr().out


def test_every_pptx_table_fits_its_slide_in_readable_type(built) -> None:  # type: ignore[no-untyped-def]
    """PowerPoint grows a row to fit its wrapped text, and a table grown past the slide's
    bottom is cut off when shown: the watermelons' reasons in half a slide's width, in
    columns of equal width, came to about 10 in on a 7.5 in slide. Read back from the file:
    each table's columns, type size and text, with the pack's estimate of how text wraps
    (pack.table_height), end above the caption line, and no type is under 8 pt."""
    _, _, content = built
    prs = Presentation(__import__("io").BytesIO(pack.to_pptx(content)))
    seen = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            table = shape.table
            texts = [[c.text for c in row.cells] for row in table.rows]
            widths = [col.width / 914400 for col in table.columns]
            sizes = {
                para.font.size.pt if para.font.size else 18.0  # unset: PowerPoint's 18 pt
                for row in table.rows
                for c in row.cells
                for para in c.text_frame.paragraphs
            }
            assert len(sizes) == 1 and min(sizes) >= 8, sizes
            (size,) = sizes
            bottom = shape.top / 914400 + sum(pack.table_height(texts, widths, size))
            assert bottom <= pack.TABLE_BOTTOM_IN, (slide.shapes.title.text, bottom)
            assert abs(sum(widths) - shape.width / 914400) < 0.01
            seen += 1
    assert seen >= 10
    # the reasons read on a slide of their own, at the whole width
    reasons = [
        sh
        for s in prs.slides
        for sh in s.shapes
        if sh.has_table and "Why" in [c.text for c in sh.table.rows[0].cells]
    ]
    assert reasons and all(sh.width / 914400 > 12 for sh in reasons)


@pytest.mark.parametrize(
    ("kinds", "groups"),
    [
        ("", [[]]),
        ("c", [["c"]]),
        ("ct", [["c", "t"]]),
        ("ctc", [["c", "t"], ["c"]]),
        ("cWc", [["c"], ["W"], ["c"]]),  # a table of sentences alone, the order kept
        ("Wct", [["W"], ["c", "t"]]),
        ("ccW", [["c", "c"], ["W"]]),
    ],
)
def test_slide_groups_put_a_table_of_sentences_on_a_slide_of_its_own(
    kinds: str, groups: list[list[str]]
) -> None:
    import pandas as pd

    def block(kind: str) -> steering.Chart | steering.Table:
        if kind == "c":
            return steering.Chart("chart", None, "bar", pd.DataFrame(), "")  # type: ignore[arg-type]  # no figure needed
        words = "x" * (steering.WORDY_CELL + 1) if kind == "W" else "short"
        return steering.Table(kind, pd.DataFrame({"a": [words]}), "")

    blocks = [block(k) for k in kinds]
    got = pack.slide_groups(blocks)
    names = [["c" if isinstance(b, steering.Chart) else b.title for b in g] for g in got]
    assert names == groups


@pytest.mark.parametrize(
    ("rows", "room", "size"),
    [
        (3, 5.0, 12),  # fits in the largest type
        (19, 5.0, 9),  # 20 rows: 5.33 in at 10 pt, 5.0 in at 9 pt
        (400, 5.0, 8),  # never fits: the smallest, never smaller
    ],
)
def test_a_table_takes_the_largest_type_that_fits(rows: int, room: float, size: float) -> None:
    texts = [["Project", "Name"]] + [["PRJ-0001", "A project"] for _ in range(rows)]
    widths = pack.column_widths(texts, 6.0)
    assert widths[1] > widths[0] * 0.9 and abs(sum(widths) - 6.0) < 1e-9
    assert pack.fitted_size(texts, widths, room) == size


def test_a_cell_of_several_lines_is_sized_and_counted_line_by_line() -> None:
    """A cell with line breaks is a paragraph per line: each takes the table's type size
    (the lines after the first stayed at PowerPoint's 18 pt), and the fit counts every line."""
    import io

    import pandas as pd
    from pptx.util import Inches

    frame = pd.DataFrame({"Project": ["P1", "P2"], "Why": ["first line\nsecond line\nthird", "one"]})
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    pack._add_table(slide, frame, Inches(0.5), Inches(1), Inches(6), Inches(1), room=Inches(5))
    saved = Presentation(io.BytesIO(_saved(prs)))
    (table,) = [sh.table for sh in saved.slides[0].shapes if sh.has_table]
    sizes = [p.font.size for row in table.rows for c in row.cells for p in c.text_frame.paragraphs]
    assert len(sizes) == 8 and None not in sizes and len(set(sizes)) == 1  # 2 headers, 1 + 3 + 1 + 1 lines
    one, three = pack.table_height([["a"], ["a\nb\nc"]], [6.0], 12)
    assert three > 2.5 * (one - pack.CELL_MARGIN_H_IN)


def _saved(prs) -> bytes:  # type: ignore[no-untyped-def]
    import io

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def test_a_pack_rebuilt_from_a_cutoff_names_the_cutoff(demo_store: Store, tmp_path: Path) -> None:
    """`pack --frozen-at T` rebuilds what a meeting saw: its caption said the moment of the
    rebuild."""
    out = tmp_path / "deck.html"
    args = ["pack", "--store", demo_store.uri, "--out", str(out), "--as-of", str(DEMO_END)]
    assert cli.main([*args, "--frozen-at", "2026-11-24T12:00:00+00:00"]) == 0
    assert "data frozen at 24 Nov 2026 12:00 UTC" in out.read_text(encoding="utf-8")


def test_a_rebuilt_pack_shows_its_meeting_s_decisions_not_later_ones(demo_store: Store) -> None:
    """A pack rebuilt after later meetings listed their decisions too (those taken up to the
    day of the rebuild): a meeting's record changed after it."""
    import datetime as dt

    con = demo_store.connect()
    live = steering.freeze(demo_store, DEMO_END)
    for day, text in (("2026-11-21", "Taken before the meeting"), ("2026-11-24", "Taken at a later meeting")):
        d = steering.validate_decision(
            con, {"decision": text, "owner": "cfo@x.org", "decision_date": day}, live
        )
        steering.save_decision(demo_store, d, person("clerk@x.org"))
    con.close()
    meeting = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    for frozen, shown in (
        (
            steering.freeze(demo_store, DEMO_END, cutoff_at=meeting, frozen_at=meeting),
            ["Taken before the meeting"],
        ),
        (live, ["Taken at a later meeting", "Taken before the meeting"]),
    ):
        built = pack.build_from_store(demo_store, steering.default_deck(), frozen)
        [log] = [s for s in built.slides if s.spec.view == "decisions"]
        table = log.blocks[0].frame
        assert [t for t in table[labels.label("decision")] if t.startswith("Taken")] == shown


def test_pptx_cuts_no_word_and_names_its_axes(built) -> None:  # type: ignore[no-untyped-def]
    """Subtitles were cut at 220 characters mid-word (the RAG rules ended "...due date is A")
    and no chart said what its axes measure."""
    import io

    _store, _frozen, content = built
    prs = Presentation(io.BytesIO(pack.to_pptx(content)))
    subtitles = {s.title: s.subtitle for s in content.slides}
    cut = 0
    for slide in list(prs.slides)[1:]:
        title = slide.shapes.title.text_frame.text.replace(" (continued)", "")
        boxes = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title]
        whole = subtitles.get(title)
        if not whole:
            continue
        mark = pack.CUT_MARK
        [shown] = [
            b for b in boxes if b and (b == whole or b.endswith(mark) and whole.startswith(b[: -len(mark)]))
        ]
        if shown != whole:  # cut: at a word, saying so, and whole in the notes
            cut += 1
            assert whole[len(shown) - len(mark)] in " ,;:·", shown
            assert whole in slide.notes_slide.notes_text_frame.text
    assert cut >= 1  # the health slide's rules are longer than two lines
    bubble = next(
        sh.chart
        for slide in prs.slides
        for sh in slide.shapes
        if sh.has_chart and sh.chart.chart_type == XL_CHART_TYPE.BUBBLE
    )
    assert bubble.value_axis.axis_title.text_frame.text == "CPI (cost)"
    assert bubble.category_axis.axis_title.text_frame.text == "SPI (schedule)"


@pytest.mark.parametrize(
    ("text", "width", "lines", "expected"),
    [
        ("Short title", 12.3, 1, ("Short title", 30, False)),
        ("x " * 40, 12.3, 1, (("x " * 40), 22, False)),  # 80 characters: 22 pt fits one line
        ("word " * 60, 12.3, 1, None),  # too long at any size: cut at a word
    ],
)
def test_fit_text(text: str, width: float, lines: int, expected: tuple[str, int, bool] | None) -> None:
    shown, size, cut = pack.fit_text(text, width, lines, (30, 26, 22, 18))
    if expected is not None:
        assert (shown, size, cut) == expected
    else:
        head = shown.removesuffix(pack.CUT_MARK)
        assert cut and size == 18 and shown.endswith(pack.CUT_MARK) and text.startswith(head)
        assert head.endswith("word") and len(shown) <= int(12.3 * 72 / (18 * pack.CHAR_EM))


def test_the_pack_file_says_who_made_it_and_when(built) -> None:  # type: ignore[no-untyped-def]
    """File > Info showed python-pptx's template: author 'Steve Canny', made 27 Jan 2013."""
    import datetime as dt
    import io

    _store, frozen, content = built
    props = Presentation(io.BytesIO(pack.to_pptx(content))).core_properties
    assert props.author == props.last_modified_by == "EPMO Portfolio Analytics"
    assert (
        props.created
        == props.modified
        == frozen.frozen_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    )
    assert props.title == content.title and str(frozen.as_of.year) in props.subject
