"""Command line: `python -m epmo COMMAND ...` (analysts automate nightly loads with it)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

from epmo import access, audit, export, templates
from epmo import workflow as workflow_doc
from epmo.importers import LAYOUTS, WorkItemImport
from epmo.ingest import ACCEPTED, DUPLICATE, VALID, default_week, for_project, ingest
from epmo.mapping import Mapping
from epmo.report import counted
from epmo.store import Store, StoreBusy, StoreWriteError, read_failure
from epmo.workflow import Workflow

EXIT_OK, EXIT_UNEXPECTED, EXIT_REJECTED = 0, 1, 2


class UsageError(Exception):
    """A mistake in the command's arguments: exit 2 with the message."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (use YYYY-MM-DD): {text!r}") from None


def load_mapping(store: Store, name_or_path: str | None) -> Mapping | None:
    """A mapping by saved name, or from a JSON file path."""
    if not name_or_path:
        return None
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        try:
            return Mapping.from_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UsageError(f"mapping file {path}: {exc}") from None
    doc = store.document("mapping", name_or_path)
    if doc is None:
        from epmo.mapping import shipped

        builtin = shipped().get(name_or_path)
        if builtin is not None:  # shipped with the product (mappings/); a saved one beats it
            return builtin
        raise UsageError(f"no saved mapping named {name_or_path!r} (see `python -m epmo mappings`)")
    return Mapping.from_json(doc["spec"])


def _store(args: argparse.Namespace) -> Store:
    """The store, as the acting identity may read it (its portfolio scope)."""
    store = Store(getattr(args, "store", None))
    identity = getattr(args, "identity", None)
    return access.store_for(store, identity) if identity is not None else store


def _who(args: argparse.Namespace) -> str:
    """The acting identity's email (recorded in the ledger and the audit trail)."""
    identity = getattr(args, "identity", None)
    return identity.email if identity is not None else os.environ.get("USER", "")


# The action (epmo/access.py) each command needs; a function of the arguments where it varies.
COMMAND_ACTIONS: dict[str, str] = {
    "validate": "view",
    "ingest": "upload",
    "demo": "maintain",
    "optimise": "view",
    "sql": "explore",
    "retract": "retract",
    "maintain": "maintain",
    "check": "data_quality",
    "repair": "maintain",
    "pack": "export",
}


def command_action(args: argparse.Namespace) -> str | None:
    if args.command == "export":
        return "audit" if args.view == "audit" else "export"
    if args.command in ("mappings", "workflows"):
        return "upload" if args.action == "save" else "view"
    if args.command == "access":
        return "access"
    return COMMAND_ACTIONS.get(args.command)


