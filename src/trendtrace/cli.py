"""The ``trendtrace`` command: thin commands over the library.

Each command parses its arguments, calls one library function and turns library exceptions into a
one-line ``Error: ...`` on stderr with exit code 1 (never a traceback for a user mistake). Defaults and
help come from :data:`trendtrace.settings.SETTINGS`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import click

from . import __version__
from .model import Format, InputError, clip
from .readers import FORMATS, parse_mapping_args
from .settings import Settings

from ._cli_common import (_BY_NAME, _console, _one_line, _parse_sets, _writable_dir, handle_errors,
                          setting_option)
class _Ctx:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet


class _Group(click.Group):
    """Click's group, with usage errors (a folder where a file is expected, an unknown option) told
    the way every other user mistake is: one ``Error:`` line on stderr and exit code 1, not click's
    usage block with exit code 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            click.echo(f"Error: {_one_line(exc.format_message())}", err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trendtrace")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and the final result paths.")
@click.option("--verbose", "-v", is_flag=True, help="Log each step of the analysis.")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """trendtrace: tell whether a social-media trend is organic or manufactured, and show the evidence."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = _Ctx(quiet)


# --------------------------------------------------------------------------- ingest

def _ingest(paths: Sequence[str], db: str, fmt: str, mapping: dict[str, str], on_error: str,
            chunk_rows: int, quiet: bool, memory_limit: str = _BY_NAME["ingest_memory"].default) -> Any:
    from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from .store import Store

    console = _console(quiet)
    # A store this command creates is removed again when the ingest fails before committing any
    # file (a missing file, a bad record under --on-error fail, Ctrl-C): no empty store is left
    # behind to be analysed. Files committed before a failing one stay, and the error says so.
    created = not Path(db).exists()
    empty = created  # until a file is committed: a failing later file keeps the ones before it
    try:
        with Store(db) as store:
            # percentage and time left where the file says how many records it holds (Parquet);
            # otherwise records read and time spent
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=None),
                          TextColumn("{task.completed:,.0f} records"), TaskProgressColumn(), TimeElapsedColumn(),
                          TimeRemainingColumn(), console=console, transient=True, disable=quiet) as bar:
                tasks: dict[str, Any] = {}

                def progress(path: str, records: int) -> None:
                    if path not in tasks:
                        tasks[path] = bar.add_task(f"reading {Path(path).name}", total=_known_records(path))
                    bar.advance(tasks[path], records)

                try:
                    report = store.ingest(paths, fmt, mapping, on_error, chunk_rows, progress,
                                          memory_limit=memory_limit)
                finally:
                    empty = created and store.count("files") == 0
            for f in report.files:
                if f.skipped_unchanged:
                    console.print(f"{f.path}: already ingested, unchanged; skipped")
                    continue
                if f.naive_time:
                    console.print(f"note: {f.path}: times without a zone were read as UTC")
                if f.duplicates:
                    n = f.duplicates
                    console.print(f"note: {f.path}: {n:,} record{'s' if n != 1 else ''} repeated a post id "
                                  "already read; merged, one post kept per id (docs/schema.md)")
                console.print(
                    f"{f.path}: {f.records:,} records, {f.posts_added:,} new posts, "
                    f"{f.accounts_updated:,} account snapshots" + (f", {f.rejects:,} rejected" if f.rejects else "")
                )
            if report.rejects:
                console.print(f"{report.rejects:,} bad records skipped; see {report.rejects_path}")
            for f in report.files:  # said last, where it is seen: data the analysis will not use
                if f.unused_columns:
                    from .readers.tabular import MAPPABLE_FIELDS

                    cols = clip(", ".join(clip(c, 40) for c in f.unused_columns), 300)
                    console.print(f"warning: {f.path}: column{'s' if len(f.unused_columns) > 1 else ''} not used: "
                                  f"{cols}; give a field with --map FIELD=COLUMN (fields: "
                                  f"{', '.join(MAPPABLE_FIELDS[:18])}, ...; docs/formats.md)",
                                  markup=False, highlight=False)
            console.print(f"store {db}: {store.count('posts'):,} posts, {store.count('accounts'):,} accounts")
    except BaseException:
        if empty:
            _remove_store(db)
        raise
    return report


def _known_records(path: str) -> int | None:
    """Records in ``path``: exact when the file says so without being read (Parquet metadata), else
    an estimate for text files (JSON lines, CSV; plain, gzip or zstd) from the lines in their first
    :data:`_SAMPLE_BYTES` scaled to the file's size; None when neither can be had."""
    try:
        import pyarrow.parquet as pq

        with open(path, "rb") as f:
            if f.read(4) == b"PAR1":
                return int(pq.ParquetFile(path).metadata.num_rows)
        lines = _estimated_lines(path)
        header = 1 if Path(path).name.lower().removesuffix(".gz").removesuffix(".zst").endswith(".csv") else 0
        return None if lines is None else max(0, lines - header)
    except (OSError, ValueError, EOFError):  # a damaged footer: the reader reports it; progress just has no total
        return None


