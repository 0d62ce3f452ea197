from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import docrules

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
MINI = Path(__file__).resolve().parent / "packs" / "mini"


@pytest.fixture(scope="session")
def pack() -> docrules.Pack:
    return docrules.load_pack()


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A copy of the default pack that a test may edit."""
    target = tmp_path / "pack"
    shutil.copytree(docrules.default_pack_path(), target)
    return target


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A copy of the tests' own small pack (tests/packs/mini) that a test may edit."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target
