#!/usr/bin/env python3
"""`make bench`: how long the book takes to build and test on this machine.

Everything runs in a throw-away copy of the repository (edits to pages and to the package
included), with this repository's .venv and the copy's code/ first on PYTHONPATH, so neither
the working tree nor its _build is touched. Each build is `make book` in the copy (the strict
build; _ext/cache_guard.py and _ext/parallel_execution.py run inside it). Prints a table and
writes bench/results.json. It also measures the built site as a reader on a phone gets it
(bench/reader_speed.py: time to the first screen and to the whole page, bytes sent) and its size.

Usage: bench/bench.py [--runs N] [--test-runs N] [--reader-runs N] [--skip-test] [--skip-reader]
"""
import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
sys.path.insert(0, str(ROOT / "tests"))
from booksite import binder_distributions, copy_repository  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import reader_speed  # noqa: E402

PROSE_PAGE = "book/notation.md"  # edited by the prose-only and code-cell benchmarks


def run(cmd, cwd, env):
    """Run cmd; return (seconds, output). Fails loudly: a benchmark of a broken build is no benchmark."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                 + (proc.stdout + proc.stderr)[-3000:])
    return seconds, proc.stdout + proc.stderr


def executed_pages(log):
    """Pages executed in a build: by _ext/parallel_execution.py ('pre-executed book/x.md') or
    by myst-nb itself ('book/x.md: Executing notebook using ...')."""
    return sorted({m.group(1) for line in log.splitlines()
                   if "Executing notebook using" in line or line.startswith("pre-executed ")
                   for m in [re.search(r"book/([\w-]+)\.md", line)] if m})


def summary(times):
    return {
        "median_s": round(statistics.median(times), 2),
        "spread_s": round(max(times) - min(times), 2),  # max - min over the runs
        "runs": [round(t, 2) for t in times],
    }


def output_fingerprint(build):
    """The executed outputs of every page (no execution timestamps): equal for identical builds."""
    pages = {}
    for nb in sorted((build / "jupyter_execute").rglob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        pages[nb.name] = [c.get("outputs") for c in cells if c["cell_type"] == "code"]
    return pages


def cache_report(build):
    """Per page: execution time as stored in the execution report (jupyter-cache records)."""
    from jupyter_cache import get_cache

    report = {}
    for record in get_cache(build / ".jupyter_cache").list_cache_records():
        page = Path(record.uri).name if record.uri else str(record.pk)
        report[page] = round(record.data.get("execution_seconds", float("nan")), 2)
    return report


def page_times(copy):
    """Per page, executing it alone (one kernel, nothing else running): the wall time from
    kernel start to shutdown, and the sum of its code cells' own run time."""
    import jupytext
    from nbclient import NotebookClient

    times = {}
    for page in sorted((copy / "book").glob("*.md")):
        nb = jupytext.read(page)
        if not any(c.cell_type == "code" for c in nb.cells):
            continue
        start = time.perf_counter()
        with quiet_stderr():  # the kernels' start-up warnings
            NotebookClient(nb, timeout=60, record_timing=True, kernel_name="python3",
                           resources={"metadata": {"path": str(page.parent)}}).execute()
        alone = time.perf_counter() - start
        cells = 0.0
        for cell in nb.cells:
            t = cell.metadata.get("execution", {})
            if "iopub.execute_input" in t and "shell.execute_reply" in t:
                cells += (_ts(t["shell.execute_reply"]) - _ts(t["iopub.execute_input"]))
        times[page.stem] = {"alone_s": round(alone, 2), "cells_s": round(cells, 2)}
    return times


def binder_size_mb():
    """Installed size of the distributions requirements.txt brings (what a Binder user gets)."""
    import importlib.metadata as metadata

    total = 0
    for name in binder_distributions():
        dist = metadata.distribution(name)
        for file in dist.files or []:
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


