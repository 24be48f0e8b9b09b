"""Renders HTML letters to PDF with WeasyPrint in a pool of processes, one per core,
and prints {"letters": N, "seconds": S, "per_s": R, "harfbuzz_subset": B} as JSON. Used by
`guichet bench letters`.

WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is installed (Debian package
libharfbuzz-subset0) and otherwise falls back to fontTools, which it calls deprecated and which
is about five times slower; the bench reports which one ran so the peer is never handicapped
unknowingly."""
import json
import multiprocessing
import os
import sys
import time


def render(path):
    from weasyprint import HTML
    pdf = HTML(filename=path).write_pdf()
    return len(pdf)


BARRIER = None


def warm(path, barrier):
    """Runs once in every worker process before any timed task: imports, font
    discovery and the fonts of a real letter are not counted (Guichet's workers
    are warmed with a real letter too)."""
    global BARRIER
    BARRIER = barrier
    from weasyprint import HTML
    HTML(filename=path).write_pdf()


def ready(_):
    """Returns once every worker holds one of these tasks: all of them have
    finished warming, whatever the time each took, before the clock starts."""
    BARRIER.wait()
    return os.getpid()


def main():
    folder, procs = sys.argv[1], int(sys.argv[2])
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".html"))
    barrier = multiprocessing.Barrier(procs)
    with multiprocessing.Pool(procs, initializer=warm, initargs=(files[0], barrier)) as pool:
        pids = pool.map(ready, range(procs), chunksize=1)
        assert len(set(pids)) == procs, "every worker warmed"
        start = time.perf_counter()
        sizes = pool.map(render, files, chunksize=1)
        seconds = time.perf_counter() - start
    assert all(s > 1000 for s in sizes)
    from weasyprint.text.ffi import harfbuzz_subset
    print(json.dumps({"letters": len(files), "seconds": seconds, "per_s": len(files) / seconds,
                      "harfbuzz_subset": harfbuzz_subset is not None}))


if __name__ == "__main__":
    main()
