"""Chunks of runs: the per-run steps (import + detect) of consecutive sample-sheet rows share one job."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import GcmsflowError

# A job's shell command is one argument of `bash -c`, which Linux caps at 128 KiB (MAX_ARG_STRLEN); Snakemake adds a preamble.
MAX_COMMAND_CHARS = 128 * 1024 - 4096


@dataclass(frozen=True)
class ChunkParams:
    """``runs_per_job`` runs (in sample-sheet row order) are imported and detected by one job, in one process."""

    runs_per_job: int = 25


def split_runs(runs: Sequence[str], runs_per_job: int) -> list[list[str]]:
    """Consecutive slices of ``runs`` with ``runs_per_job`` runs each (the last may hold fewer).

    The split depends only on the order of ``runs`` and the chunk size, so a run keeps its chunk while the
    rows before it stay; a run added at the end of the sheet joins the last chunk or starts a new one.

    >>> split_runs(["a", "b", "c", "d", "e"], 2)
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    if isinstance(runs_per_job, bool) or not isinstance(runs_per_job, int) or runs_per_job < 1:
        raise GcmsflowError("config: chunks.runs_per_job", f"must be a whole number of at least 1, not {runs_per_job!r}")
    if len(set(runs)) != len(runs):
        raise GcmsflowError("chunks", "a run is listed twice")
    return [list(runs[start : start + runs_per_job]) for start in range(0, len(runs), runs_per_job)]


def check_command(chunk: str, paths: Sequence[str], other_chars: int) -> None:
    """Refuse a chunk whose command line (its ``paths``, quoted, and ``other_chars`` more) would exceed :data:`MAX_COMMAND_CHARS`.

    >>> check_command("chunk_0", ["raw/a.cdf", "results/import/a.npz"], 900)
    """
    length = other_chars + sum(len(shlex.quote(str(path))) + 1 for path in paths)
    if length > MAX_COMMAND_CHARS:
        raise GcmsflowError(
            "config: chunks.runs_per_job",
            f"{chunk}'s command line would be {length} characters, more than the {MAX_COMMAND_CHARS} a job's command may have: "
            "lower runs_per_job (or use shorter paths)",
        )
