"""AppTest for the steering pages: the deck (frozen, next/previous, presentation mode from
the URL), the deck builder, the decision log and the Project page's decisions."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from epmo import health, steering
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.app.conftest import run_until_current
from tests.conftest import DEMO_END, project_row, projects_csv

DECK = "app_pages/deck.py"


def _ok(at: AppTest) -> None:
    assert not at.exception, [(e.value, e.stack_trace[-6:]) for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _open_deck(app: AppTest, **params: str) -> AppTest:
    for k, v in params.items():
        app.query_params[k] = v
    app.switch_page(DECK).run()
    _ok(app)
    return app


def test_deck_shows_the_home_numbers_with_the_week_and_freeze_time(app: AppTest, demo_store: Store) -> None:
    _open_deck(app, as_of=DEMO_END.isoformat())
    assert app.title[-1].value == "Portfolio overview"
    view = health.project_health_view(demo_store, DEMO_END)
    assert int(_metric(app, "Projects").replace(",", "")) == len(view)
    assert int(_metric(app, "Red (computed)")) == int((view["rag_computed"] == "Red").sum())
    week = DEMO_END.isocalendar().week
    assert any(f"As of week {week}" in c.value and "data frozen at" in c.value for c in app.caption)
    assert any("Slide 1 of 8" in m.value for m in app.markdown)


def test_next_and_previous_walk_the_deck(app: AppTest) -> None:
    _open_deck(app)
    titles = [app.title[-1].value]
    for _ in range(3):
        app.button(key="deck_next").click().run()
        _ok(app)
        titles.append(app.title[-1].value)
    assert titles == ["Portfolio overview", "Portfolio health", "What changed", "Capacity"]
    assert app.query_params["slide"] in ("4", ["4"])
    app.button(key="deck_prev").click().run()
    _ok(app)
    assert app.title[-1].value == "What changed"
    assert app.button(key="deck_next").disabled is False


def _tables(app: AppTest) -> list[str]:
    """The slide's tables as presented (app_pages/_steering.py _presented_table)."""
    return [h.proto.body for h in app.get("html") if h.proto.body.startswith('<div class="epmo-slide-table"')]


def test_presenting_a_slide_of_many_metrics_gives_its_figures_a_screen_of_their_own(app: AppTest) -> None:
    # twelve metrics take two rows of a 1280x720 screen and would leave its charts about
    # 200 px: the metrics come alone, the figures on the next screen of the same slide
    _open_deck(app, present="1", deck="Steering committee", slide="1")
    assert app.title[-1].value == "Portfolio overview (1 of 2)"
    assert len(app.metric) == 12 and not app.get("plotly_chart") and not _tables(app)
    app.button(key="deck_next").click().run()
    _ok(app)
    assert app.title[-1].value == "Portfolio overview (2 of 2)"
    assert any("Slide 1 of 8" in m.value for m in app.markdown)
    assert not app.metric and len(app.get("plotly_chart")) == 1 and len(_tables(app)) == 1
    assert not app.dataframe  # presented, a table is text in large type, not the grid


def test_presenting_the_ranking_gives_its_chart_the_whole_width_first(app: AppTest) -> None:
    # beside the table, the bars had 110 px between their names and the legend
    _open_deck(app, present="1", deck="Steering committee", slide="5")
    assert app.title[-1].value == "Project ranking (1 of 2)"
    assert len(app.get("plotly_chart")) == 1 and not _tables(app)
    app.button(key="deck_next").click().run()
    _ok(app)
    assert app.title[-1].value == "Project ranking (2 of 2)"
    assert not app.get("plotly_chart") and len(_tables(app)) == 1
    assert "<th>MoSCoW</th>" in _tables(app)[0]  # the app's label, not "Moscow"


def test_the_last_slide_walks_all_its_screens_before_next_is_disabled(app: AppTest) -> None:
    _open_deck(app, present="1", deck="Steering committee", slide="8")
    # its metrics, its chart, then its wide table (half the screen cut its last columns)
    assert app.title[-1].value == "Agile flow (1 of 3)"
    assert app.button(key="deck_next").disabled is False  # opened straight on it, too
    for screen in (2, 3):
        app.button(key="deck_next").click().run()
        _ok(app)
        assert app.title[-1].value == f"Agile flow ({screen} of 3)"
    assert len(_tables(app)) == 1 and not app.get("plotly_chart")
    assert app.button(key="deck_next").disabled is True


