"""Every command in README.md and the user guide works as written (issue 14, item 1).

Each ```bash block of the two documents runs, in document order, as one bash script in a
temporary copy of the repository (its own ``output/`` and ``build/``; ``.venv`` linked, and
on PATH as the guide's first step activates it), and must exit 0. Not run, and listed in
the test's output: lines marked ``# cần máy chủ``, which reach an ODK Central / KoBo server
or start one; the test checks each such line really is a server command, so the mark cannot
hide a failing command.

What stands in for the server: before the guide runs, two review runs on the demo source
(2025 and 2026, small) fill the copy's store, as the skipped ``run --source central`` lines
would. Placeholders the guide asks the reader to replace (``<mã hộ>``, ``<mã lần chạy>``) are
replaced with a household and a run from that store; the votes file the guide names is
and the requests file of a regular round are written from the store's households.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "docs/huong-dan-su-dung.md")
SERVER_MARK = "# cần máy chủ"
#: what a line marked as needing a server must contain
SERVER_COMMAND = re.compile(r"--(to|source|from) (central|kobo)\b|konray-review serve\b|"
                            r"decisions write-back\b")
#: ``make test`` inside a test would run the suite inside itself
SELF = {"make test"}
DEMO_ARGS = "--households 120 --checks pandas"
FENCE = re.compile(r"^( *)```bash\n(.*?)^\1```", re.M | re.S)

pytestmark = [pytest.mark.slow, pytest.mark.java]  # forms build runs ODK Validate (Java)


def bash_blocks(text: str) -> list[str]:
    """The ```bash blocks of a Markdown text, indentation removed, in order."""
    return ["\n".join(line[len(m.group(1)):] for line in m.group(2).splitlines())
            for m in FENCE.finditer(text)]


def split_lines(block: str) -> tuple[list[str], list[str]]:
    """(lines to run, lines not run) of one block."""
    run, not_run = [], []
    for line in block.splitlines():
        command = line.split("#")[0].strip()
        if not command:
            continue
        if SERVER_MARK in line or command in SELF:
            not_run.append(line.strip())
        else:
            run.append(line)
    return run, not_run


def test_the_parser_finds_every_block_and_the_marks() -> None:
    text = ("x\n```bash\na --x  # c\nb   # cần máy chủ\n```\n  ```bash\n  c\n  ```\n"
            "```toml\nd\n```\n")
    blocks = bash_blocks(text)
    assert blocks == ["a --x  # c\nb   # cần máy chủ", "c"]
    assert split_lines(blocks[0]) == (["a --x  # c"], ["b   # cần máy chủ"])


def test_server_marks_are_on_server_commands_only() -> None:
    for doc in DOCS:
        for block in bash_blocks((REPO / doc).read_text(encoding="utf-8")):
            for line in split_lines(block)[1]:
                assert line.split("#")[0].strip() in SELF or SERVER_COMMAND.search(line), \
                    (doc, line)


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)  # keeps mtimes: `make venv` sees .venv up to date
    (dest / ".venv").symlink_to(REPO / ".venv")


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KONRAY_") and k not in {"VIRTUAL_ENV", "PREFECT_API_URL"}}
    env["PATH"] = f"{root / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["DEMO_ARGS"] = DEMO_ARGS
    env["KONRAY_SERVERS_FILE"] = str(root / "no-servers.toml")  # never a real server
    return env


def _sh(script: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


def _seed(root: Path, env: dict[str, str]) -> dict[str, str]:
    """The store the skipped server runs would have filled; the guide's placeholders."""
    for year in (2025, 2026):
        res = _sh(f"konray-review run --source demo --year {year} --demo-households 200 "
                  "--checks pandas", root, env)
        assert res.returncode == 0, res.stdout + res.stderr
    db = sqlite3.connect(root / "output" / "konray-review.sqlite")
    try:
        village = db.execute("select household_id from households where review_year = 2026 "
                             "and commune = 'Đăk Kôi' and village = ? order by household_id",
                             ("Thôn mẫu 1",)).fetchall()
        second = db.execute("select household_id from households where review_year = 2026 "
                            "and commune = 'Đăk Kôi' and village = ? order by household_id",
                            ("Thôn mẫu 2",)).fetchall()
        run_id = db.execute("select run_id from runs order by started_at desc").fetchone()[0]
        requests = db.execute("select household_id from households where review_year = 2026 "
                              "and review_reason = 'request' and commune <> 'Đăk Kôi' "
                              "order by household_id limit 3"
                              ).fetchall()
    finally:
        db.close()
    assert len(village) >= 2 and second, "the demo has households in the sample villages"
    # the votes file of Thôn mẫu 2: one household below 50 % (re-survey), the others agreed
    votes = ["household_id,agree", f"{second[0][0]},10", *[f"{h},"for (h,) in second[1:]]]
    (root / "bieu-quyet-thon-2.csv").write_text("\n".join(votes) + "\n", encoding="utf-8")
    # the requests of a regular round (the guide's ho-de-nghi-thang-3.csv)
    assert requests, "the demo has requesting households"
    (root / "ho-de-nghi-thang-3.csv").write_text(
        "household_id\n" + "".join(f"{h}\n" for (h,) in requests), encoding="utf-8")
    return {"<mã hộ>": village[0][0], "<mã hộ 2>": village[1][0], "<mã lần chạy>": run_id}


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_in_the_doc_runs_as_written(doc: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _copy_repo(root)
    env = _env(root)
    placeholders = _seed(root, env)
    not_run: list[str] = []
    for block in bash_blocks((root / doc).read_text(encoding="utf-8")):
        lines, skipped = split_lines(block)
        not_run += skipped
        script = "\n".join(lines)
        for key, value in placeholders.items():
            script = script.replace(key, value)
        assert "<" not in re.sub(r"#.*", "", script), f"unreplaced placeholder: {script}"
        res = _sh(script, root, env)
        assert res.returncode == 0, f"{doc}:\n{script}\n--- output ---\n{res.stdout[-3000:]}" \
            f"\n{res.stderr[-3000:]}"
    print(f"{doc}: not run (need a server, or are this suite): " + "; ".join(not_run))
