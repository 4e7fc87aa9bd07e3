"""Regenerates the Hessian spectrum tables in docs/tables (run from the repository root):

    PYTHONPATH=. python docs/tables/generate.py

Each family is computed once and written in every format; the same tables
come out of the command line one format at a time, e.g.

    relu-landscape table --partition d-1,1 --d 6..20 --format md --figure type_A_d6-20.png
    relu-landscape table --partition d-2,2 --d 6..20 --format csv
    relu-landscape table --partition d-1,1 --d 10,100,1000,10000
"""

from pathlib import Path

from landscape.io import atomic_write_text
from landscape.tables import family_table, format_table, parse_range, plot_table

HERE = Path(__file__).resolve().parent

JOBS = [
    ("d-1,1", "6..20", "type_A_d6-20", True),
    ("d-2,2", "6..20", "type_d-2_2_d6-20", True),
    ("d-1,1", "10,100,1000,10000", "type_A_large_d", False),
]

if __name__ == "__main__":
    for partition, ds, stem, figure in JOBS:
        rows = family_table(partition, parse_range(ds), seed=0, progress=True)
        for fmt in ("md", "csv", "tex", "json"):
            atomic_write_text(HERE / f"{stem}.{fmt}", format_table(rows, fmt, partition))
        if figure:
            plot_table(rows, HERE / f"{stem}.png", title=f"Hessian spectrum of the family {partition}")
        print(f"{stem}: {len(rows)} rows", flush=True)
