"""The demo: simulate the default scenario (posts and the chat groups behind its campaigns), ingest,
analyse, and set the findings against the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from collections.abc import Callable

from .settings import Settings

__all__ = ["run_demo"]


def run_demo(
    out: str,
    *,
    seed: int,
    posts: int | None,
    quiet: bool,
    simulate: Callable[[str], Any],
    ingest: Callable[[list[str], str], Any],
    analyze: Callable[[str, Settings], list[Path]],
) -> None:
    """Run the whole job on simulated data and print a summary that leads with the verdicts.

    The CLI passes its own simulate/ingest/analyze steps (with progress display) so this stays a
    plain sequence.
    """
    from rich.console import Console
    from rich.table import Table

    from .evaluate import coordination_recovery, trend_accuracy
    from .store import Store

    console = Console(quiet=quiet, soft_wrap=True)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = simulate(str(out_dir / "sim"))
    db = out_dir / "trendtrace.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)  # the demo's own store: start clean so reruns are identical
    ingest([str(p) for p in sim.data_paths], str(db))
    chats = sim.truth.get("chats") or []
    if chats:  # the WhatsApp groups that ran the campaigns, each on its operators' clock
        from .chats import read_chats

        messages, _ = read_chats([str(sim.labels_dir.parent / c["path"]) for c in chats], Settings(),
                                 [c["chat_tz"] for c in chats])
        with Store(db) as st:
            st.add_chats(messages)
    written = analyze(str(db), Settings(out=str(out_dir)))

    with Store(db, read_only=True) as store:
        con = store.con
        truth = {}
        from .evaluate import read_labels

        for r in read_labels(sim.labels_dir, "trends"):
            truth[r["trend"]] = r["truth"]
        rows = con.execute(
            "SELECT trend, verdict, score, posts, accounts, evidence FROM trends ORDER BY score DESC, posts DESC"
        ).fetchall()
        table = Table(title="Trend verdicts (simulated data; truth from the simulator)", show_lines=False)
        for col in ("trend", "verdict", "score", "posts", "accounts", "truth"):
            table.add_column(col, justify="right" if col in ("score", "posts", "accounts") else "left")
        shown = [r for r in rows if r[0] in truth][:15]
        for trend, verdict, score, n_posts, n_accounts, _ in shown:
            t = truth.get(trend, "")
            mark = "" if not t else (" ✓" if t == verdict else " ✗")
            table.add_row("#" + trend, verdict, f"{score:.2f}", f"{n_posts:,}", f"{n_accounts:,}", t + mark)
        console.print(table)
        if shown:
            console.print(f"evidence for #{shown[0][0]}: {shown[0][5]}")
        acc = trend_accuracy(con, sim.labels_dir)
        rec = coordination_recovery(con, sim.labels_dir)
        console.print(
            f"verdicts match the truth for {acc['accuracy']:.0%} of {acc['trends']} labelled trends; "
            f"coordinated accounts found: precision {rec['precision']:.2f}, recall {rec['recall']:.2f} "
            f"({rec['true_positives']} campaign accounts found, {rec['false_positives']} organic flagged, "
            f"{rec['false_negatives']} missed)"
        )
        for c in rec["clusters"][:8]:
            console.print(f"  cluster {c['cluster']}: {c['accounts']} accounts, {c['purity']:.0%} {c['majority']}")
        if chats:
            from .evaluate import chat_recovery

            ch = chat_recovery(con, sim.labels_dir)
            console.print(
                f"chat orders ({len(chats)} WhatsApp groups, {ch['orders']} orders read): accounts that carried "
                f"them out found with precision {ch['precision']:.2f}, recall {ch['recall']:.2f} "
                f"({ch['found']} order-account pairs; {ch['bystanders_in']} of {ch['bystanders']} organic users of "
                "the same hashtags let in; instructions.csv, executions.csv)")
    report = [p for p in written if p.name == "report.html"]
    print(f"report: {report[0] if report else out_dir}")