def cmd_templates(args: argparse.Namespace) -> int:
    for p in templates.write_templates(Path(args.outdir)):
        print(p)
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from epmo import measures

    for path, text in (
        (templates.DOC_PATH, templates.contract_markdown()),
        (measures.DOC_PATH, measures.markdown()),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        print(path)
    return EXIT_OK


def _run_ingest(args: argparse.Namespace, dry_run: bool) -> int:
    from epmo import isolate

    isolate.start_early()  # the parse child starts while this process gets ready
    store = _store(args)
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    mapping = load_mapping(store, args.mapping)
    data = path.read_bytes()
    mapping, work_items = for_project(path.name, data, args.project, mapping, _work_item_import(store, args))
    outcome = ingest(
        store,
        path.name,
        data,
        as_of=args.as_of,
        user_email=_who(args),
        mapping=mapping,
        dry_run=dry_run,
        identity=getattr(args, "identity", None),
        max_file_mb=args.max_file_mb,
        work_items=work_items,
    )
    if args.report:
        payload = outcome.report.to_dict() | {
            "status": outcome.status,
            "upload_id": outcome.upload_id,
            "duplicate_of": outcome.duplicate_of,
            "as_of_date": str(outcome.as_of_date or ""),
        }
        Path(args.report).write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    more = f"{args.report} has all of them" if args.report else "--report PATH writes all of them"
    if outcome.status == ACCEPTED:
        print(
            f"accepted upload {outcome.upload_id} as of {outcome.as_of_date}: "
            + ", ".join(f"{t} {counted(n, 'row')}" for t, n in outcome.report.row_counts.items())
        )
        if outcome.report.total_warnings:
            print(outcome.report.to_text(limit=50, more=more), file=sys.stderr)
        return EXIT_OK
    if outcome.status == DUPLICATE:
        print(
            f"already stored: the same file for {outcome.as_of_date} is upload "
            f"{outcome.duplicate_of}; nothing written"
        )
        return EXIT_OK
    if outcome.status == VALID:
        print(f"valid (dry run, nothing written) as of {outcome.as_of_date}")
        print(outcome.report.to_text(limit=200, more=more))
        return EXIT_OK
    print(outcome.report.to_text(limit=200, more=more), file=sys.stderr)
    return EXIT_REJECTED


def load_workflow(store: Store, name_or_path: str | None) -> Workflow | None:
    """A workflow from a .json file or saved in the store by name (kind 'workflow')."""
    if not name_or_path:
        return None
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            return Workflow.from_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UsageError(f"workflow file {path}: {exc}") from None
    wf = workflow_doc.load(store, name_or_path)
    if wf is None:
        raise UsageError(f"no saved workflow named {name_or_path!r} (see `python -m epmo workflows`)")
    return wf


def _work_item_import(store: Store, args: argparse.Namespace) -> WorkItemImport | None:
    """The work-item importer's options, when any was given (else a Jira/flow-tool export is
    still detected from its header row)."""
    layout = getattr(args, "layout", None)
    wf_name, history = (getattr(args, k, None) for k in ("workflow", "history"))
    if not (layout or wf_name or history):
        return None  # --project alone: epmo.ingest.for_project says where it goes
    hist = None
    if history:
        hpath = Path(history)
        if not hpath.is_file():
            raise UsageError(f"no such file: {hpath}")
        hist = (hpath.name, hpath.read_bytes())
    return WorkItemImport(
        layout=None if layout in (None, "auto") else layout,
        workflow=load_workflow(store, wf_name),
        project_id=getattr(args, "project", None),
        history=hist,
    )


def cmd_workflows(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.action == "save":
        if not args.name or not args.file:
            raise UsageError("usage: python -m epmo workflows save NAME FILE.json")
        path = Path(args.file)
        if not path.is_file():  # a file to save, never a saved name ("no saved workflow named ...")
            raise UsageError(
                f"no file {str(path)!r}: give the workflow's JSON file (docs/flow.md, The workflow)"
            )
        try:
            wf = Workflow.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"workflow file {path}: {exc}") from None
        wf.name = args.name
        try:
            workflow_doc.save(store, wf, args.identity)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        print(f"saved workflow {args.name}")
        return EXIT_OK
    if args.action == "show":
        if not args.name:
            raise UsageError("usage: python -m epmo workflows show NAME")
        shown = load_workflow(store, args.name)
        assert shown is not None
        print(shown.to_json())
        return EXIT_OK
    for r in store.documents("workflow"):
        wf = Workflow.from_json(r["spec"])
        keys = ", ".join(f"{k}->{v}" for k, v in sorted(wf.project_keys.items())) or "(none)"
        statuses = " > ".join(wf.statuses) or "(status names)"
        print(f"{r['name']}\t{r['saved_at']}\t{r['saved_by']}\tstatuses: {statuses}\tproject keys: {keys}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    return _run_ingest(args, dry_run=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    return _run_ingest(args, dry_run=False)


def cmd_demo(args: argparse.Namespace) -> int:
    from epmo import demo

    store = _store(args)
    try:
        summary = demo.load_demo(store, scale=args.scale, seed=args.seed, if_empty=args.if_empty)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(summary)
    return EXIT_OK


# Options a view may take (export.View.options names them): flag -> (argparse kwargs).
EXPORT_OPTIONS: dict[str, dict[str, object]] = {
    "since": {"type": _date, "help": "changes: the earlier snapshot (default: a week before --as-of)"},
    "model": {"help": "scoring model: a saved name or built-in (weighted, wsjf, rice)"},
    "model_file": {"help": "scoring model JSON file (the format the app saves)"},
    "steps": {"type": int, "help": "efficient_frontier: number of budget levels (>= 2)"},
    "budget_basis": {"choices": ["bac", "remaining"], "help": "efficient_frontier: cost basis"},
    "grain": {
        "choices": ["week", "month", "quarter"],
        "help": "period length of the rows (views that are time-phased; default month)",
    },
    "by": {
        "choices": ["role", "team", "role_team", "person", "project", "portfolio", "all"],
        "help": "what each row is about (views that group resources: role, team, role_team, person; "
        "default role. flow_metrics: project, team, portfolio, all; default project)",
    },
    "project": {"help": "decisions: only those affecting this project_id"},
}


def _reporting_weeks(store: Store) -> list[dt.date]:
    return [r["as_of_date"] for r in store.rows("ledger/reporting_weeks")] if store.exists() else []


def _opening_week(store: Store) -> dt.date:
    """The week a command without --as-of reads: the one the app and the pack open on
    (epmo.ingest.default_week), so a scheduled export agrees with the screen and the deck."""
    return default_week(_reporting_weeks(store))


def cmd_export(args: argparse.Namespace) -> int:
    store = _store(args)
    if not store.exists():  # a mistyped --store would export an empty table, and exit 0
        raise UsageError(f"no store at {store.uri} (load data with `ingest` or `demo` first)")
    as_of = args.as_of or _opening_week(store)
    options = {name: getattr(args, name) for name in EXPORT_OPTIONS}
    try:
        frame = export.view_frame(store, args.view, as_of, **options)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    fmt = args.format
    data = export.write(frame, fmt)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"{len(frame)} rows -> {args.out}", file=sys.stderr)
    elif fmt in ("xlsx", "parquet"):
        raise UsageError(f"--format {fmt} needs --out FILE")
    else:
        sys.stdout.write(data.decode("utf-8"))
    return EXIT_OK


def _ids(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]


def cmd_optimise(args: argparse.Namespace) -> int:
    from epmo import priority

    store = _store(args)
    as_of = args.as_of or _opening_week(store)
    try:
        model = priority.resolve_model(store, args.model, model_file=args.model_file)
        scenario = priority.Scenario(
            model=model.name,
            budget=args.budget,
            basis=args.budget_basis,
            with_capacity=args.with_capacity,
            force_in=_ids(args.force_in),
            force_out=_ids(args.force_out),
        )
        scenario.check()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not store.exists():
        raise UsageError(f"no store at {store.uri} (load data with `ingest` or `demo` first)")
    con = store.connect()
    try:
        with priority.native_output_to_stderr():
            result = priority.select(con, as_of, model, scenario)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    finally:
        con.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.selection is None:
        raise UsageError(f"infeasible: {result.error}")
    sel = result.selection
    print(f"model: {model.label}; as of {as_of}; budget {args.budget:,.0f} ({args.budget_basis})")
    print("chosen: " + " ".join(sel.chosen))
    print(f"project count: {len(sel.chosen)}")
    print(f"total score: {sel.total_score:.6g}")
    print(f"total cost: {sel.total_cost:.2f}")
    if not sel.is_optimal:
        print("warning: stopped by the solver time limit; best found, not proven optimal", file=sys.stderr)
    binding = sel.constraints[sel.constraints["is_binding"] & (sel.constraints["kind"] != "dependency")]
    print("binding: " + (", ".join(binding["constraint"]) or "none"))
    return EXIT_OK


def cmd_sql(args: argparse.Namespace) -> int:
    from epmo import sandbox

    text = sys.stdin.read() if args.query == "-" else args.query
    store = _store(args)
    as_of = args.as_of or _opening_week(store)
    try:
        result = sandbox.run_store(store, text, as_of, identity=getattr(args, "identity", None))
    except sandbox.ExplorerError as exc:
        raise UsageError(str(exc)) from None
    out = export.write(result.frame, args.format).decode("utf-8")
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    if result.cut_bytes:
        print(
            f"note: result cut at {sandbox.mb(result.byte_cap)} (explorer.result_mb): the first "
            f"{len(result.frame):,} rows; leave out wide columns or aggregate",
            file=sys.stderr,
        )
    elif result.truncated:
        print(
            f"note: only the first {result.row_cap:,} rows (explorer.row_cap); add LIMIT or aggregate",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_mappings(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.action == "save":
        if not args.name or not args.file:
            raise UsageError("usage: python -m epmo mappings save NAME FILE.json")
        try:
            mapping = Mapping.from_json(Path(args.file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"mapping file {args.file}: {exc}") from None
        mapping.name = args.name
        access.save_document(store, args.identity, "mapping", args.name, mapping.to_json())
        print(f"saved mapping {args.name}")
        return EXIT_OK
    names = set()
    for r in store.documents("mapping"):
        names.add(r["name"])
        print(f"{r['name']}\t{r['saved_at']}\t{r['saved_by']}")
    from epmo.mapping import shipped

    for name in shipped():
        if name not in names:
            print(f"{name}\t(shipped)\t")
    return EXIT_OK


def cmd_retract(args: argparse.Namespace) -> int:
    store = _store(args)
    try:  # the app's own rule (a reason is required), with the acting identity
        access.retract(store, args.identity, args.upload_id, args.reason)
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    print(f"retracted {args.upload_id}")
    return EXIT_OK


def cmd_maintain(args: argparse.Namespace) -> int:
    from epmo import maintenance

    store = _store(args)
    if not store.exists():
        raise UsageError(f"no store at {store.uri}")
    if not args.force:
        reasons = maintenance.due(store)
        if not reasons:
            print("nothing due (use --force to compact, checkpoint and vacuum anyway)")
            return EXIT_OK
        for table, why in reasons.items():
            print(f"due: {table}: {'; '.join(why)}")
    result = maintenance.run(store, force=args.force)
    print(result.text())
    audit.record(
        store, "maintenance", store.uri, {"force": args.force, "result": result.text()[:2000]}, _who(args)
    )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from epmo import integrity

    identity = getattr(args, "identity", None)
    if identity is not None and identity.scope is not None:
        # the invariants are the whole store's: a portfolio-scoped view of it breaks them
        raise UsageError(
            f"check reads the whole store; {identity.email} sees only "
            f"{', '.join(identity.scope) or 'no portfolio'}. Run it as an EPMO admin or as someone "
            "with every portfolio."
        )
    store = _store(args)
    if not store.exists():
        raise UsageError(f"no store at {store.uri}")
    result = integrity.check(store)
    print(result.text())
    return EXIT_OK if result.ok else EXIT_UNEXPECTED


def cmd_health(args: argparse.Namespace) -> int:
    from epmo import deploy

    ok, lines = deploy.health(_store(args), args.url)
    print("\n".join(lines))
    return EXIT_OK if ok else EXIT_UNEXPECTED


def cmd_repair(args: argparse.Namespace) -> int:
    from epmo import integrity

    store = _store(args)
    if not store.exists():
        raise UsageError(f"no store at {store.uri}")
    who = _who(args)
    result = integrity.repair(store, dry_run=args.dry_run, who=who)
    if not args.dry_run and not result.refused:
        audit.record(Store(store.uri), "repair", store.uri, {"result": result.text()[:2000]}, who)
    print(("dry run, nothing changed:\n" if args.dry_run else "") + result.text())
    return EXIT_UNEXPECTED if result.refused else EXIT_OK


# A panic inside the Delta library's worker threads prints to file descriptor 2 even when
# the error it causes is handled (disk full: "thread 'tokio-rt-worker' panicked at ...").
_PANIC_START = re.compile(r"^thread '.*' \(?\d*\)? ?panicked at |^thread '.*' panicked at ")
_PANIC_TAIL = re.compile(r"^(stack backtrace:|note: |\s+\d+: |\s+at |[A-Za-z ]+$)")


def _without_native_panics(text: str) -> str:
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if _PANIC_START.match(line):
            skipping = True
            continue
        if skipping and (_PANIC_TAIL.match(line) or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


@contextlib.contextmanager
def native_panics_hidden() -> Iterator[None]:
    """Collect what is written to fd 2 and replay it without native panic reports (the
    error itself reaches the user as a sentence). For the command line only: not for
    threaded servers."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as buf:
        os.dup2(buf.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            buf.seek(0)
            text = _without_native_panics(buf.read().decode("utf-8", "replace"))
            if text:
                sys.stderr.write(text)
                sys.stderr.flush()


def _timestamp(text: str) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a timestamp (use e.g. 2026-11-26T09:30:00+00:00): {text!r}"
        ) from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def cmd_pack(args: argparse.Namespace) -> int:
    from epmo import pack, steering

    out = Path(args.out)
    if out.suffix.lower() not in (".pptx", ".html"):
        raise UsageError(f"--out must end in .pptx or .html, not {out.name!r}")
    if not out.parent.is_dir():
        raise UsageError(f"no such folder for --out: {out.parent}")
    store = _store(args)
    if not store.exists():
        raise UsageError(f"no store at {store.uri} (load data with `ingest` or `demo` first)")
    try:
        deck = steering.load_deck(store, args.deck or steering.default_deck().name)
    except steering.SteeringError as exc:
        raise UsageError(str(exc)) from None
    weeks = _reporting_weeks(store)
    as_of = args.as_of or default_week(weeks)
    if not any(w <= as_of for w in weeks):
        raise UsageError(
            f"nothing was reported on or before {as_of}; the first reporting week is {min(weeks, default='none')}"
        )
    # rebuilt from a cutoff: the caption names the data's moment, not the rebuild's
    frozen = steering.freeze(store, as_of, cutoff_at=args.frozen_at, frozen_at=args.frozen_at)
    content = pack.build_from_store(store, deck, frozen)
    pack.write(content, out)
    print(f"{deck.name}: {len(content.slides)} slides as of {as_of} -> {out}", file=sys.stderr)
    print(
        f"frozen at {frozen.cutoff_at.isoformat()} (rebuild the same pack with --frozen-at)", file=sys.stderr
    )
    return EXIT_OK


def cmd_access(args: argparse.Namespace) -> int:
    store = Store(args.store)  # the access list is not portfolio data: read unscoped
    actor: access.Identity = args.identity
    if args.action in ("list", "history"):
        if not store.exists():
            raise UsageError(f"no store at {store.uri}")
        if actor.mode == "demo":
            print(f"note: {access.DEMO_NOTICE} (the access list is empty)", file=sys.stderr)
        rows = access.access_list(store) if args.action == "list" else access.access_history(store)
        for r in rows:
            if args.action == "list":
                scope = ",".join(r["portfolios"]) or "every portfolio"
                teams = ",".join(r["teams"])
                print(
                    f"{r['email']}\t{r['role']}\t{scope}\t{teams}\t{r['granted_at']:%Y-%m-%d %H:%M}\t{r['granted_by']}"
                )
            else:
                print(
                    "\t".join(
                        str(r[k] or "")
                        for k in (
                            "event_at",
                            "event",
                            "email",
                            "role",
                            "portfolios",
                            "teams",
                            "project_id",
                            "by_email",
                            "via",
                            "note",
                        )
                    )
                )
        return EXIT_OK
    if not args.email:
        raise UsageError(f"usage: python -m epmo access {args.action} EMAIL ...")
    try:
        if args.action == "grant":
            if not args.role:
                raise UsageError(
                    "usage: python -m epmo access grant EMAIL ROLE [--portfolio P]... [--team T]..."
                )
            access.grant(store, actor, args.email, args.role, args.portfolio, args.team, args.note)
            if actor.mode == "demo":
                print(
                    "note: the access list is no longer empty: the command line and the app now apply it "
                    f"(without --as you act as the operating-system user {access.os_user()!r})",
                    file=sys.stderr,
                )
            print(
                f"granted {args.role} to {args.email}"
                + (f" for {', '.join(args.portfolio)}" if args.portfolio else "")
            )
            unknown = access.unknown_portfolios(store, args.portfolio or [])
            if unknown:
                print(
                    f"note: no project has been reported in {', '.join(repr(p) for p in unknown)}: "
                    f"{args.email} sees nothing there until one is. Portfolios reported: "
                    f"{', '.join(access.known_portfolios(store)) or 'none yet'}. A typo? Grant again "
                    "with the right name (the latest grant applies).",
                    file=sys.stderr,
                )
        elif args.action == "revoke":
            access.revoke(store, actor, args.email, args.note)
            print(f"revoked {args.email}")
        else:
            if not args.project:
                raise UsageError("usage: python -m epmo access assign-pm EMAIL --project PROJECT_ID")
            access.assign_pm(store, actor, args.project, args.email, args.note)
            print(f"{args.project}: project manager is now {args.email}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    # the benchmark harness lives beside the app, in bench/harness (it starts Streamlit and
    # Chromium, which the domain package never does)
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from bench.harness import runner, stores

    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder, not a file: {out}")
    pages = [p.strip() for p in (args.pages or "").split(",") if p.strip()]
    try:
        result = runner.run(
            scale=args.scale,
            quick=args.quick,
            out=out,
            skip_app=args.skip_app,
            seed=args.seed,
            pages=pages or None,
            stores_dir=Path(args.stores) if args.stores else stores.STORES,
            time_budget_s=args.time_budget,
            memory_scale=args.memory_scale,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    missed = [t for t in result["targets"] if t["pass"] is False]
    print(f"{len(missed)} target(s) missed" if missed else "every measured target met")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m epmo", description="EPMO Portfolio Analytics")
    sub = p.add_subparsers(dest="command", required=True)

    def with_store(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--store", help="store URI (default: EPMO_STORE or data/store)")
        sp.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="act as this person, with their role and portfolios (default: the operating-system "
            "user; docs/security.md)",
        )

    sp = sub.add_parser("templates", help="write the CSV and XLSX templates to OUTDIR")
    sp.add_argument("outdir")
    sp.set_defaults(func=cmd_templates)

    sp = sub.add_parser("docs", help="regenerate docs/data-contract.md and docs/metrics.md")
    sp.set_defaults(func=cmd_docs)

    for name, func, help_ in (
        ("validate", cmd_validate, "validate a file without writing anything"),
        ("ingest", cmd_ingest, "validate a file and, if it passes, store it"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("file")
        sp.add_argument(
            "--as-of",
            type=_date,
            help="reporting date YYYY-MM-DD (default: a column of the file, else the latest Friday)",
        )
        sp.add_argument("--mapping", help="saved mapping name, or a mapping .json file")
        sp.add_argument("--report", help="write the JSON validation report here")
        sp.add_argument("--max-file-mb", type=float, help="override limits.max_file_mb")
        with_store(sp)
        sp.add_argument(
            "--layout",
            choices=["auto", *LAYOUTS],
            help="a work-item export: jira_csv, stage_dates or status_history (default: detected)",
        )
        sp.add_argument("--workflow", help="work items: saved workflow name, or a workflow .json file")
        sp.add_argument(
            "--project",
            help="the EPMO project_id of every row: a Jira export's items, or a plan (or any file of "
            "one project) whose own id or title is not the EPMO id",
        )
        sp.add_argument("--history", help="work items: a status-history CSV for exact start/done dates")
        if name == "ingest":
            sp.add_argument("--user", help="the same as --as (kept for scripts written before it)")
        sp.set_defaults(func=func)

    sp = sub.add_parser("demo", help="load the demo portfolio into the store")
    sp.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    sp.add_argument("--seed", type=int, default=7)
    sp.add_argument("--if-empty", action="store_true", help="do nothing if the store has data")
    with_store(sp)
    sp.set_defaults(func=cmd_demo)

    sp = sub.add_parser("export", help="print or write a named view")
    sp.add_argument("view", choices=sorted(export.VIEWS))
    sp.add_argument("--as-of", type=_date)
    sp.add_argument("--format", choices=["csv", "xlsx", "parquet", "json"], default="csv")
    sp.add_argument("--out")
    for flag, kwargs in EXPORT_OPTIONS.items():
        sp.add_argument("--" + flag.replace("_", "-"), **kwargs)  # type: ignore[arg-type]
    with_store(sp)
    sp.set_defaults(func=cmd_export)

    sp = sub.add_parser("optimise", help="choose the projects that maximise total score within a budget")
    sp.add_argument("--model", help="scoring model: saved name or built-in (weighted, wsjf, rice)")
    sp.add_argument("--model-file", help="scoring model JSON file")
    sp.add_argument("--budget", type=float, required=True, help="budget AMOUNT (currency)")
    sp.add_argument("--budget-basis", choices=["bac", "remaining"], default="bac", help="cost of a project")
    sp.add_argument("--with-capacity", action="store_true", help="also respect capacity per role and month")
    sp.add_argument("--force-in", help="comma-separated project_ids that must be chosen")
    sp.add_argument("--force-out", help="comma-separated project_ids that must not be chosen")
    sp.add_argument("--as-of", type=_date)
    with_store(sp)
    sp.set_defaults(func=cmd_optimise)

    sp = sub.add_parser("sql", help="run one read-only SQL query in the explorer's sandbox")
    sp.add_argument("query", help="the SELECT query ('-' reads it from stdin)")
    sp.add_argument(
        "--as-of",
        type=_date,
        help="the week the as-of views show (default: the week the app opens on, the newest reported up to this week)",
    )
    sp.add_argument("--format", choices=["csv", "json"], default="csv")
    with_store(sp)
    sp.set_defaults(func=cmd_sql)

    sp = sub.add_parser("bench", help="measure ingestion, page data, memory and charts (docs/benchmarks.md)")
    sp.add_argument(
        "--scale",
        choices=["small", "medium", "large"],
        default="medium",
        help="medium: everything at medium; large: page data at medium and large, memory on large",
    )
    sp.add_argument("--quick", action="store_true", help="fewer runs and a smaller ingestion file")
    sp.add_argument("--out", help="write latest.json and benchmarks.md here (default: bench/results, docs)")
    sp.add_argument("--seed", type=int, default=7, help="demo seed of the benchmark stores")
    sp.add_argument("--pages", help="comma-separated page names (default: every page of epmo.pagedata)")
    sp.add_argument("--stores", help="folder of the cached demo stores (default: bench/.stores)")
    sp.add_argument(
        "--memory-scale",
        choices=["small", "medium", "large"],
        help="store the app's memory is measured on (default: --scale)",
    )
    sp.add_argument(
        "--time-budget",
        type=float,
        help="seconds per page and kind of run after which fewer runs are taken (default 60; quick 10)",
    )
    sp.add_argument(
        "--skip-app",
        action="store_true",
        help="leave out the app memory and browser timing (the output says so)",
    )
    sp.set_defaults(func=cmd_bench)

    sp = sub.add_parser("mappings", help="list saved column mappings, or save one")
    sp.add_argument("action", nargs="?", choices=["list", "save"], default="list")
    sp.add_argument("name", nargs="?")
    sp.add_argument("file", nargs="?")
    sp.add_argument("--user")
    with_store(sp)
    sp.set_defaults(func=cmd_mappings)

    sp = sub.add_parser(
        "workflows",
        help="list saved work-item workflows, show one, or save one",
        description="A team's workflow: its statuses in order, the first that counts as started and "
        'the first that counts as done, and its Jira project keys: {"statuses": ["To Do", "In Progress", '
        '"Done"], "started": "In Progress", "done": "Done", "project_keys": {"PAY": "PRJ-0042"}, '
        '"date_order": "dmy"} (docs/flow.md, The workflow). Every saved version is kept.',
    )
    sp.add_argument("action", nargs="?", choices=["list", "show", "save"], default="list")
    sp.add_argument("name", nargs="?", help="show, save: the workflow's name")
    sp.add_argument("file", nargs="?", help="save: the workflow's JSON file")
    sp.add_argument("--user", help="act as this person (as --as)")
    with_store(sp)
    sp.set_defaults(func=cmd_workflows)

    sp = sub.add_parser("retract", help="retract an upload (it stays in the ledger)")
    sp.add_argument("upload_id")
    sp.add_argument("--reason", required=True)
    sp.add_argument("--user")
    with_store(sp)
    sp.set_defaults(func=cmd_retract)

    sp = sub.add_parser(
        "maintain", help="compact, checkpoint and vacuum the store, if due (one maintainer at a time)"
    )
    sp.add_argument("--force", action="store_true", help="maintain every table even if nothing is due")
    with_store(sp)
    sp.set_defaults(func=cmd_maintain)

    sp = sub.add_parser("check", help="verify the store's invariants (exit 1 with the reasons if one fails)")
    with_store(sp)
    sp.set_defaults(func=cmd_check)

    sp = sub.add_parser("health", help="readiness: the server answers (--url) and the store can be read")
    sp.add_argument("--url", help="this replica's address, e.g. http://127.0.0.1:8501")
    with_store(sp)
    sp.set_defaults(func=cmd_health)

    sp = sub.add_parser("repair", help="drop rows a concurrent compaction duplicated (docs/store.md)")
    sp.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    sp.add_argument("--user", help="the same as --as (kept for scripts written before it)")
    with_store(sp)
    sp.set_defaults(func=cmd_repair)

    sp = sub.add_parser("access", help="list, grant or revoke access; reassign a project's PM (admins)")
    sp.add_argument("action", choices=["list", "history", "grant", "revoke", "assign-pm"])
    sp.add_argument("email", nargs="?", help="grant, revoke, assign-pm: the person's email")
    sp.add_argument("role", nargs="?", choices=list(access.ROLES), help="grant: the role")
    sp.add_argument(
        "--portfolio", action="append", default=[], help="grant: limit to this portfolio (repeat)"
    )
    sp.add_argument("--team", action="append", default=[], help="grant: a capacity team a pm keeps (repeat)")
    sp.add_argument("--project", help="assign-pm: the project_id")
    sp.add_argument("--note", default="", help="why (kept with the change)")
    with_store(sp)
    sp.set_defaults(func=cmd_access)

    sp = sub.add_parser("pack", help="write the steering pack of a deck (PowerPoint or self-contained HTML)")
    sp.add_argument("--deck", help="deck name (default: the built-in deck)")
    sp.add_argument(
        "--as-of", type=_date, help="reporting week YYYY-MM-DD (default: the latest up to this week)"
    )
    sp.add_argument("--out", required=True, help="FILE.pptx or FILE.html")
    sp.add_argument(
        "--frozen-at",
        type=_timestamp,
        help="read only what was committed at or before this time (the 'frozen at' of a meeting)",
    )
    with_store(sp)
    sp.set_defaults(func=cmd_pack)
    return p


# Commands that write to the store: their stderr is filtered of native panic reports.
WRITING_COMMANDS = {"ingest", "demo", "mappings", "retract", "maintain", "repair", "access"}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quiet = args.command in WRITING_COMMANDS and not os.environ.get("EPMO_DEBUG")
    with native_panics_hidden() if quiet else contextlib.nullcontext():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        action = command_action(args)
        if action is not None:
            who = getattr(args, "as_email", None) or getattr(args, "user", None)
            try:
                args.identity = access.cli_identity(Store(getattr(args, "store", None)), who)
            except ValueError as exc:  # --as is not an address: nothing done
                raise UsageError(f"--as: {exc}") from None
            access.require(args.identity, action)
        with audit.acting(getattr(args, "identity", None)):
            return int(args.func(args))
    except access.Forbidden as exc:
        print(f"error: refused: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except (StoreWriteError, StoreBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except Exception as exc:  # the one place an unexpected error becomes a message
        where = Store(getattr(args, "store", None)).uri
        cause = read_failure(exc, where)
        if cause is not None:  # an object store's refusal: what to check, not its reply
            print(f"error: the store at {where} cannot be read: {cause}.", file=sys.stderr)
            if os.environ.get("EPMO_DEBUG"):
                traceback.print_exc()
            return EXIT_UNEXPECTED
        print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("EPMO_DEBUG"):
            traceback.print_exc()
        return EXIT_UNEXPECTED
