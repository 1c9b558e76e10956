"""Execute the chapters in parallel, before Sphinx reads them (a local extension; CONTRIBUTING.md, "Speed").

With `execute_notebooks: cache`, myst-nb executes each page that is missing from the
execution cache while Sphinx reads it, so pages run one after another and a 2-core machine
idles half the time. Just before Sphinx reads (env-before-read-docs), this extension finds
those pages, reading each exactly as myst-nb will (same reader, same configuration, so the
cache key is the same), and starts executing them in a pool of worker processes (one more
than the cores), longest first. Sphinx reads the other pages meanwhile, then the executed
ones in the order they were started; just before it reads one (source-read), its result is
stored in the cache as myst-nb would store it, and myst-nb finds it there.

A page whose pre-execution fails is not stored: myst-nb executes it again and reports the
error itself, so error messages and `raise_on_error` behave exactly as without this extension.
A kernel that does not answer within STARTUP_TIMEOUT seconds is replaced once, so a busy
machine never waits nbclient's minute for a kernel that will not come.
Set the environment variable BOOK_EXECUTION_WORKERS to change the number of workers (1 turns
the extension off).
"""
import copy
import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext, suppress
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory

from sphinx.util import logging

logger = logging.getLogger(__name__)


# Seconds a kernel has to answer before it is given up (nbclient waits 60 s): one starts in
# about 1 s here, and in a few seconds on a machine busy with `make test`.
STARTUP_TIMEOUT = 20


def workers():
    """One more than the cores: a kernel idles while it starts and shuts down (measured on
    2 cores: pre-execution 11.4 s with 2 workers, 9.6 s with 3, 10.0 s with 4)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, int(os.environ.get("BOOK_EXECUTION_WORKERS", (cores or 1) + 1)))


def _execute(notebook, cwd, timeout, allow_errors, in_temp):
    """In a worker process: execute one notebook as myst-nb's cache client does.

    A kernel that does not answer within STARTUP_TIMEOUT (a busy machine, or two kernels
    started at once on the same port) is given up and the page run once more in a new
    kernel, instead of waiting nbclient's 60 s; if that fails too, myst-nb runs the page.
    """
    from jupyter_cache.executors.utils import single_nb_execution

    for attempt in range(2):
        run = copy.deepcopy(notebook)
        try:
            with TemporaryDirectory() if in_temp else nullcontext(cwd) as folder:
                result = single_nb_execution(run, cwd=os.path.abspath(folder), timeout=timeout,
                                             allow_errors=allow_errors, meta_override=True,
                                             startup_timeout=STARTUP_TIMEOUT,
                                             # the outputs are in: stop the kernel at once
                                             # (a graceful shutdown waits ~0.1 s more per page)
                                             shutdown_kernel="immediate")
        except Exception as error:  # no kernel, or it died: once more, then myst-nb's turn
            failure = _reason(error) + (" (twice)" if attempt else "")
            continue
        return run, result.time, None if result.err is None else _reason(result.err)
    return None, None, failure


def _reason(error):
    """The exception's name and the last line of its message (a cell error's own last line)."""
    lines = str(error).strip().splitlines()
    return type(error).__name__ + (f": {lines[-1][:200]}" if lines else "")


def _pending(env, docnames, cache):
    """(docname, path, notebook, read format) of each page to be read that myst-nb would execute."""
    from myst_nb.core.read import create_nb_reader

    nb_config = env.mystnb_config
    pending = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if path.suffix not in {".md", ".ipynb"} or not path.is_file():
            continue
        if any(PurePosixPath(path.as_posix()).match(p) for p in nb_config.execution_excludepatterns):
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:  # plain Markdown: nothing to execute
            continue
        notebook = reader.read(text)
        if nb_config.metadata_key in notebook.metadata or nb_config.kernel_rgx_aliases:
            continue  # per-page overrides: leave such pages to myst-nb
        with suppress(KeyError):
            cache.match_cache_notebook(notebook)
            continue  # already cached
        pending.append((docname, path, notebook, reader.read_fmt))
    return pending


def _code_size(notebook):
    return sum(len(cell.source) for cell in notebook.cells if cell.cell_type == "code")


class _Run:
    """The pages being executed in one build, and the pool executing them."""

    def __init__(self, app, cache, pending, n):
        from jupyter_cache.base import CacheBundleIn

        self.app, self.cache, self.bundle = app, cache, CacheBundleIn
        self.start = time.perf_counter()
        # fork: a worker starts at once (spawn would re-import Jupyter Book in each, ~1 s)
        context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
        self.pool = ProcessPoolExecutor(n, mp_context=context)
        nb_config = app.env.mystnb_config
        self.pages = {
            docname: (self.pool.submit(_execute, notebook, str(path.parent),
                                       nb_config.execution_timeout,
                                       nb_config.execution_allow_errors,
                                       nb_config.execution_in_temp), path, read_fmt)
            for docname, path, notebook, read_fmt in pending
        }

    def collect(self, docname):
        """Wait for a page's execution and store the result in the cache."""
        future, path, read_fmt = self.pages.pop(docname)
        executed, seconds, failed = future.result()
        name = os.path.relpath(path, self.app.srcdir)
        if failed:
            logger.info(f"pre-execution of {name} failed ({failed}); myst-nb runs it again")
        else:
            record = self.cache.add_nb_to_project(str(path), read_data=read_fmt)
            self.cache.cache_notebook_bundle(
                self.bundle(executed, record.uri, data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True)
            logger.info(f"pre-executed {name} in {seconds:.2f} s")
        if not self.pages:
            self.close()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
        logger.info(f"pre-execution done in {time.perf_counter() - self.start:.1f} s")


def start(app, env, docnames):
    """env-before-read-docs: start executing the pages to be read that miss the cache."""
    nb_config = getattr(env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache" or workers() < 2:
        return
    from jupyter_cache import get_cache

    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    pending = _pending(env, docnames, cache)
    if len(pending) < 2:
        return  # nothing to gain: myst-nb executes it while reading
    pending.sort(key=lambda page: -_code_size(page[2]))  # longest first: the pool ends evenly
    n = min(workers(), len(pending))
    logger.info(f"pre-executing {len(pending)} pages on {n} processes")
    app.parallel_execution = _Run(app, cache, pending, n)
    # Read the other pages first, then the executed ones in the order they were started
    # (the order they finish in, near enough). The list is Sphinx's, changed in place.
    started = [docname for docname, *_ in pending]
    docnames[:] = [d for d in docnames if d not in started] + started


def collect(app, docname, source):
    """source-read: a page is about to be read; store its execution result first."""
    run = getattr(app, "parallel_execution", None)
    if run is not None and docname in run.pages:
        run.collect(docname)


def finish(app, env):
    """env-updated: every page is read; stop the pool if a started page was not read."""
    run = getattr(app, "parallel_execution", None)
    if run is not None:
        if run.pages:
            run.close()
        del app.parallel_execution


def setup(app):
    app.connect("env-before-read-docs", start)
    app.connect("source-read", collect)
    app.connect("env-updated", finish)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