#: Bytes of a text file (compressed, for .gz / .zst) read to estimate its number of records.
_SAMPLE_BYTES = 4 << 20


def _estimated_lines(path: str) -> int | None:
    """Lines in ``path`` estimated from its first :data:`_SAMPLE_BYTES` (exact for smaller files).
    A CSV value spanning lines counts twice: the total is a guide for the progress bar, which keeps
    counting past it."""
    import gzip
    import io
    import os

    size = os.path.getsize(path)
    with open(path, "rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic[:2] == b"\x1f\x8b":
            stream: Any = gzip.GzipFile(fileobj=raw)
        elif magic == b"\x28\xb5\x2f\xfd":
            import zstandard

            stream = zstandard.ZstdDecompressor().stream_reader(raw)
        else:
            stream = raw
        lines, read, block_ends_newline = 0, 0, True
        reader = io.BufferedReader(stream) if stream is not raw else raw
        while raw.tell() < _SAMPLE_BYTES:
            block = reader.read(1 << 20)
            if not block:
                return lines + (0 if read == 0 or block_ends_newline else 1)
            lines += block.count(b"\n")
            read += len(block)
            block_ends_newline = block.endswith(b"\n")
        consumed = raw.tell()
    return max(1, round(lines * size / consumed)) if consumed else None


#: ``--format`` of ``ingest`` and ``analyze``: ``auto`` and every format of the readers' registry.
FORMAT_CHOICES = click.Choice([Format.AUTO.value, *FORMATS])
#: ``simulate --format``: the registry's formats that have a simulator writer.
SIMULATE_FORMAT_CHOICES = click.Choice([name for name, spec in FORMATS.items() if spec.writer] + ["dataset"])


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@setting_option("db")
@click.option("--format", "fmt", type=FORMAT_CHOICES, default="auto", show_default=True,
              help="Input format; 'auto' detects it by peeking at the file.")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help="Map a canonical field (docs/schema.md) to a column of a CSV/Parquet file; repeatable.")
@setting_option("on_error")
@setting_option("chunk_rows")
@setting_option("ingest_memory")
@click.pass_obj
@handle_errors
def ingest(obj: _Ctx, paths: tuple[str, ...], db: str, fmt: str, mapping: tuple[str, ...], on_error: str,
           chunk_rows: int, ingest_memory: str) -> None:
    """Read files (JSON lines, CSV, Parquet; .gz or .zst) into the store, atomically per file."""
    Settings(on_error=on_error, chunk_rows=chunk_rows, ingest_memory=ingest_memory)
    _ingest(paths, db, fmt, parse_mapping_args(mapping), on_error, chunk_rows, obj.quiet, ingest_memory)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the data set to: posts/part-NNNNN.parquet and accounts.parquet.")
@click.option("--format", "fmt", type=FORMAT_CHOICES, default="auto", show_default=True,
              help="Input format; 'auto' detects it by peeking at the file.")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help="Map a canonical field (docs/schema.md) to a column of a CSV/Parquet file; repeatable.")
