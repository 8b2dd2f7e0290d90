"""Command line: ``python -m ember demo | info | bench``."""

from __future__ import annotations

import argparse
import sys


def _info(_: argparse.Namespace) -> int:
    import ember

    for key, value in ember.build_info().items():
        print(f"{key:>15}: {value}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    import ember
    from ember.demo import run_cnn_demo, run_lstm_demo

    if args.threads:
        ember.set_num_threads(args.threads)
    ok = True
    if args.only in (None, "cnn"):
        result = run_cnn_demo(epochs=args.epochs or 30, batch_size=args.batch_size)
        ok &= result["test_accuracy"] >= 0.97
    if args.only in (None, "lstm"):
        result = run_lstm_demo(epochs=args.epochs or 15, batch_size=args.batch_size)
        ok &= result["test_rmse"] < result["naive_rmse"]
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ember``.

    Example:
        >>> main(["info"])  # doctest: +SKIP
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        # The bench package (and its options) load only for this command.
        from ember.bench.cli import main as bench_main

        return bench_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m ember", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="print the build configuration").set_defaults(run=_info)
    demo = commands.add_parser(
        "demo", help="train a CNN on the bundled digits and an LSTM on the bundled CO2 record"
    )
    demo.add_argument("--only", choices=("cnn", "lstm"), help="run one of the two demos")
    demo.add_argument("--epochs", type=int, default=0, help="0: 30 for the CNN, 15 for the LSTM")
    demo.add_argument("--batch-size", type=int, default=32)
    demo.add_argument("--threads", type=int, default=0, help="0: all cores")
    demo.set_defaults(run=_demo)
    # Listed for --help only: main() hands `bench ...` to ember.bench.cli before parsing.
    commands.add_parser(
        "bench",
        help="benchmark ember against PyTorch (and Keras); see python -m ember bench --help",
    )
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
