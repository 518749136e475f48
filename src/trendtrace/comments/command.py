"""``trendtrace comments PATH --out DIR``: rings of paraphrased comments (docs/comments.md).

A thin command: it reads the comments (:func:`~trendtrace.comments.read_comments`, or the replies of
a store with ``--db``), calls :func:`~trendtrace.comments.comment_rings` once, writes the outputs and
prints a short summary. A user mistake is one ``Error: ...`` line on stderr and exit code 1. This
module imports no model and nothing heavy: ``trendtrace --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .._cli_common import _console, _parse_sets, _writable_dir, handle_errors, setting_option
from ..model import InputError
from ..settings import Settings

__all__ = ["comments_cmd"]


@click.command("comments")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--db", "db", default=None, type=click.Path(dir_okay=False), metavar="STORE",
              help="Read the replies in this trendtrace store as comments instead of PATH (thread = the post at "
                   "the root of each reply chain).")
@setting_option("out")
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "jsonl"]), default="auto", show_default=True,
              help="Format of PATH: CSV with a header line, or JSON lines; auto = by the file name, else by content.")
@setting_option("ring_threshold", "--threshold")
@setting_option("ring_min_authors", "--min-authors")
@setting_option("ring_min_comments", "--min-comments")
@setting_option("seed")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Any other setting of the 'comments' section (docs/settings.md), e.g. --set ring_min_words=5; "
                   "repeatable.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0),
              help="Rings listed in the terminal summary (the CSV files hold all).")
@click.pass_context
@handle_errors
def comments_cmd(ctx: click.Context, path: str | None, db: str | None, out: str, fmt: str, ring_threshold: float,
                 ring_min_authors: int, ring_min_comments: int, seed: int, sets: tuple[str, ...], top: int) -> None:
    """Find rings in comment threads: comments by different authors that are near-copies or
    paraphrases of one another far beyond what their thread's topic explains (docs/comments.md).

    PATH is CSV or JSON lines with id, author, text and optionally thread, parent, time. Writes
    comments.csv and rings.csv (and Parquet twins) into --out."""
    quiet = bool(getattr(ctx.obj, "quiet", False))
    if (path is None) == (db is None):
        raise InputError("give a comments file (PATH) or a store (--db STORE), not both" if path
                         else "give a comments file: trendtrace comments PATH (or --db STORE for a store's replies)")
    settings = Settings(**{"ring_threshold": ring_threshold, "ring_min_authors": ring_min_authors,
                           "ring_min_comments": ring_min_comments, "seed": seed, **_parse_sets(sets)})
    _writable_dir(out, "--out")
    console = _console(quiet)
    from . import comment_rings, comments_from_store, read_comments, write_ring_outputs

    if db is not None:
        table, notes = comments_from_store(db)
    else:
        assert path is not None
        table, notes = read_comments(path, fmt)
    with _progress(console, quiet) as tick:
        result = comment_rings(table, settings, progress=tick)
    written = write_ring_outputs(result, out)
    _summary(console, result, list(notes) + list(result.notes), top)
    click.echo(f"outputs in {written[0].parent}")


class _progress:
    """A rich progress bar, one line per stage, as a context manager giving the library's callback."""

    def __init__(self, console: Any, quiet: bool) -> None:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                            console=console, transient=True, disable=quiet)
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Callable[[str, int, int], None]:
        self.bar.__enter__()

        def tick(stage: str, done: int, total: int) -> None:
            task = self.tasks.get(stage)
            if task is None:
                task = self.tasks[stage] = self.bar.add_task(stage, total=max(total, 1))
            self.bar.update(task, completed=done, total=max(total, 1))

        return tick

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)  # type: ignore[arg-type]


def _summary(console: Any, result: Any, notes: list[str], top: int) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..summary import terminal_text

    c, r = result.comments, result.rings
    threads = len(set(c.column("thread").to_pylist()))
    authors = len(set(c.column("author").to_pylist()))
    for note in notes:
        console.print(Text(f"note: {terminal_text(note, 300)}"))
    if r.num_rows == 0:
        console.print(Text(f"{c.num_rows:,} comments by {authors:,} authors in {threads:,} "
                           f"thread{'s' if threads != 1 else ''}: no ring (no group of similar comments reached "
                           f"ring_score {result.stats['threshold']:g})"))
        return
    in_rings = sum(1 for v in c.column("ring").to_pylist() if v)
    console.print(Text(f"{c.num_rows:,} comments by {authors:,} authors in {threads:,} "
                       f"thread{'s' if threads != 1 else ''}: {r.num_rows:,} ring{'s' if r.num_rows != 1 else ''} "
                       f"holding {in_rings:,} comments"))
    if top:
        grid = Table(title_justify="left")
        for col in ("ring", "thread", "comments", "authors", "score", "example"):
            grid.add_column(col, overflow="fold")
        for row in r.slice(0, top).to_pylist():
            grid.add_row(row["ring"], Text(terminal_text(row["thread"], 30)), str(row["comments"]), str(row["authors"]),
                         f"{row['ring_score']:.2f}", Text(terminal_text(row["example"], 70)))
        console.print(grid)
        best = r.slice(0, 1).to_pylist()[0]
        console.print(Text(f"{best['ring']}: {terminal_text(best['evidence'], 600)}"))