@setting_option("chunk_rows")
@click.pass_obj
@handle_errors
def convert(obj: _Ctx, paths: tuple[str, ...], out: str, fmt: str, mapping: tuple[str, ...],
            chunk_rows: int) -> None:
    """Write input files as a Parquet data set in the store's schema, for 'analyze --posts' (docs/scale.md).

    The same readers as 'ingest', without a store: memory stays flat in the number of posts. Bad
    records are skipped and counted (run 'ingest' to see them with their reasons)."""
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    from .dataset import write_dataset
    from .readers import read

    Settings(chunk_rows=chunk_rows)
    parsed = parse_mapping_args(mapping)
    _writable_dir(out, "--out")

    def chunks() -> Any:
        for path in paths:
            yield from read(path, fmt, parsed or None, chunk_rows)

    console = _console(obj.quiet)
    with Progress(TextColumn("converting"), TextColumn("{task.completed:,.0f} posts"), TimeElapsedColumn(),
                  console=console, transient=True, disable=obj.quiet) as bar:
        task = bar.add_task("convert", total=None)
        rep = write_dataset(chunks(), out, progress=lambda n: bar.advance(task, n))
    console.print(f"wrote {rep.posts:,} posts ({rep.parts} files) and {rep.accounts:,} accounts to {out}"
                  + (f"; {len(rep.rejects):,} bad records skipped" if rep.rejects else ""))
    click.echo(f"data set: {Path(out) / 'posts'} and {Path(out) / 'accounts.parquet'}")


# --------------------------------------------------------------------------- simulate

