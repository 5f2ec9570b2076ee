"""The page-data layer: the one place where a page's data is asked for.

Every page of the app, every steering slide, the pack, the CLI exports and the benchmark
call these functions: typed `Filters` in (the as-of week, the scope, later the acting
identity), one frozen result per page or tab out, each with the names of the queries
behind its elements (`sql`) so a page can still show the SQL behind every number.
No streamlit here; the app caches these results (app_pages/_shared.page), keyed by the
function, the store version, the Filters and the extra parameters.

Modules: `portfolio` (Home, Portfolio health, What changed, Project, Data quality),
`ledger` (the sidebar, Submissions, Tables, saved documents), `capacity` (heatmap,
what-if), `priority` (ranking, sensitivity, selection), `steering` (decks, decisions),
`flow` (agile flow).
"""

from __future__ import annotations

from collections.abc import Callable

from epmo.pagedata.base import Con, Filters, PageData, sql_names

from epmo.pagedata import capacity, flow, ledger, portfolio, priority, steering, weekly  # noqa: E402, F401  isort: skip

PageFunc = Callable[[Con, Filters], PageData]

# name -> (app page file, function): the pages the benchmark times (bench.harness)
PAGES: dict[str, tuple[str, PageFunc]] = {
    "home": ("app_pages/home.py", portfolio.home),
    "health_overview": ("app_pages/health.py", portfolio.health_overview),
    "health_projects": ("app_pages/health.py", portfolio.health_projects),
    "health_budget_burn": ("app_pages/health.py", portfolio.health_budget_burn),
    "health_milestones": ("app_pages/health.py", portfolio.health_milestones),
    "health_raid": ("app_pages/health.py", portfolio.health_raid),
    "changes": ("app_pages/changes.py", portfolio.changes),
    "project": ("app_pages/project.py", portfolio.project),
    "data_quality": ("app_pages/data_quality.py", portfolio.data_quality),
    "submissions": ("app_pages/submissions.py", ledger.submissions),
    "capacity_heatmap": ("app_pages/capacity.py", capacity.heatmap),
    "capacity_whatif": ("app_pages/capacity_whatif.py", capacity.whatif_demo),
    "ranking": ("app_pages/priority_ranking.py", priority.ranking),
    "sensitivity": ("app_pages/priority_sensitivity.py", priority.sensitivity),
    "optimiser": ("app_pages/priority_selection.py", priority.optimiser),
    "frontier": ("app_pages/priority_selection.py", priority.frontier),
    "flow": ("app_pages/flow.py", flow.flow),
}

__all__ = [
    "PAGES",
    "Con",
    "Filters",
    "PageData",
    "PageFunc",
    "capacity",
    "flow",
    "ledger",
    "portfolio",
    "priority",
    "sql_names",
    "steering",
]
