#!/usr/bin/env python3
"""The single-writer SQLite baseline of BENCHMARKS.md (issue 17).

One thread commits one submission per transaction: one `response` row and five `answer` rows, on a
fresh file in WAL mode with `synchronous=FULL` -- what a plain program does when every answer pays its
own fsync. The service is compared against the submissions per second printed here, measured in the
same run on the same disk.

    python3 scripts/bench_single_writer.py --count 5000 [--dir /tmp]

Prints one line: `single-writer: N commits in S s = R/s`.
"""
import argparse
import os
import sqlite3
import tempfile
import time
import uuid

SCHEMA = """
CREATE TABLE response (
    id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, link_id TEXT, recorded_on TEXT NOT NULL,
    score REAL NOT NULL, total REAL NOT NULL, flagged INTEGER NOT NULL, speeder INTEGER NOT NULL,
    diarahkan INTEGER NOT NULL, sealed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_response_campaign ON response (campaign_id, id);
CREATE TABLE answer (
    response_id TEXT NOT NULL, item TEXT NOT NULL, value INTEGER NOT NULL, flagged INTEGER NOT NULL,
    campaign_id TEXT NOT NULL, PRIMARY KEY (response_id, item)
);
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--dir", default=None, help="where the database file goes (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        path = os.path.join(d, "baseline.sqlite")
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        campaign = str(uuid.uuid4())
        start = time.perf_counter()
        for i in range(args.count):
            rid = str(uuid.uuid4())
            db.execute("BEGIN")
            db.execute(
                "INSERT INTO response (id, campaign_id, link_id, recorded_on, score, total, flagged, speeder, diarahkan) "
                "VALUES (?, ?, NULL, '2026-11-30', 3.2, 16, 0, 0, 0)",
                (rid, campaign),
            )
            db.executemany(
                "INSERT INTO answer (response_id, item, value, flagged, campaign_id) VALUES (?, ?, ?, 0, ?)",
                [(rid, f"q{j}", 1 + (i + j) % 4, campaign) for j in range(5)],
            )
            db.execute("COMMIT")
        secs = time.perf_counter() - start
        db.close()
    print(f"single-writer: {args.count} commits in {secs:.2f} s = {args.count / secs:.0f}/s")


if __name__ == "__main__":
    main()
