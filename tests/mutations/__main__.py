"""``python -m tests.mutations [report] [--module nb07] [--markdown] [--verbose]``.

Runs the mutation suite through the course's checks and prints a table per exercise
(mutations, rejected, named, and the descriptions of the unnamed and accepted ones), then
per notebook and overall. ``--markdown`` prints the tables of docs/mutations.md;
``--verbose`` adds every mutation's outcome and the first line of its message.
Exit status 1 when a mutation is accepted (passes the visible and hidden checks).
"""

from __future__ import annotations

import argparse
import sys
import time

from . import report, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutations", description=__doc__)
    parser.add_argument("command", nargs="?", default="report", choices=["report"])
    parser.add_argument("--module", help="one module of tests/mutations, e.g. nb07")
    parser.add_argument("--markdown", action="store_true", help="tables for docs/mutations.md")
    parser.add_argument("--verbose", "-v", action="store_true", help="every mutation's outcome")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    outcomes = run(args.module)
    print(report(outcomes, markdown=args.markdown, verbose=args.verbose))
    print(f"\n{len(outcomes)} mutations judged in {time.perf_counter() - t0:.1f} s")
    return 0 if all(o.rejected for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