def test_a_prepared_link_opens_in_presentation_mode_on_its_slide(app: AppTest) -> None:
    _open_deck(app, present="1", deck="Steering committee", slide="2")
    assert app.session_state["present"] is True
    # presenting, the slide's figures come in screens that fit 1280x720: the watermelons'
    # reasons (sentences) and the RAG matrix (a grid) each have their own; Next walks them
    # before the next slide
    assert app.title[-1].value == "Portfolio health (1 of 4)"
    assert len(app.get("plotly_chart")) == 1 and not _tables(app)
    # the RAG rules (three lines) in the title's help, not under the figures: the CPI/SPI
    # chart keeps its height; a project's reasons (two lines at most) stay under its figures
    assert "Computed RAG rules" in app.title[-1].proto.help
    assert not [c for c in app.caption if "Computed RAG rules" in c.value]
    app.button(key="deck_next").click().run()
    _ok(app)
    assert app.title[-1].value == "Portfolio health (2 of 4)"
    assert not app.get("plotly_chart") and len(_tables(app)) == 1 and "Why" in _tables(app)[0]
    app.button(key="deck_next").click().run()  # the six watermelons: three a screen
    _ok(app)
    assert app.title[-1].value == "Portfolio health (3 of 4)"
    app.button(key="deck_next").click().run()
    _ok(app)
    assert app.title[-1].value == "Portfolio health (4 of 4)"
    assert any("Slide 2 of 8" in m.value for m in app.markdown)
    for _ in range(3):  # back through the watermelons' two screens to the first
        app.button(key="deck_prev").click().run()
    _ok(app)
    assert app.title[-1].value == "Portfolio health (1 of 4)"
    styles = [h.proto.body for h in app.get("html")]
    assert any('[data-testid="stSidebar"]' in s and "display: none" in s for s in styles)
    assert any(b.label == "Exit presentation mode" for b in app.button)
    # no Show SQL in presentation mode; the figures are there
    assert not [e for e in app.expander if e.label.startswith("Show SQL")]
    app.button(key="exit_present").click().run()
    _ok(app)
    assert app.session_state["present"] is False
    assert not any('[data-testid="stSidebar"]' in h.proto.body for h in app.get("html"))


def test_an_unknown_deck_in_the_link_says_so(app: AppTest) -> None:
    app.query_params["deck"] = "No such deck"
    app.switch_page(DECK).run()
    assert not app.exception
    assert any("No deck named 'No such deck'" in w.value for w in app.warning)


def test_the_deck_stays_frozen_while_uploads_arrive(app: AppTest, demo_store: Store) -> None:
    _open_deck(app, as_of=DEMO_END.isoformat())
    before = _metric(app, "Projects")
    out = ingest(demo_store, "late.csv", projects_csv(project_row("ZZ-NEW-1")), as_of=DEMO_END)
    assert out.status == ACCEPTED, out.report
    app.run()
    _ok(app)
    assert _metric(app, "Projects") == before  # the deck still shows the frozen snapshot
    run_until_current(app.switch_page("app_pages/home.py"))  # the new version, once built
    _ok(app)
    assert int(_metric(app, "Projects").replace(",", "")) == int(before.replace(",", "")) + 1


def test_decisions_page_validates_then_records_and_the_project_page_shows_it(
    app: AppTest, demo_store: Store
) -> None:
    app.switch_page("app_pages/decisions.py").run()
    _ok(app)
    app.text_input(key="new_decision_owner").input("sponsor@example.org")
    app.button[[b.label for b in app.button].index("Record decision")].click().run()
    assert any("the decision is empty" in e.value for e in app.error)
    assert demo_store.documents(steering.DECISION_KIND) == []
    pid = demo_store.rows("project/projects", as_of=DEMO_END, portfolios=[], programmes=[])[0]["project_id"]
    app.text_area(key="new_decision_decision").input("Pause the rollout until the vendor fixes the API")
    app.text_area(key="new_decision_rationale").input("CPI 0.8 and two red risks")
    app.multiselect(key="new_decision_projects").select(pid)
    app.text_input(key="new_decision_owner").input("sponsor@example.org")
    app.button[[b.label for b in app.button].index("Record decision")].click().run()
    _ok(app)
    saved = demo_store.documents(steering.DECISION_KIND)
    assert len(saved) == 1
    assert any("Saved decision" in s.value for s in app.success)
    log = next(df.value for df in app.dataframe if "decision_id" in df.value.columns)  # shown at once
    assert log["decision_id"].tolist() == [saved[0]["name"]]
    did = saved[0]["name"]
    app.selectbox(key="decision_pick").set_value(did).run()
    _ok(app)
    app.selectbox(key=f"edit_{did}_status").set_value("Done")
    app.button[[b.label for b in app.button].index("Save a new version")].click().run()
    _ok(app)
    versions = steering.decision_history(demo_store, did)
    assert versions["version"].tolist() == [2, 1]  # the first version is kept
    assert [json.loads(s)["status"] for s in versions["spec"]] == ["Done", "Open"]
    app.query_params["project"] = pid
    app.switch_page("app_pages/project.py").run()
    _ok(app)
    assert any(s.value == "Steering decisions (1)" for s in app.subheader)
    table = next(df.value for df in app.dataframe if "decision" in df.value.columns)
    assert table["decision"].tolist() == ["Pause the rollout until the vendor fixes the API"]