def _simulate(out: str, scenario: str, seed: int, fmt: str, posts: int | None, home_tz: str, quiet: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .simulate import SCENARIOS, simulate

    if scenario not in SCENARIOS:
        raise InputError(f"--scenario {scenario!r}: unknown scenario; scenarios are: {', '.join(SCENARIOS)}")
    _check_tz(home_tz)
    console = _console(quiet)
    with Progress(TextColumn("simulating"), BarColumn(bar_width=None), TextColumn("{task.completed:,.0f} posts"),
                  TimeElapsedColumn(), console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task("sim", total=None)
        sim = simulate(out, scenario=scenario, seed=seed, posts=posts, fmt="parquet" if fmt == "dataset" else fmt,
                       home_tz=home_tz, progress=lambda n: bar.update(task, completed=n))
    paths = [str(p) for p in sim.data_paths]
    if fmt == "dataset":
        paths = _simulated_dataset(sim.data_paths, Path(out), console, quiet)
    console.print(f"wrote {sim.posts:,} posts by {sim.accounts:,} accounts to " + ", ".join(paths)
                  + f"; truth in {sim.labels_dir}")
    return sim


def _simulated_dataset(files: list[Path], out: Path, console: Any, quiet: bool) -> list[str]:
    """Turn the simulator's Parquet file(s) in ``out`` into a data set there (``posts/`` and
    ``accounts.parquet``, as ``convert`` writes), then remove them: what ``analyze --posts`` reads."""
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    from .dataset import write_dataset
    from .readers import read

    def chunks() -> Any:
        for path in files:
            yield from read(str(path), "parquet", None, int(_BY_NAME["chunk_rows"].default))

    with Progress(TextColumn("writing the data set"), TextColumn("{task.completed:,.0f} posts"),
                  TimeElapsedColumn(), console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task("dataset", total=None)
        write_dataset(chunks(), out, progress=lambda n: bar.advance(task, n))
    for path in files:
        path.unlink()
    return [str(out / "posts"), str(out / "accounts.parquet")]


def _check_tz(zone: str, auto: bool = False) -> None:
    from .offsets import require_zone

    require_zone(zone, "--home-tz", allow_auto=auto)


@main.command("simulate")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory to write data and labels to.")
@setting_option("sim_scenario", "--scenario")
@setting_option("sim_seed", "--seed")
@click.option("--format", "fmt", type=SIMULATE_FORMAT_CHOICES,
              default="x-v2", show_default=True,
              help="Format of the data file written; 'dataset' writes a Parquet data set (posts/ and "
                   "accounts.parquet, as 'convert' does) for 'analyze --posts'.")
@click.option("--posts", type=click.IntRange(min=500, max=10_000_000), default=None,
              help="Scale the scenario to about this many posts, 500 to 10,000,000 (default: the scenario's own size).")
@setting_option("sim_home_tz", "--home-tz")
@click.option("--comments", "n_comments", type=click.IntRange(min=0, max=10_000_000), default=0, show_default=True,
              help="Also write about this many comments in comment threads, some seeded with paraphrase rings, "
                   "to OUT/comments/comments.csv with their truth in OUT/comments/comments_truth.csv, for "
                   "'trendtrace comments' (docs/comments.md).")
@click.option("--comments-only", is_flag=True, help="Write only the comment threads (no posts).")
@click.pass_obj
@handle_errors
def simulate_cmd(obj: _Ctx, out: str, sim_scenario: str, sim_seed: int, fmt: str, posts: int | None,
                 sim_home_tz: str, n_comments: int, comments_only: bool) -> None:
    """Write a seeded scenario with ground truth: organic users, organic surges and paid campaigns
    (and, with --comments, comment threads with paraphrase rings)."""
    Settings(sim_seed=sim_seed)
    if comments_only and not n_comments:
        raise InputError("--comments-only: say how many comments with --comments N")
    _writable_dir(out, "--out")
    if not comments_only:
        _simulate(out, sim_scenario, sim_seed, fmt, posts, sim_home_tz, obj.quiet)
    if n_comments:
        from .simulate.comments import write_comment_threads

        data, truth = write_comment_threads(Path(out) / "comments", n_comments, seed=sim_seed)
        _console(obj.quiet).print(f"wrote {n_comments:,} comments (about) to {data}; truth in {truth}")


# --------------------------------------------------------------------------- analyze

def _analyze(db: str, out: str, settings: Settings, campaigns: str | None, quiet: bool) -> list[Path]:
    from .pipeline import analyze as run_analysis
    from .report import write_outputs
    from .store import Store

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .pipeline import stages

    console = _console(quiet)
    with Store(db) as store:
        if store.count("posts") == 0:
            raise InputError(f"{db}: the store has no posts; give input files or ingest them first")
        # steps done of the steps there are (the stages, then the outputs) and time spent; no time
        # left: the stages' durations differ by orders of magnitude from one data set to another
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30),
                      MofNCompleteColumn(), TextColumn("steps"), TimeElapsedColumn(), console=console,
                      transient=True, disable=quiet) as bar:
            task = bar.add_task("analysing", total=len(stages()) + 1)
            started: list[str] = []

            def step(name: str) -> None:
                if started:
                    bar.advance(task)
                started.append(name)
                bar.update(task, description=f"analysing: {name}")

            run_analysis(store, settings, campaigns=campaigns, step=step)
            bar.advance(task)
            bar.update(task, description="writing the outputs…")
            written = write_outputs(store.con, out, settings)
            bar.advance(task)
        if store.has_table("home_zone"):
            # which zone rhythms were compared with, and how it was chosen (never silently assumed)
            for (note,) in store.con.execute("SELECT note FROM home_zone").fetchall():
                console.print(f"{note[0].upper()}{note[1:]}.", markup=False, highlight=False)
        if not quiet:
            from .summary import verdict_summary

            for part in verdict_summary(store.con):
                console.print(part, highlight=False)
        return written


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--db", default=None, help="Store file [default: OUT/trendtrace.duckdb when PATHs are given, "
              "else ./trendtrace.duckdb].")
@setting_option("out")
@setting_option("window")
@setting_option("home_tz")
@click.option("--campaigns", type=click.Path(dir_okay=False), default=None,
              help="TOML or YAML file naming campaigns by hashtags and keywords.")
@click.option("--chats", "chats", multiple=True, type=click.Path(dir_okay=False), metavar="CHAT",
              help="An exported chat group (WhatsApp .txt, Telegram result.json) whose orders are matched to "
                   "the posts that carried them out (docs/chats.md); repeatable.")
@click.option("--chat-tz", "chat_tz", multiple=True, metavar="ZONE",
              help=_BY_NAME["chat_tz"].help + " Give it once for all chats, or once per chat in their order.")
@setting_option("chat_date_order", "--date-order")
@setting_option("show_phones")
@setting_option("engine")
@click.option("--posts", "posts_uri", default=None, metavar="URI",
              help="Analyse a Parquet data set in the store's posts schema where it lies, without copying it "
                   "into the store ('trendtrace convert' writes one); results go to a new --db.")
@click.option("--accounts", "accounts_uri", default=None, metavar="URI",
              help="With --posts: the data set's accounts.parquet (profiles; optional).")
@click.option("--format", "fmt", type=FORMAT_CHOICES, default="auto", show_default=True,
              help="Input format of PATHs.")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN", help="Column mapping for CSV/Parquet PATHs.")
@setting_option("on_error")
@setting_option("model")
@setting_option("min_co_actions")
@setting_option("traces")
@setting_option("pseudonymize")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Any other setting (see docs/settings.md); repeatable.")
@click.pass_obj
@handle_errors
def analyze(obj: _Ctx, paths: tuple[str, ...], db: str | None, out: str, window: int, home_tz: str,
            campaigns: str | None, chats: tuple[str, ...], chat_tz: tuple[str, ...], chat_date_order: str,
            show_phones: bool,
            engine: str, posts_uri: str | None, accounts_uri: str | None, fmt: str,
            mapping: tuple[str, ...], on_error: str, model: str, min_co_actions: int, traces: str,
            pseudonymize: bool, sets: tuple[str, ...]) -> None:
    """Find coordinated accounts, score accounts and trends, and write the report to OUT."""
    if posts_uri and paths:
        raise InputError("--posts: give input files or --posts, not both")
    if accounts_uri and not posts_uri:
        raise InputError("--accounts goes with --posts (input files carry their own accounts)")
    _check_tz(home_tz, auto=True)
    given = dict(window=window, home_tz=home_tz, engine=engine, on_error=on_error, model=model,
                 min_co_actions=min_co_actions, traces=traces, pseudonymize=pseudonymize, out=out,
                 chat_tz=_one_zone(chats, chat_tz), chat_date_order=chat_date_order, show_phones=show_phones)
    settings = Settings(**_merge_sets(given, _parse_sets(sets)))
    _writable_dir(out, "--out")
    # a bad export fails before anything is written; a zone given is stored with its chat's messages
    messages = _read_chats(chats, settings, obj.quiet, _chat_zones(chats, chat_tz))
    if db is None:
        # With --pseudonymize, OUT is meant for sharing: the store (real ids and handles) and its
        # rejects file (raw records) go to a sibling folder instead.
        home = private_folder(out) if pseudonymize else Path(out)
        db = str(home / "trendtrace.duckdb") if paths or posts_uri else _BY_NAME["db"].default
    if pseudonymize:
        _refuse_store_inside(db, out)
    if posts_uri:
        _results_store(db, posts_uri, accounts_uri, obj.quiet)
    if paths:
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        Path(out).mkdir(parents=True, exist_ok=True)
        _ingest(paths, db, fmt, parse_mapping_args(mapping), on_error, settings["chunk_rows"], obj.quiet)
    if chats:
        _store_chats(db, messages, chats, obj.quiet)
    written = _analyze(db, out, settings, campaigns, obj.quiet)
    _print_written(written, obj.quiet)


@main.command("chats")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="CHAT...")
@click.option("--chat-tz", "chat_tz", multiple=True, metavar="ZONE",
              help=_BY_NAME["chat_tz"].help + " Give it once for all chats, or once per chat in their order.")
