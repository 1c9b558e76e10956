"""Executing pages in parallel (_ext/parallel_execution.py) changes nothing in the book.

A two-page book is built twice from nothing in a copy of the repository: once with the
extension turned off (BOOK_EXECUTION_WORKERS=1: myst-nb executes each page while Sphinx
reads it) and once with it on. The logs must show who executed the pages, and every HTML
page must come out byte for byte the same (printed text, glued values, figures).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from booksite import NOTEBOOK_FRONT_MATTER, copy_repository

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
PAGES = {
    "first": """
(first)=
# First

```{code-cell} ipython3
import numpy as np
from myst_nb import glue

import oneoverm as om

X, Y = om.disc_dataset(8, rng=1)
print(X.shape, float(X.sum()))
glue("first-mean", float(X.mean()), display=False)
```

The mean is {glue:text}`first-mean:.6f`.
""",
    "second": """
(second)=
# Second

```{code-cell} ipython3
import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

import oneoverm as om
from oneoverm import plotting

plotting.use_book_style()
z = np.linspace(-5, 5, 101)
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot(z, om.sigmoid(z))
glue("second-figure", fig, display=False)
plt.close(fig)
```

```{glue:figure} second-figure
:alt: The sigmoid from -5 to 5.

The sigmoid.
```
""",
}


def build(repo, out, workers):
    env = dict(os.environ, PYTHONPATH=str(repo / "code"), BOOK_EXECUTION_WORKERS=str(workers))
    run = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(repo), "--path-output", str(out), "-n", "-W", "--keep-going"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    html = out / "_build" / "html" / "book"
    return log, {p.name: p.read_bytes() for p in sorted(html.glob("*.html"))}


@pytest.mark.build
def test_parallel_execution_gives_the_same_pages_as_myst_nb_alone(tmp_path):
    repo = tmp_path / "repo"
    copy_repository(repo)
    (repo / "_toc.yml").write_text("format: jb-book\nroot: book/first\nchapters:\n- file: book/second\n")
    for name, body in PAGES.items():
        (repo / "book" / f"{name}.md").write_text(NOTEBOOK_FRONT_MATTER + body)

    log_alone, alone = build(repo, tmp_path / "alone", workers=1)
    log_parallel, parallel = build(repo, tmp_path / "parallel", workers=2)

    assert "pre-executed" not in log_alone and log_alone.count("Executing notebook using") == 2
    assert log_parallel.count("pre-executed book/") == 2
    assert "Executing notebook using" not in log_parallel
    assert set(alone) == set(parallel) == {"first.html", "second.html"}
    for name in alone:
        assert alone[name] == parallel[name], f"{name} differs between the two builds"
    assert b"<img" in alone["second.html"]
