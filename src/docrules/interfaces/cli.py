"""`docrules`: the command line. Parses arguments, calls the public API, renders, sets the exit code.

`check` exit codes: 0 ready, 1 blocked or needs escalation, 3 incomplete, 2 bad input or bad pack.
`batch` exit codes: 0 every row checked, 2 some rows were errors (recorded in the output), bad pack, or
rows that could not be checked; 128 + the signal's number when SIGINT or SIGTERM stopped it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Mapping
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..api import default_pack_path, lint, load_pack
from ..diagnostics import DocrulesError, Severity
from ..interfaces import render as _render

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..interfaces.ranges import Shard as _Shard
    from ..tools.cases import Outcome
    from ..tools.coverage import Coverage

# Each command imports what only it needs when it runs: a `check` process starts faster and never
# imports the batch's, the tools' or the service's modules.

EXIT_BAD_INPUT = 2
# What `docrules schema` prints: a rule file, a test case file, the facts in (the pack's own), the result out.
SCHEMA_NAMES = ("case", "facts", "pack", "result")


def _schemas() -> dict[str, type[BaseModel] | None]:
    from ..pack.model import PackFile
    from ..results import Result
    from ..tools.cases import CaseFile

    return {"pack": PackFile, "case": CaseFile, "facts": None, "result": Result}


LINT_EPILOG = """\
Selection (like ruff): the pack's [lint] table (select, extend_select, ignore) applies first;
--extend-select and --ignore add to it, --select starts afresh without it; the most specific code or
prefix wins. A warning is also left out when its definition carries a comment `# docrules: ignore[DR401]`
(on its table header line, inside its table, or on comment lines right above the header). Errors are
always reported: they refuse the load.

exit codes: 0 nothing reported, 1 findings reported, 2 the pack folder cannot be read or bad arguments"""
TEST_EPILOG = """\
A case is a TOML file with [facts] and [expect] (only what is written is checked), or a facts file with
its golden result in expected/NAME.result.json beside it.

