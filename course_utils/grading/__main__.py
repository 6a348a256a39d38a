"""``python -m course_utils.grading <command>``: the instructor's command line.

Each subcommand lives in its own module of this package and exposes ``add_parser(subparsers)``, which
registers the subcommand and sets ``func(args) -> exit code``. Adding a command is one entry in
``COMMAND_MODULES`` (e.g. ``"batch"`` for ``grade``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = ("assign", "batch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading",
                                     description="Exercise tools for the Loss Landscapes course.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
