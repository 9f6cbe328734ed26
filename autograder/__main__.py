"""``python -m autograder COMMAND``: the course's instructor tools.

Commands:
  generate [NAME ...]   regenerate notebooks/ (student versions) from solutions/ with nbgrader
  normalize [PATH ...]  strip outputs and fix cell ids of notebooks (default: solutions/*.ipynb)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import NOTEBOOKS, SOLUTIONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="regenerate notebooks/ from solutions/")
    gen.add_argument("names", nargs="*", help="notebook names (default: all)")
    norm = sub.add_parser("normalize", help="strip outputs, stabilize cell ids")
    norm.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)

    if args.command == "generate":
        from .notebooks import generate

        for path in generate(args.names or None):
            print(f"wrote {path.relative_to(NOTEBOOKS.parent)}")
        return 0
    if args.command == "normalize":
        from .notebooks import normalize_file

        paths = args.paths or sorted(SOLUTIONS.glob("*.ipynb"))
        for path in paths:
            if normalize_file(path):
                print(f"normalized {path}")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
