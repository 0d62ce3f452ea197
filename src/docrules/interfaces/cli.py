"""`docrules`: the command line. Parses arguments, calls the public API, renders, sets the exit code.

`check` exit codes: 0 ready, 1 blocked or needs escalation, 3 incomplete, 2 bad input or bad pack.
`batch` exit codes: 0 every row checked, 2 some rows were errors (recorded in the output) or bad pack.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel

from ..api import Pack, default_pack_path, lint, load_pack
from ..diagnostics import DocrulesError, FactsError, Severity
from ..facts.boundary import read_data
from ..facts.model import Facts
from ..interfaces import batch as _batch_mod
from ..interfaces import render as _render
from ..pack.model import PackFile
from ..results import Result
from ..tools.cases import CaseFile, run_cases, update
from ..tools.coverage import measure
from ..tools.diff import diff_packs
from ..tools.diff import markdown as diff_markdown
from ..tools.explain import explain

EXIT_BAD_INPUT = 2
# What `docrules schema` prints: a rule file, a test case file, the facts in, the result out.
SCHEMAS: dict[str, type[BaseModel]] = {"pack": PackFile, "case": CaseFile, "facts": Facts, "result": Result}


class _Parser(argparse.ArgumentParser):
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
                     "blocks signing.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="check one application file (JSON, TOML, or - for JSON on stdin)")
    check.add_argument("file")
    check.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    check.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    check.add_argument("--lang", choices=("zh", "en"), default="zh")
    check.add_argument("--as-of", type=_date, help="preview the policy in force on this date (YYYY-MM-DD)")

    why = sub.add_parser("explain", help="why each document and issue is there, or why a document is not")
    why.add_argument("file")
    why.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    why.add_argument("--document", help="only this document's lines")
    why.add_argument("--party", help="only this party's lines and issues")
    why.add_argument("--why-not", metavar="DOCUMENT", help="why this document is not asked for")
    why.add_argument("--format", choices=("text", "json"), default="text")
    why.add_argument("--lang", choices=("zh", "en"), default="zh")
    why.add_argument("--as-of", type=_date, help="preview the policy in force on this date (YYYY-MM-DD)")

    schema = sub.add_parser("schema", help="print a JSON Schema (for editors and other applications)")
    schema.add_argument("what", choices=sorted(SCHEMAS))

    lint_cmd = sub.add_parser("lint", help="find every problem in a rule pack")
    lint_cmd.add_argument("pack", nargs="?", help="rule pack folder (default: the Foshan pack)")
    lint_cmd.add_argument("--format", choices=("text", "json"), default="text")

    diff = sub.add_parser("diff", help="what a policy change does to saved cases")
    diff.add_argument("old", help="the pack before the change")
    diff.add_argument("new", help="the pack after the change")
    diff.add_argument("cases", nargs="+", type=Path, help="case or facts files, folders, or JSONL files")
    diff.add_argument("--format", choices=("markdown", "json"), default="markdown")
    diff.add_argument("--fail-on-change", action="store_true", help="exit 1 if any case changed")

    test = sub.add_parser("test", help="run a pack's test cases (default: PACK/tests)")
    test.add_argument("pack", nargs="?", help="rule pack folder (default: the Foshan pack)")
    test.add_argument("--cases", nargs="+", type=Path, help="case files or folders (default: PACK/tests)")
    test.add_argument("--coverage", action="store_true", help="report outcome coverage")
    test.add_argument("--min-coverage", type=float, metavar="PCT", help="fail below this coverage")
    test.add_argument("--update", action="store_true",
                      help="write the current results as the expected ones (review the diff!)")

    serve = sub.add_parser("serve", help="HTTP JSON API and the clerk's page (needs docrules[serve])")
    serve.add_argument("--pack", help="rule pack folder (default: the Foshan pack); reloaded on SIGHUP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--reload-token-file", metavar="FILE",
                       help="turn POST /v1/reload on, with the bearer token in FILE (or DOCRULES_RELOAD_TOKEN)")

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
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number 1-65535: {text[:20]!r}")
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _batch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Exit 0 when every row was checked, 2 when some rows were not valid applications (their error
    records are in the output) or the input or pack could not be read."""
    try:
        summary = _batch_mod.main(args.file, args.output, pack_path=args.pack, jobs=args.jobs,
                                  as_of=args.as_of, stdout=stdout, stderr=stderr)
    except OSError as exc:
        print(f"error[DR501] cannot open {exc.filename}: {exc.strerror}", file=stderr)
        return EXIT_BAD_INPUT
    except DocrulesError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_BAD_INPUT
    print(summary.line(), file=stderr)
    return EXIT_BAD_INPUT if summary.counts["errors"] else 0


