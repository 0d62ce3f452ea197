"""A pack as data: its files as bytes with the digest they must load to, so it can travel to worker
processes and machines, and be stored as one archive named by that digest.

The digest is always computed again from the bytes by loading them (`load` refuses a mismatch), so a
name or a label can never vouch for content it does not hold. Archives are deterministic (sorted,
no times or owners): the same pack builds the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, PackError

if TYPE_CHECKING:  # the API imports the pack modules; at run time it is imported when needed
    from ..api import Pack

MAX_FILE = 4 << 20  # bytes; the default pack's largest file is a few dozen KiB
MAX_FILES = 1000


@dataclass(frozen=True)
class PackFiles:
    """The `*.toml` files of a pack folder and of its `tests/` folder, and the pack's digest."""

    files: tuple[tuple[str, bytes], ...]
    digest: str

    @property
    def content_hash(self) -> str:
        """A hash of every byte here (the digest covers the rule files only, not the test cases)."""
        h = hashlib.sha256()
        for name, data in self.files:
            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest()

    @classmethod
    def from_dir(cls, folder: str | Path) -> PackFiles:
        """Read a pack folder; loads it once, so a pack with errors raises `PackError` here."""
        root = Path(folder)
        files = [(p.name, p.read_bytes()) for p in sorted(root.glob("*.toml")) if p.is_file()]
        files += [(f"tests/{p.name}", p.read_bytes()) for p in sorted((root / "tests").glob("*.toml")) if p.is_file()]
        from ..api import load_pack

        pack = load_pack(root)
        try:
            return cls(tuple(files), pack.digest)
        finally:
            pack.close()

    @classmethod
    def from_archive(cls, path: str | Path, expect: str | None = None) -> PackFiles:
        """Read an archive built by `build`; its digest is the digest the files load to."""
        files = _read_archive(Path(path))
        with tempfile.TemporaryDirectory(prefix="docrules-pack-") as folder:
            _write(files, Path(folder))
            found = cls.from_dir(folder)
        if expect is not None and found.digest != expect:
            raise mismatch(str(path), found.digest, expect)
        return found

    def load(self) -> Pack:
        """Load these files as a pack, refusing them unless they load to `digest`."""
        from ..api import load_pack

        with tempfile.TemporaryDirectory(prefix="docrules-pack-") as folder:
            pack = load_pack(self.extract(Path(folder)))
        if pack.digest != self.digest:
            found = pack.digest
            pack.close()
            raise mismatch("(the pack sent with the work)", found, self.digest)
        return pack

    def extract(self, folder: Path) -> Path:
        """Write the files into `folder` (made if missing); returns it."""
        _write(self.files, folder)
        return folder

    def build(self, out_dir: Path, name: str, version: str) -> Path:
        """A deterministic `NAME-VERSION-sha256-HEX.tar.gz` in `out_dir` holding these files."""
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{name}-{version}-{self.digest.replace(':', '-')}.tar.gz"
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for member, data in sorted(self.files):
                info = tarfile.TarInfo(member)
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
        with target.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as z:
            z.write(raw.getvalue())
        return target


def mismatch(where: str, found: str, expect: str) -> PackError:
    return PackError([Diagnostic(code="DR544", file=where, message=f"the pack's digest is {found}, "
                                 f"expected {expect}: refusing to use it")])


def _write(files: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _allowed(name: str) -> bool:
    path = PurePosixPath(name)
    return (path.suffix == ".toml" and not path.is_absolute() and ".." not in path.parts
            and (len(path.parts) == 1 or (len(path.parts) == 2 and path.parts[0] == "tests")))


def _read_archive(path: Path) -> list[tuple[str, bytes]]:
    def refuse(message: str) -> PackError:
        return PackError([Diagnostic(code="DR102", file=str(path), message=message)])

    files: list[tuple[str, bytes]] = []
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile() or not _allowed(member.name):
                    raise refuse(f"unexpected entry {member.name!r} (a pack archive holds *.toml and tests/*.toml)")
                if member.size > MAX_FILE or len(files) >= MAX_FILES:
                    raise refuse(f"{member.name!r}: larger than a pack archive may hold")
                handle = tar.extractfile(member)
                assert handle is not None  # a regular file
                files.append((member.name, handle.read()))
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise refuse(f"not a pack archive: {exc}") from None
    if not files:
        raise refuse("the archive holds no pack files")
    return sorted(files)


def resolve(source: str | Path) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    """A pack folder for a folder or an archive (extracted into a temporary folder, returned with it
    so the caller decides how long it lives)."""
    path = Path(source)
    if path.is_dir():
        return path, None
    files = _read_archive(path)
    holder = tempfile.TemporaryDirectory(prefix="docrules-pack-")
    try:
        _write(files, Path(holder.name))
    except OSError:
        shutil.rmtree(holder.name, ignore_errors=True)
        raise
    return Path(holder.name), holder