@setting_option("chat_date_order", "--date-order")
@setting_option("show_phones")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Also write instructions.csv (the orders, without execution counts) into this folder.")
@click.pass_obj
@handle_errors
def chats_cmd(obj: _Ctx, paths: tuple[str, ...], chat_tz: tuple[str, ...], chat_date_order: str,
              show_phones: bool, out: str | None) -> None:
    """Parse exported chat groups and list the orders in them (docs/chats.md).

    Matching orders to posts needs the posts: trendtrace analyze POSTS --chats CHAT."""
    from rich.table import Table
    from rich.text import Text

    from .chats import orders_table
    from .summary import terminal_text

    zones = _chat_zones(paths, chat_tz)
    settings = Settings(chat_tz=_one_zone(paths, chat_tz), chat_date_order=chat_date_order, show_phones=show_phones)
    if out:
        _writable_dir(out, "--out")
    messages = _read_chats(paths, settings, obj.quiet, zones)
    table = orders_table(messages, settings)
    texts = sum(1 for m in messages if m.kind == "text")
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 200)  # the listing is the output: stdout
    tz = ", ".join(dict.fromkeys(z for z in zones if z)) or "the chat's own clock"
    grid = Table(title=f"{table.num_rows:,} order{'s' if table.num_rows != 1 else ''} in {texts:,} written "
                 f"message{'s' if texts != 1 else ''} (times: {tz})", title_justify="left")
    for col in ("order", "sent", "sender", "hashtags", "at", "min", "links", "text to copy"):
        grid.add_column(col, overflow="fold")
    for r in table.to_pylist():
        grid.add_row(r["instruction"], f"{r['sent_local']:%Y-%m-%d %H:%M}", Text(terminal_text(r["sender"], 24)),
                     Text(terminal_text(r["hashtags"], 60)),
                     "" if r["at_local"] is None else f"{r['at_local']:%Y-%m-%d %H:%M}",
                     "" if r["min_count"] is None else str(r["min_count"]), Text(terminal_text(r["links"], 80)),
                     Text(terminal_text(r["texts"], 80)))
    console.print(grid)
    if out:
        from .report.exports import write_orders_csv

        path = write_orders_csv(table, Path(out))
        click.echo(f"wrote {path}")