@contextlib.contextmanager
def quiet_stderr():
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _ts(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs per build measurement")
    parser.add_argument("--test-runs", type=int, default=1, help="runs of make test and nbval")
    parser.add_argument("--skip-test", action="store_true", help="leave out make test and nbval")
    parser.add_argument("--reader-runs", type=int, default=5,
                        help="visits per page (reader speed; 5: medians of 3 swung by 20 %% on a shared machine)")
    parser.add_argument("--skip-reader", action="store_true", help="leave out the reader-speed benchmark")
    args = parser.parse_args()

    copy = Path(tempfile.mkdtemp(prefix="bench-")) / "repo"
    copy_repository(copy)
    env = dict(os.environ, PYTHONPATH=str(copy / "code"), PATH=f"{VENV / 'bin'}:{os.environ['PATH']}")
    make = ["make", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/.stamp"]  # never reinstall
    build = copy / "_build"
    results, pages_executed, fingerprints = {}, {}, []

    def measure(name, before=None, after=None, cmd=("book",), runs=args.runs):
        times = []
        for i in range(runs):
            if before:
                before(i)
            seconds, log = run(make + list(cmd), copy, env)
            times.append(seconds)
            print(f"  {name} run {i + 1}: {seconds:.1f} s", flush=True)
            if cmd == ("book",):  # make test shows no build log
                pages_executed[name] = executed_pages(log)
                print(f"    {len(pages_executed[name])} pages executed", flush=True)
            if after:
                after()
        results[name] = summary(times)

    def cold(i):
        shutil.rmtree(build, ignore_errors=True)

    def append(path, text):
        with open(copy / path, "a", encoding="utf-8") as f:
            f.write(text)

    print(f"bench: copy in {copy}", flush=True)
    # At least two cold builds, to check that they give identical outputs.
    measure("cold strict build", cold, lambda: fingerprints.append(output_fingerprint(build)),
            runs=max(args.runs, 2))
    report = cache_report(build)
    site = build / "html"
    site_mb = {"site_mb": round(sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6, 1),
               "static_mb": round(sum(f.stat().st_size for f in (site / "_static").rglob("*") if f.is_file()) / 1e6, 1)}
    reader = None if args.skip_reader else reader_speed.measure(site, runs=args.reader_runs)

    # The floor: Sphinx alone (execution off, not strict: glue references are then missing),
    # plus the cells' own run time shared out over the cores.
    config = (copy / "_config.yml").read_text()
    (copy / "_config.noexec.yml").write_text(
        config.replace("execute_notebooks: cache", 'execute_notebooks: "off"'))
    noexec = []
    for _ in range(args.runs):
        out = Path(tempfile.mkdtemp(prefix="noexec-"))
        seconds, _log = run([VENV / "bin" / "jupyter-book", "build", ".", "--path-output", out,
                             "--config", "_config.noexec.yml"], copy, env)
        noexec.append(seconds)
        shutil.rmtree(out)
    (copy / "_config.noexec.yml").unlink()
    results["build, execution off"] = summary(noexec)
    pages = page_times(copy)
    cores = os.cpu_count() or 1
    floor = results["build, execution off"]["median_s"] + sum(p["cells_s"] for p in pages.values()) / cores

    measure("rebuild, nothing changed")
    measure("rebuild, prose edit of one page",
            lambda i: append(PROSE_PAGE, f"\nA sentence added by the benchmark ({i}).\n"))
    measure("rebuild, code-cell edit of one page",
            lambda i: append(PROSE_PAGE, f"\n```{{code-cell}} ipython3\n_bench = {i}\n```\n"))
    measure("rebuild, package changed",
            lambda i: append("code/oneoverm/__init__.py", f"\n# changed by the benchmark ({i})\n"))

    if not args.skip_test:
        measure("make test (browser tests excluded)", cmd=["test", "PYTEST_ARGS=-m 'not browser'"],
                runs=args.test_runs)
        measure("make test (all)", cmd=["test"], runs=args.test_runs)
        nbval = []
        for _ in range(args.test_runs):
            seconds, _log = run([VENV / "bin" / "python", "-m", "pytest", "book", "-q", "-p", "no:cacheprovider",
                                 "-n", "auto"],  # as make test runs it
                                copy, env)
            nbval.append(seconds)
        results["nbval alone (pytest book)"] = summary(nbval)

    env_mb = sum(f.stat().st_size for f in Path(VENV).rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    binder_mb = binder_size_mb()
    data = {
        "machine": {"cores": cores, "python": platform.python_version(), "platform": platform.platform()},
        "runs": args.runs,
        "timings": results,
        "pages_executed": {k: len(v) for k, v in pages_executed.items()},
        # execution_s: in the cold build, pages sharing the cores (the execution report)
        "per_page": {p: {"execution_s": report.get(p + ".md", report.get(p)), **t} for p, t in pages.items()},
        "floor_s": round(floor, 2),
        "cold_over_floor": round(results["cold strict build"]["median_s"] / floor, 2),
        "identical_outputs_in_cold_builds": all(f == fingerprints[0] for f in fingerprints),
        "site": site_mb,
        "reader_speed": reader,
        "environment_mb": round(env_mb),
        "binder_environment_mb": round(binder_mb),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    print_table(data)
    shutil.rmtree(copy.parent)


def print_table(data):
    print(f"\n{'measurement':<42} {'median s':>9} {'spread s':>9} {'pages run':>9}")
    for name, t in data["timings"].items():
        pages = data["pages_executed"].get(name, "")
        print(f"{name:<42} {t['median_s']:>9.1f} {t['spread_s']:>9.1f} {pages!s:>9}")
    print(f"\n{'page':<32} {'in cold build s':>15} {'alone s':>8} {'cells s':>8}")
    for page, t in data["per_page"].items():
        print(f"{page:<32} {t['execution_s']!s:>15} {t['alone_s']:>8.2f} {t['cells_s']:>8.2f}")
    print("(in cold build: pages share the cores; alone: one kernel, start to shutdown)")
    print(f"\nfloor (execution off + cells / {data['machine']['cores']} cores): {data['floor_s']:.1f} s;"
          f" cold / floor = {data['cold_over_floor']}")
    print(f"cold builds give identical executed outputs: {data['identical_outputs_in_cold_builds']}")
    print(f"environment (.venv): {data['environment_mb']} MB;"
          f" of which Binder installs (requirements.txt): {data['binder_environment_mb']} MB")
    print(f"site: {data['site']['site_mb']} MB, of which _static/ {data['site']['static_mb']} MB")
    if data["reader_speed"]:
        reader_speed.print_table(data["reader_speed"])
    print("written: bench/results.json")


if __name__ == "__main__":
    main()
