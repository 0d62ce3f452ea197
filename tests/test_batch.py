"""`docrules batch`: input order, error records with line numbers, CSV, summary, pinned policy date."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

import docrules
from bench.generate import applications
from docrules.interfaces import batch as _batch
from docrules.interfaces.cli import run
from docrules.interfaces.ranges import Row

APPS = applications(150, seed=11)


def _write_jsonl(path: Path, extra: list[str]) -> Path:
    lines = [json.dumps(a) for a in APPS[:60]] + ["", *extra] + [json.dumps(a) for a in APPS[60:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _batch_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["batch", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_results_in_input_order_with_error_records(tmp_path: Path, pack: docrules.Pack) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", ['{"parties": [', json.dumps({"parties": []}), "[1, 2]"])
    source.write_bytes(source.read_bytes() + b'{"parties": "\xff"}\n' + b"[" * 100_000 + b"\n")
    code, out, err = _batch_cli(str(source), "--jobs", "2")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2  # some rows were errors; all the others were checked
    assert [r["line"] for r in records] == [*range(1, 61), 62, 63, 64, *range(65, 157)]
    errors = {r["line"]: r["error"] for r in records if "error" in r}
    assert [e[0]["code"] for e in errors.values()] == ["DR502", "DR510", "DR503", "DR502", "DR502"]
    assert errors[63][0]["path"] == "parties"
    checked = [r for r in records if "result" in r]
    assert len(checked) == len(APPS)
    for record, app in zip(checked[:20], APPS, strict=False):  # the same result as one check
        today = date.fromisoformat(record["result"]["as_of"])
        assert record["result"] == json.loads(pack.check(app, today=today).model_dump_json())
    assert err.strip().endswith("5 errors") and f"{len(APPS) + 5} applications" in err
    assert "buyer1" not in err  # no facts in the progress or the summary


def test_one_and_two_processes_write_the_same_output(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", [])
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out{jobs}.jsonl"
        assert _batch_cli(str(source), "-o", str(target), "--jobs", jobs)[0] == 0
        outputs.append(target.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]


def test_the_policy_date_is_pinned_once_for_the_batch() -> None:
    rows: list[Row] = [(n, json.dumps({"parties": [{"id": "b", "role": "buyer"}]}).encode())
                              for n in range(1, 4)]
    out = io.StringIO()
    _batch.run_batch(rows, out, jobs=1, today=date(2026, 11, 27))
    assert {json.loads(line)["result"]["as_of"] for line in out.getvalue().splitlines()} == {"2026-11-27"}


def test_csv_columns_are_fact_paths(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "application.signing_date,application.price,application.deposit_paid,parties.0.id,parties.0.role,"
        "parties.0.social_security_months,parties.1.id,parties.1.role,parties.1.of\n"
        "2026-12-01,1000000,true,b,buyer,12,,,\n"
        "2026-12-01,1000000,TRUE,b,buyer,12,s,spouse,b\n"
        "2026-12-01,lots,yes,b,buyer,12,,,\n", encoding="utf-8")
    code, out, err = _batch_cli(str(source), "--jobs", "1")
    first, second, bad = (json.loads(line) for line in out.splitlines())
    assert (first["line"], second["line"], bad["line"]) == (2, 3, 4)
    assert first["result"]["amounts"] == {"maintenance_fund": 10000}
    assert "s" in {q["party"] for q in second["result"]["questions"]}
    assert {e["path"] for e in bad["error"]} == {"application.price", "application.deposit_paid"}
    assert code == 2 and "3 applications" in err


def test_a_csv_file_that_is_not_utf8_is_one_error(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"application.price,parties.0.id,parties.0.role\n1,\xff,buyer\n")
    code, _, err = _batch_cli(str(source), "--jobs", "1")
    assert code == 2 and "not UTF-8" in err and "Traceback" not in err


def test_csv_facts_mapping(pack: docrules.Pack) -> None:
    facts = _batch.csv_facts({"application.price": "12", "parties.1.id": "x", "parties.1.role": "buyer",
                              "parties.0.id": "", "parties.1.id_card_digits": "18", "extra": "1"}, pack.vocabulary)
    assert facts == {"application": {"price": 12}, "parties": [{"id": "x", "role": "buyer", "id_card_digits": 18}],
                     "extra": "1"}


def test_a_bad_pack_stops_before_any_output(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", [])
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "pack.toml").write_text("[pack\n", encoding="utf-8")
    code, out, err = _batch_cli(str(source), "--pack", str(tmp_path / "pack"))
    assert (code, out) == (2, "") and "error[DR" in err


@pytest.mark.parametrize("jobs", ["0", "x"])
def test_jobs_must_be_positive(jobs: str) -> None:
    with pytest.raises(SystemExit):
        _batch_cli("in.jsonl", "--jobs", jobs)


def test_progress_is_shown_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, shown = io.StringIO(), Tty()
    for stream in (quiet, shown):
        progress = _batch.Progress(stream, total=10)
        progress.update(10, final=True)
    assert quiet.getvalue() == ""
    assert "10/10" in shown.getvalue() and "/s" in shown.getvalue() and "ETA" in shown.getvalue()