def _chat_zones(paths: Sequence[str], zones: Sequence[str]) -> list[str]:
    """The zone of each chat's clock: ``--chat-tz`` once for all, or once per chat ("" = not given)."""
    for z in zones:
        Settings(chat_tz=z)  # an unknown zone is an error, said the settings' way
    if not zones:
        return [""] * len(paths)
    if len(zones) == 1:
        return list(zones) * len(paths)
    if len(zones) != len(paths):
        raise InputError(f"--chat-tz: given {len(zones)} times for {len(paths)} chats; give it once for all, "
                         "or once per chat in the same order")
    return list(zones)


def _one_zone(paths: Sequence[str], zones: Sequence[str]) -> str:
    """The ``chat_tz`` setting of a run: the zone when one was given for every chat, else ""."""
    return zones[0] if len(set(zones)) == 1 else ""


def _read_chats(paths: Sequence[str], settings: Settings, quiet: bool, zones: list[str] | None = None) -> list[Any]:
    if not paths:
        return []
    from .chats import read_chats

    messages, warnings = read_chats(list(paths), settings, zones)
    for w in warnings:
        _console(quiet).print(f"warning: {w}", markup=False, highlight=False)
    return messages


def _store_chats(db: str, messages: list[Any], paths: Sequence[str], quiet: bool) -> None:
    from .store import Store

    if not Path(db).exists():
        raise InputError(f"--db {db}: no such store; give input files or ingest them first")
    with Store(db) as store:
        n = store.add_chats(messages)
    _console(quiet).print(f"{len(paths)} chat export{'s' if len(paths) != 1 else ''}: {n:,} messages stored",
                          markup=False, highlight=False)


def _remove_store(db: str) -> None:
    """Remove a store this command created and could not finish (the file and its WAL)."""
    for leftover in (Path(db), Path(f"{db}.wal")):
        leftover.unlink(missing_ok=True)


def _results_store(db: str, posts_uri: str, accounts_uri: str | None, quiet: bool) -> None:
    """A new store whose ``posts`` is a view over the Parquet data set (removed again on failure)."""
    from .store import Store

    if Path(db).exists():
        raise InputError(f"--db {db}: exists; --posts writes its results to a new store")
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    try:
        with Store(db) as store:
            n = store.use_parquet_posts(posts_uri, accounts_uri)
            accounts = store.count("accounts")
    except BaseException:
        _remove_store(db)
        raise
    _console(quiet).print(f"{posts_uri}: {n:,} posts read in place; {accounts:,} accounts; results store {db}")


def private_folder(out: str) -> Path:
    """Where ``analyze PATH --pseudonymize`` keeps its store: ``OUT-private`` beside ``OUT``."""
    o = Path(out).absolute()
    return o.with_name(o.name + "-private")


def _refuse_store_inside(db: str, out: str) -> None:
    o, d = Path(out).resolve(), Path(db).resolve()
    if o == d.parent or o in d.parents:
        raise InputError(f"--db {db}: with --pseudonymize the store (real ids and handles) must not sit inside the "
                         f"output folder {out}, which is meant for sharing; give a --db outside it")


