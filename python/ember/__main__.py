"""Command line: ``python -m ember info``."""

from __future__ import annotations

import argparse
import sys


def _info(_: argparse.Namespace) -> int:
    import ember

    for key, value in ember.build_info().items():
        print(f"{key:>15}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ember``."""
    parser = argparse.ArgumentParser(prog="python -m ember", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="print the build configuration").set_defaults(run=_info)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