def test_deck_builder_saves_a_deck_the_deck_page_offers(app: AppTest, demo_store: Store) -> None:
    app.switch_page("app_pages/decks.py").run()
    _ok(app)
    app.button(key="deck_save").click().run()
    assert any("a deck needs a name" in e.value for e in app.error)  # nothing saved
    assert demo_store.documents(steering.DECK_KIND) == []
    app.text_input(key="deck_name").input("Board").run()
    app.button(key="deck_save").click().run()
    _ok(app)
    assert [d["name"] for d in demo_store.documents(steering.DECK_KIND)] == ["Board"]
    assert steering.load_deck(demo_store, "Board").slides == steering.default_deck().slides
    _open_deck(app, deck="Board")
    assert app.selectbox(key="deck_pick").value == "Board"


def test_deck_builder_shows_slide_titles_and_blank_cells(app: AppTest, demo_store: Store) -> None:
    """The slide editor reads the views, grains and rows as titles (Portfolio overview, Month,
    Role), not codes (home, month, role), and an option a slide does not take is a blank cell,
    not the word None; a saved deck still stores the codes."""
    app.switch_page("app_pages/decks.py").run()
    _ok(app)
    editor = app.dataframe[0]
    assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""  # blank, not None
    shown = json.loads(editor.proto.columns)

    def labels(col: str) -> dict[str, str]:
        return {o["value"]: o["label"] for o in shown[col]["type_config"]["options"]}

    for col, code, words in [
        ("view", "home", "Portfolio overview"),
        ("view", "health", "Portfolio health"),
        ("view", "changes", "What changed"),
        ("view", "ranking", "Project ranking"),
        ("grain", "month", "Month"),
        ("by", "role", "Role"),
        ("by", "role_team", "Role and team"),
    ]:
        assert labels(col)[code] == words, (col, code)
    for col in ("project_id", "grain", "by", "model"):
        assert "" not in [
            o if isinstance(o, str) else o["value"] for o in shown[col]["type_config"]["options"]
        ]
    rows = editor.value
    assert rows["view"].tolist()[:3] == ["home", "health", "changes"]  # the data keeps the codes
    assert rows["project_id"].isna().all()  # empty, shown blank: not "" nor "None"
    app.text_input(key="deck_name").input("Board").run()
    app.button(key="deck_save").click().run()
    _ok(app)
    assert steering.load_deck(demo_store, "Board").slides == steering.default_deck().slides
    assert json.loads(demo_store.document(steering.DECK_KIND, "Board")["spec"])["slides"][0] == {
        "view": "home"
    }


def test_decision_dates_are_typed_day_first(app: AppTest) -> None:
    """The decision form's dates take DD/MM/YYYY, as the app reads dates (27/11/2026), not the
    ISO year-first YYYY-MM-DD."""
    app.switch_page("app_pages/decisions.py").run()
    _ok(app)
    for key in ("new_decision_date", "new_decision_due"):
        assert app.date_input(key=key).proto.format == "DD/MM/YYYY", key


@pytest.mark.parametrize(
    ("rows", "screens"),
    [(5, [5]), (6, [3, 3]), (11, [4, 4, 3]), (46, [5] * 6 + [4] * 4), (45, [5] * 9)],
)
def test_a_table_of_sentences_is_presented_a_screenful_at_a_time(rows: int, screens: list[int]) -> None:
    """Presented, the 46 watermelons and their reasons scrolled inside one slide with a row
    cut across its bottom edge: now at most WORDY_ROWS_PER_SCREEN rows a screen, as evenly
    as can be, each screen saying which rows it holds."""
    import pandas as pd

    from app_pages import _steering
    from epmo import steering

    frame = pd.DataFrame({"Project": [f"P{i}" for i in range(rows)], "Why": ["a reason " * 8] * rows})
    parts = _steering._screens_of(steering.Table("Watermelons", frame, "sql"))
    assert [len(p.frame) for p in parts] == screens
    assert pd.concat([p.frame for p in parts]).equals(frame)
    if len(parts) > 1:
        assert parts[0].title == f"Watermelons (rows 1-{screens[0]} of {rows})"