def _merge_sets(given: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    """The command's own options overridden by ``--set NAME=VALUE``; a setting given both ways on the
    command line is an error (which one was meant?)."""
    ctx = click.get_current_context()
    for name in extra.keys() & given.keys():
        src = ctx.get_parameter_source(name)
        if src is not None and src.name == "COMMANDLINE":
            raise InputError(f"--set {name}=...: {name} is also given as --{name.replace('_', '-')}; give it once")
    return {**given, **extra}


def _print_written(written: Sequence[Path], quiet: bool) -> None:
    report = [p for p in written if p.name == "report.html"]
    if report:
        click.echo(f"report: {report[0]}")
    elif written:
        click.echo(f"outputs in {written[0].parent}")


# --------------------------------------------------------------------------- train / report / serve

@main.command()
@click.argument("labels", type=click.Path(dir_okay=False))
@setting_option("db")
@click.option("--model", "model_path", default="trendtrace-model.joblib", show_default=True,
              help="Where to save the trained model (use it with 'analyze --model FILE').")
@click.pass_obj
@handle_errors
def train(obj: _Ctx, labels: str, db: str, model_path: str) -> None:
    """Fit a supervised inauthenticity model on LABELS.csv (account_id,label) and the store's accounts."""
    from .accounts import train as fit
    from .store import Store

    if Path(model_path).is_dir():
        raise InputError(f"--model {model_path}: is a folder; give a file name, "
                         f"e.g. {Path(model_path) / 'model.skops'}")
    _writable_dir(str(Path(model_path).parent), "--model")

    with Store(db) as store:
        metrics = fit(store.con, labels, model_path, Settings())
    click.echo(f"model: {model_path}: {int(metrics['n'])} labelled accounts ({int(metrics['positives'])} inauthentic, "
               f"{int(metrics['unmatched'])} not in the store); cross-validated AUC {metrics['cv_auc']:.3f} "
               f"(sd {metrics['cv_auc_std']:.3f}, {int(metrics['folds'])} folds); held-out AUC "
               f"{metrics['holdout_auc']:.3f} on {int(metrics['holdout_n'])} accounts; "
               f"use it with 'trendtrace analyze --model {model_path}'")


@main.command()
@setting_option("db")
@setting_option("out")
@setting_option("pseudonymize")
@click.pass_obj
@handle_errors
def report(obj: _Ctx, db: str, out: str, pseudonymize: bool) -> None:
    """Rebuild report.html, report.json and the CSV/Gephi exports from an analysed store."""
    from .report import write_outputs
    from .store import Store

    _writable_dir(out, "--out")
    with Store(db, read_only=True) as store:
        if not store.has_table("runs"):
            raise InputError(f"{db}: not analysed yet; run 'trendtrace analyze --db {db}' first")
        written = write_outputs(store.con, out, Settings(pseudonymize=pseudonymize, out=out))
    _print_written(written, obj.quiet)


@main.command()
@setting_option("db")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback needs --expose.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--expose", is_flag=True,
              help="Allow a non-loopback --host: every request then needs the access token printed at start.")
@click.pass_obj
@handle_errors
def serve(obj: _Ctx, db: str, host: str, port: int, expose: bool) -> None:
    """Browse an analysed store in a local, read-only web dashboard."""
    from .report.serve import ServeError, StoreNotFound, check_host
    from .report.serve import serve as run
    from .store import Store

    try:
        check_host(host, expose)  # before the store: a refused host is the first thing to say
        Store(db, read_only=True).close()  # clear errors for a missing or incompatible store
        run(db, host, port, expose=expose, announce=lambda line: click.echo(line, err=True))
    except (ServeError, StoreNotFound) as exc:
        raise InputError(str(exc)) from None


# --------------------------------------------------------------------------- demo

@main.command()
@setting_option("out")
@setting_option("sim_seed", "--seed")
@click.option("--posts", type=click.IntRange(min=1000), default=None, help="Scale of the simulated scenario.")
@click.pass_obj
@handle_errors
def demo(obj: _Ctx, out: str, sim_seed: int, posts: int | None) -> None:
    """Simulate the default scenario, ingest it, analyse it and compare the findings with the truth."""
    from .demo import run_demo

    Settings(sim_seed=sim_seed)
    _writable_dir(out, "--out")

    run_demo(out, seed=sim_seed, posts=posts, quiet=obj.quiet,
             simulate=lambda d: _simulate(d, _BY_NAME["sim_scenario"].default, sim_seed, "x-v2", posts,
                                          _BY_NAME["sim_home_tz"].default, obj.quiet),
             ingest=lambda paths, db: _ingest(paths, db, "auto", {}, "skip", _BY_NAME["chunk_rows"].default, obj.quiet),
             analyze=lambda db, settings: _analyze(db, out, settings, None, obj.quiet))


def _register_comments() -> None:
    """``trendtrace comments``: rings of paraphrased comments (docs/comments.md), defined in its own
    module, which imports no model."""
    from .comments.command import comments_cmd

    main.add_command(comments_cmd)


_register_comments()


if __name__ == "__main__":  # pragma: no cover
    main()
