"""Never serve a page computed with an older package (a local Sphinx extension, see _config.yml).

jupyter-cache re-executes a page only when the page's own code cells change; a page that
imports oneoverm would keep showing the results of an old package. So, before Sphinx loads
its saved environment (config-inited), this hashes requirements.txt, requirements-dev.txt,
package-lock.json (KaTeX, which renders the math into the pages), code/pyproject.toml and
every code/oneoverm/**/*.py (names and contents). If the hash differs from the one stored in
<build>/.package-hash, it deletes the execution cache (the executed outputs) and the doctrees
(Sphinx re-reads only changed pages, so the unchanged ones would keep their old outputs),
then stores the new hash. Every build is guarded: `make book`, `jupyter-book build .` by hand,
CI. tests/test_cache_guard.py proves it.
"""
import hashlib
import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def package_hash(root):
    files = [root / "requirements.txt", root / "requirements-dev.txt", root / "package-lock.json",
             root / "code" / "pyproject.toml"]
    files += sorted((root / "code" / "oneoverm").rglob("*.py"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


def guard(app, config):
    build = Path(app.outdir).parent  # <build>/html -> <build>
    stored = build / ".package-hash"
    new = package_hash(Path(app.srcdir))
    old = stored.read_text().strip() if stored.exists() else None
    if new == old:
        return
    if old is not None:
        logger.info("cache-guard: the package or a requirements file changed")
    execution_cache = Path(config.nb_execution_cache_path or build / ".jupyter_cache")
    for stale in (execution_cache, Path(app.doctreedir)):
        if stale.exists():
            shutil.rmtree(stale)
            logger.info(f"cache-guard: removed {stale}")
    build.mkdir(parents=True, exist_ok=True)
    stored.write_text(new + "\n")


def setup(app):
    app.connect("config-inited", guard)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