exit codes: 0 every case passed (and coverage reached --min-coverage), 1 a case failed or coverage is
below --min-coverage (also 0 after --update), 2 bad pack, bad case file, no case found, or bad arguments"""


def _version() -> str:
    try:
        return metadata.version("docrules")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class _Version(argparse.Action):
    """`--version`, looked up only when asked (reading package metadata slows every start-up)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"docrules {_version()}")
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)  # keep the epilogs' lines
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="docrules", description="Which documents each person must bring, and what "
                     "blocks signing.", epilog="Each command's --help lists its options and exit codes;\n"
                     "2 always means bad input, a bad rule pack or bad arguments.")
    parser.add_argument("--version", action=_Version, nargs=0, help="print docrules' version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="check one application file (JSON, TOML, or - for JSON on stdin)")
    check.add_argument("file", help="the application's facts: .json or .toml, or - for JSON on standard input")
    check.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    check.add_argument("--format", choices=("table", "json", "markdown"), default="table",
                       help="table (default: the clerk's checklist); json (the result contract); markdown")
    check.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the labels (default: zh)")
    check.add_argument("--as-of", type=_date, help="preview the policy in force on this date (YYYY-MM-DD)")

    why = sub.add_parser("explain", help="why each document and issue is there, or why a document is not")
    why.add_argument("file", help="the application's facts: .json or .toml, or - for JSON on standard input")
    why.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    why.add_argument("--document", help="only this document's lines")
    why.add_argument("--party", help="only this party's lines and issues")
    why.add_argument("--why-not", metavar="DOCUMENT", help="why this document is not asked for")
    why.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    why.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the labels (default: zh)")
    why.add_argument("--as-of", type=_date, help="preview the policy in force on this date (YYYY-MM-DD)")

    schema = sub.add_parser("schema", help="print a JSON Schema (for editors and other applications)")
    schema.add_argument("what", choices=SCHEMA_NAMES,
                        help="pack (a rule file), case (a test case file), facts (the input), result (the output)")
    schema.add_argument("--pack", help="rule pack folder whose facts to describe (default: the Foshan pack)")

    lint_cmd = sub.add_parser(
        "lint", help="find every problem in a rule pack",
        description="Every error and the selected warnings of a rule pack, one located line each. The result "
        "depends on the files only, not on the day, unless the opt-in DR405 is selected.")
    lint_cmd.add_argument("pack", nargs="?", help="rule pack folder (default: the Foshan pack)")
    lint_cmd.add_argument("--output-format", "--format", dest="format",
                          choices=("text", "json", "github", "sarif"), default="text",
                          help="text (default); json; github (GitHub Actions annotations); sarif (SARIF 2.1.0)")
    lint_cmd.add_argument("--select", type=_codes, action="extend", metavar="CODES",
                          help="report only these warning codes or prefixes, comma-separated (DR4,DR311); "
                          "replaces the pack's [lint] select. DR405 (expired policy) is opt-in: name it in full")
    lint_cmd.add_argument("--extend-select", type=_codes, action="extend", default=[], metavar="CODES",
                          help="report these codes as well as the selected ones")
    lint_cmd.add_argument("--ignore", type=_codes, action="extend", default=[], metavar="CODES",
                          help="leave these warning codes or prefixes out (errors are always reported)")
    lint_cmd.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                          help="the day DR405 measures expiry against (default: the system date)")

    diff = sub.add_parser("diff", help="what a policy change does to saved cases")
    diff.add_argument("old", help="the pack before the change")
    diff.add_argument("new", help="the pack after the change")
    diff.add_argument("cases", nargs="+", type=Path, help="case or facts files, folders, or JSONL files")
    diff.add_argument("--format", choices=("markdown", "json"), default="markdown",
                      help="markdown (default, for a review) or json (for tools)")
    diff.add_argument("--fail-on-change", action="store_true", help="exit 1 if any case changed")
    diff.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                      help="check every case as if signed on this date (to see a change that starts later)")
    diff.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                      help="the policy date of cases with no signing date (default: the system date)")

    test = sub.add_parser("test", help="run a pack's test cases (default: PACK/tests)")
    test.add_argument("pack", nargs="?", help="rule pack folder (default: the Foshan pack)")
    test.add_argument("--cases", nargs="+", type=Path, help="case files or folders (default: PACK/tests)")
    test.add_argument("-k", dest="keyword", metavar="EXPRESSION",
                      help="only cases whose file name or description match, as pytest's -k: words joined by "
                      "and/or, each maybe after not (\"renewal and not urgent\"); case-insensitive")
    test.add_argument("--coverage", action="store_true", help="report outcome coverage")
    test.add_argument("--min-coverage", type=float, metavar="PCT", help="fail below this coverage")
    test.add_argument("--update", action="store_true",
                      help="write the current results as the expected ones, keeping each case file's comments "
                      "and layout (review the diff!)")
    test.add_argument("--output-format", "--format", dest="format", choices=("text", "json", "github"),
                      default="text", help="text (default); json (one object: cases, totals, coverage); "
                      "github (GitHub Actions annotations on failing cases and coverage gaps)")
    test.add_argument("--junit-xml", type=Path, metavar="FILE", help="also write a JUnit XML report to FILE")

    serve = sub.add_parser("serve", help="HTTP JSON API and the clerk's page (needs docrules[serve])")
    serve.add_argument("--pack", help="rule pack folder or archive (default: the Foshan pack); reloaded on SIGHUP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--reload-token-file", metavar="FILE",
                       help="turn POST /v1/reload on, with the bearer token in FILE (or DOCRULES_RELOAD_TOKEN)")
    serve.add_argument("--workers", type=_jobs, default=1,
                       help="worker processes, each with its own pack (POST /v1/reload is off above 1)")
    serve.add_argument("--expect-digest", metavar="sha256:...",
                       help="refuse to start or reload with a pack of any other digest")

    pack_cmd = sub.add_parser("pack", help="build a pack archive named by its digest")
    pack_sub = pack_cmd.add_subparsers(dest="pack_command", required=True, parser_class=_Parser)
    build = pack_sub.add_parser("build", help="the pack folder as one NAME-VERSION-sha256-HEX.tar.gz")
    build.epilog = EXIT_CODES["pack"]
    build.add_argument("folder", help="rule pack folder")
    build.add_argument("-o", "--output", default=".", help="the folder to write the archive in (default: .)")

    ask = sub.add_parser("ask", help="ask the questions the rules need, then print the checklist")
    ask.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    ask.add_argument("--lang", choices=("zh", "en"), default="zh")
    ask.add_argument("--save", type=Path, metavar="FILE", help="write the facts (.toml as TOML, else JSON)")

    batch = sub.add_parser("batch", help="check many applications: JSONL or CSV in, JSONL results out, in order")
    batch.add_argument("file", help="JSONL (one application per line), CSV (.csv), or - for JSONL on stdin")
    batch.add_argument("-o", "--output", help="write the results here (default: standard output)")
    batch.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    batch.add_argument("--jobs", type=_jobs, help="worker processes (default: one per core)")
    batch.add_argument("--as-of", type=_date, help="check every application as if signed on this date")
    batch.add_argument("--shard", type=_shard, metavar="I/N",
                       help="check only part I of N (1-based) of the input; the N outputs concatenate to the whole")
    batch.add_argument("--resume", action="store_true",
                       help="go on with a stopped run from where OUT.progress.json says it got (needs -o OUT)")
    batch.add_argument("--only-changed", metavar="PREVIOUS",
                       help="write only rows whose status, items or issues differ from this earlier output")
    batch.add_argument("--engine", choices=("local", "dask"), default="local",
                       help="dask: on a Dask cluster (needs docrules[dask]); -o names a folder for the parts")
    batch.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="the Dask scheduler (default: a local cluster of --jobs processes)")
    batch.add_argument("--rows-per-part", type=_jobs, default=10_000, metavar="N", help="rows per Dask part")
    _document(sub.choices)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number 1-65535: {text[:20]!r}")
    return int(text)