def run(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    args = _parser().parse_args(argv)
    command = {"ask": _ask, "batch": _batch, "check": _check, "diff": _diff, "explain": _explain, "lint": _lint,
               "schema": _schema, "serve": _serve, "test": _test}[args.command]
    try:
        return command(args, stdout, stderr)
    except DocrulesError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_BAD_INPUT


def _explain(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    pack = load_pack(args.pack)
    for name, value in (("--document", args.document), ("--why-not", args.why_not)):
        if value is not None and value not in pack.rules.documents:
            print(f"error: {name}: no document '{value}' in pack {pack.name}", file=stderr)
            return EXIT_BAD_INPUT
    found = explain(_read(pack, args.file), pack=pack, as_of=args.as_of, document=args.document,
                    party=args.party, why_not=args.why_not)
    text = found.model_dump_json(indent=2) + "\n" if args.format == "json" else _render.explanation(found, args.lang)
    stdout.write(text)
    return _render.STATUS_EXIT[found.status]


def _schema(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    stdout.write(json.dumps(SCHEMAS[args.what].model_json_schema(by_alias=True), ensure_ascii=False, indent=2) + "\n")
    return 0


def _lint(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    found = lint(args.pack)
    if args.format == "json":
        stdout.write(json.dumps([d.model_dump(mode="json") for d in found], ensure_ascii=False, indent=2) + "\n")
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
    report = diff_packs(load_pack(args.old), load_pack(args.new), args.cases)
    stdout.write(report.model_dump_json(indent=2) + "\n" if args.format == "json" else diff_markdown(report))
    return 1 if args.fail_on_change and report.changed else 0


def _test(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    pack = load_pack(args.pack)
    folder = Path(args.pack) if args.pack else default_pack_path()
    outcomes = run_cases(pack, args.cases or [folder / "tests"])
    if not outcomes:
        print("no test cases found", file=stderr)
        return EXIT_BAD_INPUT
    if args.update:
        changed = [o for o in outcomes if update(o)]
        for outcome in changed:
            print(f"updated {outcome.case.path}", file=stdout)
        print(f"{len(outcomes) - len(changed)} unchanged, {len(changed)} updated", file=stdout)
        return 0
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        print(f"FAIL {outcome.case.path}: {outcome.problems[0]}", file=stdout)
        for problem in outcome.problems[1:]:
            print(f"  {problem}", file=stdout)
    low = False
    if args.coverage or args.min_coverage is not None:
        coverage = measure(pack.rules, outcomes)
        for gap in coverage.gaps:
            print(gap.render(), file=stdout)
        print(f"coverage: {coverage.percent:.1f}% of outcomes ({coverage.covered}/{coverage.total})", file=stdout)
        low = args.min_coverage is not None and coverage.percent < args.min_coverage
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed", file=stdout)
    return 1 if failed or low else 0


def _serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:  # the server's dependencies are an extra: the core CLI works without them
        from ..interfaces.server import read_token, serve
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
        serve(args.pack, args.host, args.port, reload_token=token)
    except SystemExit as exc:  # uvicorn exits 3 when it cannot start (address in use, unknown host)
        if exc.code in (0, None):
            return 0
        print(f"error: cannot serve on {args.host}:{args.port} (see the log line above)", file=stderr)
        return EXIT_BAD_INPUT
    return 0


def _ask(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..interfaces.ask import ask

    return ask(load_pack(args.pack), args.lang, sys.stdin, stdout, args.save)


def _check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    pack = load_pack(args.pack)
    result = pack.check(_read(pack, args.file), as_of=args.as_of)
    if args.format == "json":
        stdout.write(result.model_dump_json(indent=2) + "\n")
    elif args.format == "markdown":
        stdout.write(_render.markdown(result, args.lang))
    else:
        stdout.write(_render.table(result, args.lang))
    return _render.STATUS_EXIT[result.status]


def _read(pack: Pack, source: str) -> Facts:
    """A facts file through the input boundary, validated for `pack`; every problem names the file."""
    try:
        return pack.facts(read_data(source))
    except FactsError as exc:
        raise FactsError([d if d.file else d.model_copy(update={"file": source}) for d in exc.diagnostics]) from None


def main() -> None:
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))
