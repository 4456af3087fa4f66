"""The command line and the Markdown table the request benchmarks share (board, list, page,
reports, visibility): ``--sizes``, ``--backends``, ``--runs``, then one row per backend, size
and measured request."""

import argparse
import os


def command(
    bench, doc: str, what: str, *, sizes: str, backends: str, runs: int, kb=False, last=None
):
    """The benchmark's ``main(argv=None)``: parse the arguments, then print the (name, result)
    rows of ``bench(backend, size, runs)``; ``last(rows, runs)``, when given, measures one more
    (name, result) row from all the others, printed on no backend and no size."""

    def main(argv=None) -> None:
        parser = argparse.ArgumentParser(description=doc.splitlines()[0])
        parser.add_argument("--sizes", default=sizes)
        parser.add_argument("--backends", default=backends)
        parser.add_argument("--runs", type=int, default=runs)
        args = parser.parse_args(argv)
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"| backend | deals | {what} | median ms | p95 ms | CPU ms (median) | queries |"
            + (" KB |" if kb else "")
        )
        print("|---|---:|---|---:|---:|---:|---:|" + ("---:|" if kb else ""))
        measured = []
        for backend in args.backends.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                for name, result in bench(backend, size, args.runs):
                    measured.append((name, result))
                    _row(backend, f"{size:,}", name, result, kb)
        if last is not None:
            _row("—", "—", *last(measured, args.runs), kb)

    return main


def _row(backend: str, size: str, name: str, r: dict, kb: bool) -> None:
    print(
        f"| {backend} | {size} | {name} | {r['median']:.1f} | {r['p95']:.1f} "
        f"| {r['cpu']:.1f} | {r['queries']} |" + (f" {r['kb']:.0f} |" if kb else ""),
        flush=True,
    )
