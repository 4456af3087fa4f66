"""The command line and the Markdown table the request benchmarks share (list, page, reports):
``--sizes``, ``--backends``, ``--runs``, then one row per backend, size and measured request."""

import argparse
import os


def run(bench, *, doc: str, what: str, sizes: str, backends: str, runs: int, kb=False, argv=None):
    """Parse the arguments, then print ``bench(backend, size, runs)``'s (name, result) rows."""
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
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            for name, r in bench(backend, size, args.runs):
                print(
                    f"| {backend} | {size:,} | {name} | {r['median']:.1f} | {r['p95']:.1f} "
                    f"| {r['cpu']:.1f} | {r['queries']} |" + (f" {r['kb']:.0f} |" if kb else ""),
                    flush=True,
                )
