"""`docrules`: the command line. Parses arguments, calls the public API, renders, sets the exit code.

`check` exit codes: 0 ready, 1 blocked or needs escalation, 3 incomplete, 2 bad input or bad pack.
`batch` exit codes: 0 every row checked, 2 some rows were errors (recorded in the output) or bad pack.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TextIO

from . import _batch as _batch_mod
from . import _render
from ._facts_input import read_facts
from .checker import load_pack
from .diagnostics import DocrulesError

EXIT_BAD_INPUT = 2


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
    batch = sub.add_parser("batch", help="check many applications: JSONL or CSV in, JSONL results out, in order")
    batch.add_argument("file", help="JSONL (one application per line), CSV (.csv), or - for JSONL on stdin")
    batch.add_argument("-o", "--output", help="write the results here (default: standard output)")
    batch.add_argument("--pack", help="rule pack folder (default: the Foshan pack)")
    batch.add_argument("--jobs", type=_jobs, help="worker processes (default: one per core)")
    batch.add_argument("--as-of", type=_date, help="check every application as if signed on this date")
    return parser


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
    except UnicodeDecodeError:  # CSV is read as one text; a JSONL line that is not UTF-8 is one error record
        print(f"{args.file}: error[DR502] not UTF-8 text", file=stderr)
        return EXIT_BAD_INPUT
    except DocrulesError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_BAD_INPUT
    print(summary.line(), file=stderr)
    return EXIT_BAD_INPUT if summary.counts["errors"] else 0


def run(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    args = _parser().parse_args(argv)
    if args.command == "batch":
        return _batch(args, stdout, stderr)
    try:
        pack = load_pack(args.pack)
        result = pack.check(read_facts(args.file), as_of=args.as_of)
    except DocrulesError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.render(), file=stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        stdout.write(result.model_dump_json(indent=2) + "\n")
    elif args.format == "markdown":
        stdout.write(_render.markdown(result, args.lang))
    else:
        stdout.write(_render.table(result, args.lang))
    return _render.STATUS_EXIT[result.status]


def main() -> None:
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))