# What each command's exit code means, shown by its --help; and a help text for options declared
# without one (kept here, apart from the commands' own blocks).
EXIT_CODES = {
    "check": "exit codes: 0 ready, 1 blocked or needs escalation, 3 incomplete (questions to ask), 2 bad input, "
             "bad pack or bad arguments",
    "explain": "exit codes: as check: 0 ready, 1 blocked or needs escalation, 3 incomplete, 2 bad input, bad pack "
               "or bad arguments",
    "schema": "exit codes: 0 printed, 2 bad arguments",
    "lint": LINT_EPILOG,
    "diff": "A note says so when cases were checked on days the change does not touch (e.g. a change that\n"
            "starts next year, cases signed this year): --as-of checks them all on one day.\n\n"
            "exit codes: 0 done (1 with --fail-on-change when a case changed), 2 bad pack, bad case or bad arguments",
    "test": TEST_EPILOG,
    "serve": "exit codes: 0 stopped, 2 bad pack, missing serve extra or bad arguments",
    "ask": "exit codes: as check for the final checklist: 0 ready, 1 blocked or needs escalation, 3 incomplete, "
           "2 bad pack or bad arguments",
    "batch": "exit codes: 0 every row checked, 2 some rows were errors (recorded in the output), the input "
             "cannot be read, bad pack or bad arguments; 130/143 stopped by SIGINT/SIGTERM (resume with --resume)",
    "pack": "exit codes: 0 archive written (its path printed), 2 bad pack or bad arguments",
}
OPTION_HELP = {
    "host": "address to listen on (default: 127.0.0.1)",
    "port": "port to listen on (default: 8000)",
    "lang": "language of the questions and labels (default: zh)",
    "pack_command": "build: the pack folder as one archive named by its digest",
}


def _document(commands: Mapping[str, argparse.ArgumentParser]) -> None:
    for name, command in commands.items():
        if command.epilog is None:
            command.epilog = EXIT_CODES.get(name)
        for action in command._actions:
            if action.help is None:
                action.help = OPTION_HELP.get(action.dest)


def _codes(text: str) -> list[str]:
    from ..pack.codes import known_pattern

    codes = [c.strip() for c in text.split(",") if c.strip()]
    for code in codes:
        if not known_pattern(code):
            raise argparse.ArgumentTypeError(f"not a lint code or a prefix of one (e.g. DR405, DR4): {code!r}")
    return codes


