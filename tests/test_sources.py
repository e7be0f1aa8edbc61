"""``bouncekit.sources``: files, directories, mbox files and compressed files in, raw bytes out."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from pathlib import Path

import pytest

from bouncekit.sources import RawMessage, SourceError, iter_messages, iter_paths, split_mbox

from conftest import fixture_path

MSG_A = b"From: a@example.com\nTo: b@example.org\nSubject: one\n\nbody one\n"
MSG_B = b"From: c@example.com\nTo: d@example.org\nSubject: two\n\nbody two\n"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_single_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.eml", MSG_A)
    assert list(iter_paths(str(path))) == [RawMessage(str(path), 0, MSG_A)]
    assert list(iter_messages(path)) == [MSG_A]


def test_directory_recursive_sorted_hidden_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "b.eml", MSG_B)
    _write(tmp_path / "a.eml", MSG_A)
    _write(tmp_path / "sub" / "c.eml", MSG_A.replace(b"one", b"three"))
    _write(tmp_path / "0first" / "z.eml", MSG_A.replace(b"one", b"zero"))
    _write(tmp_path / ".hidden.eml", MSG_B)
    _write(tmp_path / ".git" / "x.eml", MSG_B)
    raws = list(iter_paths(str(tmp_path)))
    names = [Path(r.source).relative_to(tmp_path).as_posix() for r in raws]
    # a stable order: a directory's own files sorted, then its subdirectories, sorted
    assert names == ["a.eml", "b.eml", "0first/z.eml", "sub/c.eml"]
    assert list(iter_paths(str(tmp_path))) == raws
    assert all(r.error is None and r.index == 0 for r in raws)


def test_maildir_tmp_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "cur" / "1.host:2,S", MSG_A)
    _write(tmp_path / "new" / "2.host", MSG_B)
    _write(tmp_path / "tmp" / "3.host", MSG_B.replace(b"two", b"half-written"))
    assert sorted(iter_messages(tmp_path)) == sorted([MSG_A, MSG_B])


def test_mbox_fixture_splits_and_unquotes() -> None:
    raws = list(iter_paths(str(fixture_path("mbox", "two.mbox"))))
    assert [r.index for r in raws] == [0, 1]
    assert all(not r.data.startswith(b"From ") for r in raws)
    assert b"\nFrom now on" in raws[1].data
    assert b">From now on" not in raws[1].data
    assert raws[0].data.rstrip().endswith(b"--mbox-dsn-1--")


@pytest.mark.parametrize(
    ("body", "unquoted"),
    [
        (b">From the start\n", b"From the start\n"),        # mboxo / mboxrd, one level
        (b">>From deeper\n", b">From deeper\n"),             # mboxrd: one level removed
        (b"> From with a space is not quoting\n", b"> From with a space is not quoting\n"),
        (b"From inside a paragraph stays\n", b"From inside a paragraph stays\n"),
    ],
)
def test_mbox_from_quoting(body: bytes, unquoted: bytes) -> None:
    mbox = (b"From sender@example.com Mon Mar 31 12:00:00 2025\n" + MSG_A.replace(b"body one\n", b"text\n" + body)
            + b"\nFrom other@example.org Mon Mar 31 12:05:00 2025\n" + MSG_B)
    from io import BytesIO

    messages = list(split_mbox(BytesIO(mbox)))
    assert len(messages) == 2
    assert unquoted in messages[0]
    assert messages[1] == MSG_B


def test_mbox_crlf(tmp_path: Path) -> None:
    mbox = (b"From a@example.com Mon Mar 31 12:00:00 2025\n" + MSG_A + b"\n"
            b"From b@example.com Mon Mar 31 12:01:00 2025\n" + MSG_B).replace(b"\n", b"\r\n")
    path = _write(tmp_path / "crlf.mbox", mbox)
    messages = list(iter_messages(path))
    assert len(messages) == 2
    assert messages[1] == MSG_B.replace(b"\n", b"\r\n")


def test_file_without_separator_is_one_message(tmp_path: Path) -> None:
    body = MSG_A + b"From inside the body, not after a blank line, opens nothing.\n"
    path = _write(tmp_path / "x.eml", body)
    assert list(iter_messages(path)) == [body]


@pytest.mark.parametrize(("suffix", "compress"), [(".gz", gzip.compress), (".bz2", bz2.compress),
                                                  (".xz", lzma.compress)])
def test_compressed(tmp_path: Path, suffix: str, compress) -> None:  # type: ignore[no-untyped-def]
    mbox = b"From a@example.com Mon Mar 31 12:00:00 2025\n" + MSG_A + b"\nFrom b@example.com Mon\n" + MSG_B
    path = _write(tmp_path / f"box.mbox{suffix}", compress(mbox))
    raws = list(iter_paths(str(path)))
    assert [r.data for r in raws] == [MSG_A + b"\n", MSG_B]
    assert all(r.source == str(path) for r in raws)


def test_corrupt_compressed_file_gives_error_record(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.gz", b"\x1f\x8b\x08\x00 not really gzip at all")
    raws = list(iter_paths(str(path)))
    assert len(raws) == 1
    assert raws[0].error and raws[0].data == b""


def test_non_mail_file_gives_error_record(tmp_path: Path) -> None:
    path = _write(tmp_path / "photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    raws = list(iter_paths(str(path)))
    assert len(raws) == 1
    assert raws[0].source == str(path) and raws[0].data == b""
    assert raws[0].error and raws[0].error.endswith(".")
    assert list(iter_messages(path)) == []


def test_missing_path_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nope.eml"
    with pytest.raises(SourceError) as info:
        list(iter_paths(str(missing)))
    assert str(missing) in str(info.value)
    with pytest.raises(SourceError):
        list(iter_messages(missing))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class FakeStdin:
        buffer = io.BytesIO(MSG_A)

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    assert list(iter_paths("-")) == [RawMessage("-", 0, MSG_A)]


@pytest.mark.parametrize(("suffix", "data"), [(".gz", b"not gzip at all"), (".bz2", b"BZh9 not bzip2"),
                                              (".xz", b"\xfd7zXZ\x00 not xz")])
def test_corrupt_compressed_files_give_error_records(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = _write(tmp_path / f"broken{suffix}", data)
    raws = list(iter_paths(str(path)))
    assert len(raws) == 1
    assert raws[0].error and raws[0].data == b"" and raws[0].source == str(path)


def test_truncated_compressed_mbox_keeps_what_was_read(tmp_path: Path) -> None:
    noise = os.urandom(60000).hex().encode()  # incompressible, so the cut falls in the second message
    mbox = (b"From a@example.com Mon Mar 31 12:00:00 2025\n" + MSG_A + b"\n"
            b"From b@example.com Mon Mar 31 12:01:00 2025\n" + MSG_B + noise + b"\n")
    data = gzip.compress(mbox)
    path = _write(tmp_path / "cut.mbox.gz", data[: len(data) // 2])
    raws = list(iter_paths(str(path)))
    assert raws[0].data == MSG_A + b"\n" and raws[0].error is None
    assert raws[-1].error is not None and raws[-1].index == len(raws) - 1


def test_unreadable_file_inside_a_directory_does_not_end_the_walk(tmp_path: Path) -> None:
    _write(tmp_path / "a.eml", MSG_A)
    (tmp_path / "b.eml").symlink_to(tmp_path / "gone.eml")  # a dangling link: cannot be opened
    _write(tmp_path / "c.eml", MSG_B)
    raws = list(iter_paths(str(tmp_path)))
    assert [Path(r.source).name for r in raws] == ["a.eml", "b.eml", "c.eml"]
    assert raws[1].error and "b.eml" in raws[1].error and raws[1].data == b""
    assert [r.data for r in raws if r.error is None] == [MSG_A, MSG_B]
