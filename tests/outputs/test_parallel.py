"""Lists written on two worker processes: the same files, byte for byte, and the same manifest.

Why: publishing is split across the cores (``outputs.parallel``); district staff compare
re-runs and the portal serves what the manifest names, so neither may depend on how many
processes wrote the files or in which order they finished.
"""

from __future__ import annotations

import os

import pytest

from konray_review.outputs import write_lists
from konray_review.outputs.parallel import run_jobs, stream_jobs
from tests.outputs.conftest import RUN_INFO


def _write(review, out, workers):
    # district and commune levels: every kind of file (XLSX, PDF, CSV, the full-ID file)
    # in about 90 files; the villages' hundreds add time, not cases
    return write_lists(review.households, review.result, out, standard=review.standard,
                       profile=review.profile, run_info=RUN_INFO, workers=workers,
                       levels=("district", "commune"))


def test_two_workers_write_the_same_bytes_as_one(review, tmp_path):
    one = _write(review, tmp_path / "one", 1)
    two = _write(review, tmp_path / "two", 2)
    assert two == one  # same manifest entries, in the same order
    assert {e.format for e in one} == {"xlsx", "pdf", "csv"}
    for e in one:
        assert (tmp_path / "two" / e.path).read_bytes() == (tmp_path / "one" / e.path
                                                            ).read_bytes(), e.path
    written = {p.relative_to(tmp_path / "two").as_posix()
               for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert written == {e.path for e in one}  # nothing else (no temp files left behind)


def test_a_failing_file_stops_the_run_and_names_the_file(review, tmp_path):
    slug = review.profile.units[-1].slug
    target = f"lists/2023/{slug}/2023_{slug}_poor.pdf"
    (tmp_path / target).mkdir(parents=True)  # a folder where the file should go
    with pytest.raises(RuntimeError, match=f"{target}: IsADirectoryError"):
        write_lists(review.households, review.result, tmp_path, standard=review.standard,
                    profile=review.profile, run_info=RUN_INFO, levels=("commune",),
                    formats=("pdf",), workers=2)


class _Job:
    def __init__(self, rel: str, size: int) -> None:
        self.rel, self.size = rel, size


class _Recorder:
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def __call__(self, job: _Job) -> None:
        self.seen.append(job.rel)


class _PidWriter:
    """Writes the id of the process that ran each job into a file named after the job."""

    def __init__(self, out) -> None:
        self.out = out

    def __call__(self, job: _Job) -> None:
        (self.out / job.rel).write_text(str(os.getpid()))


def test_a_large_step_runs_in_as_many_processes_as_asked(tmp_path):
    jobs = [_Job(f"job{k}", 4_000) for k in range(8)]
    assert run_jobs(jobs, _PidWriter, (tmp_path,), workers=2) == 2
    pids = {(tmp_path / j.rel).read_text() for j in jobs}  # every job ran
    assert str(os.getpid()) not in pids and 1 <= len(pids) <= 2


def test_small_steps_stay_in_process():
    """Below ``MIN_PARALLEL_ROWS`` starting workers costs more than it saves."""
    seen: list[str] = []
    jobs = [_Job("a", 10), _Job("b", 20)]
    assert run_jobs(jobs, _Recorder, (seen,)) == 1
    assert seen == ["a", "b"]


def _after_written(out, first: _Job, rest: list[_Job]):
    """Yields ``first``, then waits (up to a minute) until a worker has written it before
    making the others: only a pool already at work lets this generator go on."""
    import time

    yield first
    deadline = time.monotonic() + 60
    while not (out / first.rel).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{first.rel} was not written while the jobs were being made")
        time.sleep(0.01)
    yield from rest


def test_streamed_jobs_are_written_while_the_next_ones_are_made(tmp_path):
    first, rest = _Job("first", 1), [_Job(f"job{k}", 1) for k in range(3)]
    made = stream_jobs(_after_written(tmp_path, first, rest), _PidWriter, (tmp_path,),
                       workers=2)
    assert [j.rel for j in made] == ["first", "job0", "job1", "job2"]
    pids = {(tmp_path / j.rel).read_text() for j in made}  # every job ran, in workers
    assert str(os.getpid()) not in pids


def _fails_after_one():
    yield _Job("made", 1)
    raise ValueError("the second document could not be filled")


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_while_making_the_jobs_is_raised(tmp_path, workers):
    with pytest.raises(ValueError, match="second document"):
        stream_jobs(_fails_after_one(), _PidWriter, (tmp_path,), workers=workers)


def test_streamed_jobs_in_one_process_keep_their_order():
    seen: list[str] = []
    made = stream_jobs(iter([_Job("b", 1), _Job("a", 9)]), _Recorder, (seen,), workers=1)
    assert seen == ["b", "a"] and [j.rel for j in made] == ["b", "a"]


def _pid_after_sum(a: int, b: int) -> tuple[int, int]:
    return a + b, os.getpid()


def _refuse(name: str) -> None:
    raise ValueError(f"no such file: {name}")


def _die() -> None:
    os._exit(3)  # a worker killed mid-job (e.g. out of memory) sends nothing


def test_a_detached_job_answers_from_its_own_process_and_ends():
    from konray_review.outputs.parallel import detached

    total, pid = detached(_pid_after_sum, 2, 3)()
    assert total == 5 and pid != os.getpid()
    with pytest.raises(ProcessLookupError):  # it has ended and been reaped, not idling
        os.kill(pid, 0)


def test_a_detached_job_raises_what_it_raised_and_a_dead_one_says_so():
    from konray_review.outputs.parallel import detached

    with pytest.raises(ValueError, match=r"no such file: lists\.xlsx"):
        detached(_refuse, "lists.xlsx")()
    with pytest.raises(RuntimeError, match=r"without an answer.*exit code 3"):
        detached(_die)()


def test_background_work_answers_raises_and_is_waited_for_when_the_caller_fails():
    from konray_review.outputs.parallel import background

    with background(_pid_after_sum, 2, b=3) as result:
        total, pid = result()
        assert (total, result()[0]) == (5, 5) and pid != os.getpid()  # asked twice, same
    with pytest.raises(ValueError, match=r"no such file: a\.pdf"), \
            background(_refuse, "a.pdf") as result:
        result()
    with pytest.raises(KeyError), background(_pid_after_sum, 1, 1) as result:
        raise KeyError("the caller's own error wins")  # the worker is still waited for