def _shard(text: str) -> _Shard:
    from ..interfaces.ranges import Shard as _Shard

    try:
        return _Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _batch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Exit 0 when every row was checked, 2 when some rows were not valid applications (their error
    records are in the output) or the input or pack could not be read."""
    if args.engine == "dask":
        return _batch_on_dask(args, stderr)
    from ..interfaces import batch as _batch_mod

    try:
        summary = _batch_mod.main(args.file, args.output, pack_path=args.pack, jobs=args.jobs,
                                  as_of=args.as_of, stdout=stdout, stderr=stderr, shard=args.shard,
                                  resume=args.resume, only_changed=args.only_changed)
    except OSError as exc:
        print(f"error[DR501] cannot open {exc.filename}: {exc.strerror}", file=stderr)
        return EXIT_BAD_INPUT
    except DocrulesError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_BAD_INPUT
    print(summary.line(), file=stderr)
    where = f"; resume with --resume -o {args.output}" if args.output not in (None, "-") else ""
    if summary.failed is not None:
        print(f"error[DR540] stopped after {summary.total} rows: {summary.failed}{where}", file=stderr)
        return EXIT_BAD_INPUT
    if summary.stopped is not None:
        after = "" if summary.last_line is None else f" (input line {summary.last_line})"
        print(f"stopped by {summary.stopped} after {summary.total} rows{after}, every line written whole{where}",
              file=stderr)
        return 128 + getattr(signal, summary.stopped, signal.SIGTERM).value
    return EXIT_BAD_INPUT if summary.counts["errors"] else 0


def _batch_on_dask(args: argparse.Namespace, stderr: TextIO) -> int:
    """Part files and a manifest in the -o folder; exit 0 when every row was checked, 2 otherwise."""
    unsupported = [name for name in ("shard", "resume", "only_changed") if getattr(args, name)]
    if unsupported or args.output in (None, "-") or args.file == "-":
        why = f"--{unsupported[0].replace('_', '-')} is for the local engine" if unsupported else \
            "--engine dask reads an input file and writes parts to a folder: give FILE and -o FOLDER"
        print(f"error[DR542] {why}", file=stderr)
        return EXIT_BAD_INPUT
    try:
        from .. import dask as _dask
    except ImportError as exc:
        print(f"docrules batch --engine dask needs the dask extra ({exc.name} is missing): "
              "pip install 'docrules[dask]'", file=stderr)
        return EXIT_BAD_INPUT
    try:
        manifest = _dask.run_batch(args.file, args.output, pack_path=args.pack, scheduler=args.scheduler,
                                   rows_per_part=args.rows_per_part, workers=args.jobs or 2, as_of=args.as_of,
                                   stderr=stderr)
    except OSError as exc:
        print(f"error[DR501] cannot open {exc.filename}: {exc.strerror}", file=stderr)
        return EXIT_BAD_INPUT
    for failure in manifest["failures"]:
        print(f"error[DR540] part {failure['part']}: {failure['error']}", file=stderr)
    return EXIT_BAD_INPUT if manifest["failures"] or manifest["counts"]["errors"] else 0


def run(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    args = _parser().parse_args(argv)
    command = {"ask": _ask, "batch": _batch, "check": _check, "diff": _diff, "explain": _explain, "lint": _lint,
               "pack": _pack, "schema": _schema, "serve": _serve, "test": _test}[args.command]
    try:
        return command(args, stdout, stderr)
    except DocrulesError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_BAD_INPUT


def _explain(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..tools.explain import explain

    pack = load_pack(args.pack)
    for name, value in (("--document", args.document), ("--why-not", args.why_not)):
        if value is not None and value not in pack.rules.documents:
            print(f"error: {name}: no document '{value}' in pack {pack.name}", file=stderr)
            return EXIT_BAD_INPUT
    facts = pack.read_facts(args.file)
    found = explain(facts, pack=pack, as_of=args.as_of, document=args.document, party=args.party,
                    why_not=args.why_not)
    text = (found.model_dump_json(indent=2) + "\n" if args.format == "json"
            else _render.explanation(found, args.lang, _render.Words.of(pack, facts)))
    stdout.write(text)
    return _render.STATUS_EXIT[found.status]


def _schema(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    # the facts a pack takes are declared by the pack: its own model
    model = _schemas()[args.what] or load_pack(args.pack).facts_model
    stdout.write(json.dumps(model.model_json_schema(by_alias=True), ensure_ascii=False, indent=2) + "\n")
    return 0


def _lint(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..interfaces import ci as _ci
    from ..pack.codes import LINT_CODES

    found = lint(args.pack, today=args.today, select=args.select, extend_select=args.extend_select,
                 ignore=args.ignore)
    if args.format == "json":
        stdout.write(json.dumps([d.model_dump(mode="json") for d in found], ensure_ascii=False, indent=2) + "\n")
    elif args.format == "github":
        stdout.write(_ci.github_diagnostics(found))
    elif args.format == "sarif":
        stdout.write(_ci.sarif(found, LINT_CODES, _version()))
    else:
        for diagnostic in found:
            print(diagnostic.render(), file=stdout)
        errors = sum(d.severity is Severity.error for d in found)
        warnings = len(found) - errors
        print(f"Found {errors} error(s), {warnings} warning(s)." if found else "All checks passed.", file=stdout)
    if any(d.code == "DR100" for d in found):
        return EXIT_BAD_INPUT
    return 1 if found else 0


def _diff(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..tools.diff import diff_packs
    from ..tools.diff import markdown as diff_markdown

    report = diff_packs(load_pack(args.old), load_pack(args.new), args.cases, today=args.today, as_of=args.as_of)
    text = report.model_dump_json(indent=2, by_alias=True) + "\n" if args.format == "json" else diff_markdown(report)
    stdout.write(text)
    return 1 if args.fail_on_change and report.changed else 0


def _test(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..interfaces import ci as _ci
    from ..tools.cases import run_cases, update
    from ..tools.coverage import measure

    pack = load_pack(args.pack)
    folder = Path(args.pack) if args.pack else default_pack_path()
    outcomes = run_cases(pack, args.cases or [folder / "tests"], keyword=args.keyword)
    if not outcomes:
        print("no test cases found" + (f" matching -k {args.keyword!r}" if args.keyword else ""), file=stderr)
        return EXIT_BAD_INPUT
    if args.update:
        changed = [o for o in outcomes if update(o)]
        for outcome in changed:
            print(f"updated {outcome.case.path}", file=stdout)
        print(f"{len(outcomes) - len(changed)} unchanged, {len(changed)} updated", file=stdout)
        return 0
    failed = [o for o in outcomes if not o.passed]
    coverage = measure(pack.rules, outcomes) if args.coverage or args.min_coverage is not None else None
    low = coverage is not None and args.min_coverage is not None and coverage.percent < args.min_coverage
    reports = [_ci.TestReport(o.case.path.stem, str(o.case.path), tuple(o.problems)) for o in outcomes]
    if args.junit_xml is not None:
        args.junit_xml.write_text(_ci.junit_xml(reports, f"docrules test {pack.name}"), encoding="utf-8")
    summary = f"{len(outcomes) - len(failed)} passed, {len(failed)} failed"
    if args.format == "json":
        stdout.write(json.dumps(_test_json(outcomes, coverage), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "github":
        stdout.write(_ci.github_tests(reports) + _ci.github_diagnostics(coverage.gaps if coverage else []))
        print(summary, file=stdout)
    else:
        for outcome in failed:
            print(f"FAIL {outcome.case.path}: {outcome.problems[0]}", file=stdout)
            for problem in outcome.problems[1:]:
                print(f"  {problem}", file=stdout)
        if coverage is not None:
            for gap in coverage.gaps:
                print(gap.render(), file=stdout)
            print(f"coverage: {coverage.percent:.1f}% of outcomes ({coverage.covered}/{coverage.total})",
                  file=stdout)
        print(summary, file=stdout)
    return 1 if failed or low else 0


def _test_json(outcomes: list[Outcome], coverage: Coverage | None) -> dict[str, Any]:
    failed = sum(not o.passed for o in outcomes)
    out: dict[str, Any] = {
        "cases": [{"case": str(o.case.path), "description": o.case.description, "passed": o.passed,
                   "problems": o.problems} for o in outcomes],
        "passed": len(outcomes) - failed, "failed": failed}
    if coverage is not None:
        out["coverage"] = {"percent": round(coverage.percent, 1), "covered": coverage.covered,
                           "total": coverage.total, "gaps": [g.model_dump(mode="json") for g in coverage.gaps]}
    return out


def _serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:  # the server's dependencies are an extra: the core CLI works without them
        from .server import read_token
        from .startup import serve
    except ImportError as exc:
        print(f"docrules serve needs the serve extra ({exc.name} is missing): pip install 'docrules[serve]'",
              file=stderr)
        return EXIT_BAD_INPUT
    try:
        token = read_token(args.reload_token_file)
    except (OSError, ValueError) as exc:
        print(f"error: --reload-token-file: {getattr(exc, 'strerror', None) or exc}", file=stderr)
        return EXIT_BAD_INPUT
    try:
        serve(args.pack, args.host, args.port, workers=args.workers, expect_digest=args.expect_digest,
              reload_token=token)
    except SystemExit as exc:  # uvicorn exits 3 when it cannot start (address in use, unknown host)
        if exc.code in (0, None):
            return 0
        print(f"error: cannot serve on {args.host}:{args.port} (see the log line above)", file=stderr)
        return EXIT_BAD_INPUT
    return 0


def _pack(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..pack.archive import PackFiles

    files = PackFiles.from_dir(args.folder)
    meta = load_pack(args.folder)
    try:
        target = files.build(Path(args.output), meta.name, meta.version)
    finally:
        meta.close()
    print(target, file=stdout)
    print(files.digest, file=stderr)
    return 0


def _ask(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .ask import ask

    return ask(load_pack(args.pack), args.lang, sys.stdin, stdout, args.save)


def _check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    pack = load_pack(args.pack)
    facts = pack.read_facts(args.file)
    result = pack.check(facts, as_of=args.as_of)
    if args.format == "json":
        stdout.write(result.model_dump_json(indent=2) + "\n")
    elif args.format == "markdown":
        stdout.write(_render.markdown(result, args.lang, _render.Words.of(pack, facts)))
    else:
        stdout.write(_render.table(result, args.lang, _render.Words.of(pack, facts)))
    return _render.STATUS_EXIT[result.status]


def main() -> None:
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))
