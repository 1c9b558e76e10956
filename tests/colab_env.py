"""A fresh Colab-like environment for a chapter's notebook (used by the root conftest.py).

Colab has NumPy, Matplotlib and a Jupyter kernel; the first cell of each Colab notebook installs
the rest (_ext/colab.py). Under nbval each notebook runs in a new virtual environment holding
exactly that: the distributions of colab.COLAB_BASE and those the first cell names, with all
they depend on, and the package built as a wheel from the local checkout in place of the
repository URL. So a module a chapter imports but its first cell does not install fails the
run, as it would in Colab.

Making one is nearly free: the environment is a plain `python -m venv` without pip, and the
distributions are linked in from this venv's installed copies (the files their RECORD lists,
with the bytecode pip compiled), so nothing is downloaded, unpacked or compiled again, and the
versions are this venv's, i.e. requirements.txt's. The package is built and unpacked once per
pytest run (pytest-xdist workers share it through a file lock).
"""
import compileall
import csv
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import colab  # noqa: E402  (_ext/colab.py)


def run_folder(config):
    """The temporary folder of this pytest run, shared by its pytest-xdist workers."""
    run = config._tmp_path_factory.getbasetemp()
    return run.parent if hasattr(config, "workerinput") else run  # a worker's: <run>/popen-gwN


def package(folder):
    """The package as the first cell's `git+<repository>#subdirectory=code` installs it, but from
    the local checkout: built as a wheel (from a copy of code/, so that setuptools leaves no
    build/ folder in the checkout), unpacked into folder/site and compiled there; once per run.
    Returns folder/site, which holds oneoverm/ and its .dist-info."""
    folder = Path(folder)
    site = folder / "site"
    with FileLock(f"{folder}.lock"):
        if not site.exists():
            shutil.copytree(ROOT / "code", folder / "source", ignore=shutil.ignore_patterns(
                "build", "*.egg-info", "__pycache__"))
            subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--no-build-isolation", "--no-index", "--wheel-dir", folder, folder / "source"],
                           check=True, capture_output=True, timeout=300)
            with zipfile.ZipFile(next(folder.glob("oneoverm-*.whl"))) as wheel:  # pure Python
                wheel.extractall(folder / "unpacked")
            compileall.compile_dir(folder / "unpacked", quiet=1)
            (folder / "unpacked").rename(site)
    return site


def _link_files(dist, site):
    """Put the files of installed distribution `dist` that its RECORD lists under site-packages
    into `site`: a symbolic link for each top-level folder that is a regular package (it has an
    __init__.py, so no other distribution adds to it) or the distribution's own .dist-info,
    a hard link for every other file (modules, namespace packages such as sphinxcontrib/)."""
    source = str(dist.locate_file(""))
    files = [row[0] for row in csv.reader((dist.read_text("RECORD") or "").splitlines())
             if row and not row[0].startswith("..")]  # scripts and data outside site-packages
    tops = {f.split("/")[0] for f in files if "/" in f}
    whole = {t for t in tops if f"{t}/__init__.py" in files or t.endswith(".dist-info")}
    for top in whole:
        os.symlink(os.path.join(source, top), os.path.join(site, top))
    for file in files:
        if file.split("/")[0] in whole:
            continue
        dst = os.path.join(site, file)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            os.link(os.path.join(source, file), dst)
        except (FileExistsError, FileNotFoundError):
            pass  # listed by two distributions (a namespace package's file), or not there
        except OSError:  # another file system
            shutil.copy2(os.path.join(source, file), dst)


def make(dest, requirements, package_site):
    """A venv at `dest` with the Colab base, the distributions named by `requirements`
    ({module: requirement}, as in the first cell) and the package of package(); its Python."""
    import importlib.metadata as metadata

    from packaging.requirements import Requirement

    venv.EnvBuilder(with_pip=False, symlinks=True).create(dest)
    site = os.path.join(dest, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")
    names = [Requirement(r).name for module, req in requirements.items() if module != "oneoverm"
             for r in req.split()]
    for entry in Path(package_site).iterdir():
        os.symlink(entry, os.path.join(site, entry.name))
    package = metadata.Distribution.at(next(Path(package_site).glob("*.dist-info")))
    names += [Requirement(r).name for r in package.requires or [] if Requirement(r).marker is None]
    for name in sorted(colab.distributions_with_dependencies([*colab.COLAB_BASE, *names])):
        _link_files(metadata.distribution(name), site)
    return Path(dest) / "bin" / "python"


def start_kernel(python, cwd, startup_timeout):
    """nbval's RunningKernel, on the Python `python` with working directory `cwd` (nbval itself
    starts this venv's Python or a kernel installed by name)."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbval.kernel import RunningKernel

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Colab-like", language="python")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{Path(python).parent}{os.pathsep}{env.get('PATH', '')}"
    km = KernelManager(kernel_name="colab-like", kernel_spec_manager=ThisPython())
    km.start_kernel(stderr=subprocess.DEVNULL, cwd=str(cwd), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=startup_timeout)
    except RuntimeError:
        kc.stop_channels()
        km.shutdown_kernel()
        raise
    kernel = RunningKernel.__new__(RunningKernel)  # as RunningKernel.__init__, with this kernel
    kernel.km, kernel.kc = km, kc
    kernel._ensure_iopub_up()
    return kernel
