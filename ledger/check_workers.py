"""`check`'s chain cut into ranges, verified by worker processes and joined at the seams.

The command's own process verifies the first range (and meanwhile checks the records
outside the chain); each later range goes to `python -m ledger.check_workers`, which loads
no SQLAlchemy and no models. Each range streams its own rows, so memory stays flat, and
joined in order the ranges report exactly what one pass would (ledger/check_chain.py).

A worker is started before `check` has loaded the models it needs to know the rules: it
is told its range first, starts up, reads what the movements before the range leave, and
only then waits for the rules. Its start-up runs beside the command's own loading.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.check_chain import Outcome, Rules, received_by_vial, start_of, verify_range

#: Below this many movements one process verifies the whole chain: starting a worker costs
#: more than it saves.
PARALLEL_FROM = 40_000
#: Worker processes at most, besides this one.
MAX_WORKERS = 3

# How the work is shared. This process loads SQLAlchemy and the models, runs the record
# cross-checks and the stored-form scan, and verifies the first range; a worker starts up and
# verifies its range. Nanoseconds per movement (and for the start-ups) from `check`'s profile on
# the 2-core development machine at 106k and 1.08M movements; only their proportions matter,
# and those hold across machines as long as SQLite and Python keep their relative speeds.
# Whole numbers throughout, like every figure the ledger keeps.
#: This process's own start-up before it can check anything (imports, settings, rules).
OWN_START_NS = 600_000_000
#: The record cross-checks and the stored-form scan, per movement in the ledger.
RECORDS_NS = 4_400
#: The chain pass (fetch, canonical text, sha256, balances, witnesses), per movement.
CHAIN_NS = 7_100
#: A worker's start-up: Python, the driver, and what the movements before its range leave.
WORKER_START_NS = 100_000_000
#: Shares are in parts per PER of the chain.
PER = 1000
#: This process always verifies at least this much of the chain, so its range is never empty.
OWN_LEAST = 10


def own_share(count: int, workers: int) -> int:
    """The part of the chain, in parts per PER, this process verifies so that it and the
    workers finish together: at a small ledger its fixed work already outlasts a worker's
    whole range and it verifies (almost) nothing; at a million movements about a sixth."""
    own = OWN_START_NS + RECORDS_NS * count
    chain = CHAIN_NS * count
    if chain <= 0:
        return PER
    # own + x = WORKER_START_NS + (chain - x) / workers, solved for x.
    x = (WORKER_START_NS * workers + chain - own * workers) // (workers + 1)
    return min(PER, max(OWN_LEAST, x * PER // chain))


def cut(first: int, last: int, count: int, workers: int) -> list[int]:
    """Where the ranges after the first start: none for a small ledger, else ids that give
    this process its `own_share` of the id span and each worker an equal part of the rest."""
    if count < PARALLEL_FROM or workers < 1 or last <= first:
        return []
    span = last - first + 1
    own = own_share(count, workers)
    seams = [
        first + span * (own * workers + (PER - own) * i) // (PER * workers) for i in range(workers)
    ]
    return sorted(set(s for s in seams if first < s <= last))


def worker_count() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, cores - 1))


@dataclass(frozen=True)
class Job:
    """One range for a worker: how to reach the database, and what to judge by (the rules
    follow the rest, see Worker)."""

    dialect: str
    #: SQLite: the file path. PostgreSQL: psycopg.connect keyword arguments.
    connect: Any
    rules: Rules | None
    lo: int
    hi: int | None


def _connect(job: Job) -> Any:
    if job.dialect == "sqlite":
        import sqlite3

        raw = sqlite3.connect(job.connect, timeout=60, isolation_level=None)
        raw.execute("BEGIN")  # one snapshot for the start and the rows
        return raw
    import psycopg

    return psycopg.connect(**job.connect)


def run_job(job: Job, rules: Callable[[], Rules] | None = None) -> Outcome:
    """Verify the job's range; `rules` is asked for them once the range's start is read,
    when the job was sent without them."""
    raw = _connect(job)
    try:
        start = start_of(raw, job.dialect, job.lo)
        received = received_by_vial(raw)
        judged_by = job.rules if job.rules is not None else rules() if rules else None
        if judged_by is None:
            raise RuntimeError("a chain range was sent without its rules")
        return verify_range(raw, judged_by, received, start, job.lo, job.hi)
    finally:
        if job.dialect == "sqlite":
            raw.execute("ROLLBACK")
        else:
            raw.rollback()
        raw.close()


class Worker:
    """A range verified in a process of its own, started at once; `send` gives it the rules
    and `outcome` waits for it. If the process cannot start or fails, the range is verified
    here instead: same answer, only slower."""

    def __init__(self, job: Job) -> None:
        self.job = job
        root = str(Path(__file__).resolve().parent.parent)
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
        try:
            self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "ledger.check_workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            assert self.proc.stdin is not None
            # The job goes on stdin, never the command line: it may hold a password.
            self.proc.stdin.write(pickle.dumps(replace(job, rules=None)))
            self.proc.stdin.flush()
        except OSError:
            self.proc = None

    def send(self, rules: Rules) -> None:
        """The rules the range is judged by; the worker waits for them after its start."""
        self.job = replace(self.job, rules=rules)
        if self.proc is None or self.proc.stdin is None:
            return
        try:
            self.proc.stdin.write(pickle.dumps(rules))
            self.proc.stdin.close()
        except OSError:  # the process has ended; outcome() verifies the range here
            pass

    def stop(self) -> None:
        """End the process if its outcome was never asked for (the check failed first)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None and not stream.closed:
                    try:
                        stream.close()
                    except OSError:
                        pass

    def outcome(self) -> Outcome:
        if self.proc is not None:
            assert self.proc.stdout is not None
            data = self.proc.stdout.read()
            self.proc.stdout.close()
            if self.proc.wait() == 0:
                try:
                    result = pickle.loads(data)  # from the process started above
                except Exception:  # noqa: BLE001 - a broken answer: verify the range here
                    result = None
                if isinstance(result, Outcome):
                    return result
        return run_job(self.job)


def main() -> None:
    """A worker: read a Job on stdin, then its Rules, and write its Outcome on stdout."""
    stdin = sys.stdin.buffer
    job = pickle.load(stdin)  # from the parent process that started us

    def rules() -> Rules:
        return pickle.load(stdin)  # type: ignore[no-any-return]

    sys.stdout.buffer.write(pickle.dumps(run_job(job, rules)))
    sys.stdout.buffer.flush()


def join(outcomes: Sequence[Outcome]) -> tuple[Outcome, dict[object, Any]]:
    """The ranges as one pass: their findings in order, and each vial's final balance."""
    whole = Outcome()
    balances: dict[object, Any] = {}
    for o in outcomes:
        whole.found += o.found
        whole.suspicious += o.suspicious
        whole.count += o.count
        if o.count:
            whole.last_hash = o.last_hash
        balances.update(o.balances)  # a later range's balance already includes the earlier
    return whole, balances


if __name__ == "__main__":
    # Run as `-m`, this file is `__main__`; the job and outcome must be pickled as the
    # classes of ledger.check_workers and ledger.check_chain, which the parent knows.
    from ledger.check_workers import main as worker_main

    worker_main()