# (metrics on the slide, the table's rows, the screens it takes): 11 rows fit a screen
# without metrics, 8 under a row of them; two rows of metrics take a screen of their own
@pytest.mark.parametrize(
    ("metrics", "rows", "screens"), [(0, 10, 1), (6, 10, 2), (6, 8, 1), (12, 10, 1), (0, 25, 3)]
)
def test_a_presented_table_longer_than_a_screen_takes_screens_of_its_own(
    metrics: int, rows: int, screens: int
) -> None:
    """A 10-row table beside a chart under a row of metrics scrolled inside its slide: its
    last rows were out of the audience's sight. Each screen now holds what fits, and every
    row is on one of them."""
    import pandas as pd

    from app_pages import _steering
    from epmo import steering

    frame = pd.DataFrame({"Project": [f"P{i}" for i in range(rows)], "Stage": ["Execution"] * rows})
    table = steering.Table("Open milestones", frame, "sql")
    slide = steering.Slide(
        spec=None,  # type: ignore[arg-type]
        title="Milestones",
        subtitle="",
        metrics=[steering.Metric(f"m{i}", "1") for i in range(metrics)],
        blocks=[table],
    )
    parts = _steering.present_parts(slide)
    shown = [b for p in parts for b in p if isinstance(b, steering.Table)]
    assert pd.concat([t.frame for t in shown]).equals(frame)
    for k, part in enumerate(parts):
        used = (
            metrics
            if k == 0 and (not part or _steering.figure_budget(metrics) >= _steering.MIN_FIGURE_PX)
            else 0
        )
        room = _steering.figure_budget(used)
        for t in part:
            if isinstance(t, steering.Table):
                assert _steering.TABLE_HEAD_PX + _steering.TABLE_ROW_PX * len(t.frame) <= room, (
                    k,
                    len(t.frame),
                    room,
                )
    assert len(shown) == screens


@pytest.mark.parametrize(
    ("subtitle", "under"),
    [
        ("short", ""),  # on the caption line
        ("x" * 200, "x" * 200),  # two lines: whole under the figures
        ("rules " * 60, ""),  # three lines and no first clause: in the title's help only
        ("Computed RAG R Red · PM a@b.org — " + "reason " * 60, "Computed RAG R Red · PM a@b.org"),
        ("y" * 300 + " — because", ""),  # a first clause longer than two lines
    ],
)
def test_a_presented_subtitle_keeps_what_fits_under_the_figures(subtitle: str, under: str) -> None:
    from app_pages import _steering

    slide = steering.Slide(steering.SlideSpec("project"), "P", subtitle)
    assert _steering.under_figures(slide) == under


def test_a_presented_project_slide_shows_its_rag_not_only_in_a_tooltip(app: AppTest) -> None:
    """The biggest mover's slide moved its whole subtitle, the computed Red with it, into the
    title's help: the committee, who cannot hover a screen share, saw a project that looked
    healthy. The RAG comes first and stays on screen; the reasons are cut to two lines."""
    _open_deck(app, present="1", deck="Steering committee", slide="6")
    title = app.title[0]
    assert title.value.startswith("PRJ-")
    captions = [c.value for c in app.caption]
    assert any(c.startswith("Computed RAG ") for c in captions), captions
    if title.help:  # cut: the whole note is in the title's help
        assert title.help.startswith("Computed RAG ")


def test_the_deck_says_it_does_not_follow_the_sidebar_filter(app: AppTest) -> None:
    """The sidebar said 'Data & Analytics' while the slides showed every portfolio, with
    nothing on the page to say so."""
    app.run()
    portfolio = app.sidebar.multiselect(key="portfolios").options[0]
    app.switch_page(DECK).run()
    assert not any("own scope" in i.value for i in app.info)  # no filter: nothing to explain
    app.sidebar.multiselect(key="portfolios").select(portfolio).run()
    _ok(app)
    (note,) = [i.value for i in app.info if "own scope" in i.value]
    assert "every portfolio" in note and "Decks page" in note
