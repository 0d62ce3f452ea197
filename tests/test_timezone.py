""""Today" is the date where the policy applies (the pack's `timezone`), not on the server's clock."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import docrules


def test_the_default_pack_lives_in_shanghai(pack: docrules.Pack) -> None:
    assert pack.rules.meta.timezone == "Asia/Shanghai"


@pytest.mark.parametrize("server_zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def test_an_undated_check_uses_the_packs_date_whatever_the_servers_zone(server_zone: str) -> None:
    # UTC+14 and UTC-11 are a day apart from UTC+8 for most of every day: a check that used the
    # server's own date would show it in most runs of this test.
    code = ("import docrules, datetime, zoneinfo; r = docrules.check({'parties': [{'id': 'b', 'role': 'buyer'}]}); "
            "print(r.as_of.isoformat(), datetime.date.today().isoformat())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"TZ": server_zone, "PATH": "/usr/bin:/bin"}, check=True)
    as_of, server_today = done.stdout.split()
    shanghai = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert as_of == shanghai
    assert server_today == datetime.now(ZoneInfo(server_zone)).date().isoformat()  # the TZ did apply


def test_a_pack_without_a_zone_uses_utc(pack_copy: Path) -> None:
    toml = pack_copy / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('timezone = "Asia/Shanghai"', ""), encoding="utf-8")
    loaded = docrules.load_pack(pack_copy)
    assert loaded.rules.meta.timezone == "UTC"
    assert loaded.today() == datetime.now(ZoneInfo("UTC")).date()


@pytest.mark.parametrize("zone", ["Asia/Foshan", "../../etc/passwd", ""])
def test_an_unknown_zone_is_a_located_pack_error(pack_copy: Path, zone: str) -> None:
    toml = pack_copy / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("Asia/Shanghai", zone), encoding="utf-8")
    with pytest.raises(docrules.PackError) as raised:
        docrules.load_pack(pack_copy)
    text = str(raised.value)
    assert "pack.toml:" in text and "time zone" in text
