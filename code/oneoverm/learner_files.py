"""Load a learner's .py file or Jupyter notebook by its definitions only. Introduced in {ref}`check-your-code`.

:func:`load_definitions` runs a file's imports, its function and class definitions and its
constants (assignments without a call), one statement at a time, so that one failure stops nothing
else; not its calls, prints, tests, training or plots, nor a notebook's ``%magics``, ``!shell``
lines and ``name?`` help. A notebook's ``%run path/helper.py`` loads that file's definitions too
(a path from another machine is looked up by its file name in the notebook's folder). A module in
the file's folder is loaded the same way; an installed module is imported when the code first uses
it, so an unused ``import matplotlib`` costs nothing; a module that is not installed binds
:class:`Unavailable` placeholders, and using one raises :class:`UnavailableError`, naming the
module. Load inside :func:`in_folder`: the file's folder as working directory and on the import
path, as when the learner runs it there.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import json
import linecache
import os
import re
import shlex
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path


class LoadError(ValueError):
    """The file cannot be read as Python: no such file, not a notebook, a syntax error in a .py file."""


class UnavailableError(ImportError):
    """A name was used whose module could not be imported; ``name`` is the module."""


class Unavailable:
    """Bound where an import failed: using it raises :class:`UnavailableError` naming the module."""

    __slots__ = ("_what",)

    def __init__(self, name: str, module: str, reason: str):
        object.__setattr__(self, "_what", (name, module, reason))

    def _fail(self):
        name, module, reason = self._what
        what = f"the module {module} could not be imported" if name == module else \
            f"{name} comes from the module {module}, which could not be imported"
        raise UnavailableError(f"{what} when the file was loaded ({reason})", name=module)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __call__(self, *args, **kwargs):
        self._fail()

    def __repr__(self):
        return f"<unavailable {self._what[0]} from {self._what[1]}>"


_UNSET = object()


class Deferred:
    """An installed module (or a name from one) that is imported when the code first uses it."""

    __slots__ = ("_module", "_attr", "_top", "_target")

    def __init__(self, module: str, attr: str | None = None, top: bool = False):
        for key, value in (("_module", module), ("_attr", attr), ("_top", top), ("_target", _UNSET)):
            object.__setattr__(self, key, value)

    def resolve(self):
        """The module or object itself (imported now, if not yet)."""
        if self._target is _UNSET:
            try:
                target = importlib.import_module(self._module)
                if self._top:                        # `import a.b` binds a
                    target = sys.modules[self._module.split(".")[0]]
                elif self._attr is not None:
                    target = (getattr(target, self._attr) if hasattr(target, self._attr)
                              else importlib.import_module(f"{self._module}.{self._attr}"))
            except (Exception, SystemExit) as err:
                raise UnavailableError(f"{self._attr or self._module} comes from the module "
                                       f"{self._module}, which could not be imported "
                                       f"({type(err).__name__}: {err})", name=self._module) from err
            object.__setattr__(self, "_target", target)
        return self._target

    def __getattr__(self, attr):
        return getattr(self.resolve(), attr)

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __repr__(self):
        return f"<{self._attr or self._module} from {self._module}, imported when first used>"


@dataclass
class Definitions:
    """What :func:`load_definitions` found in a file.

    ``namespace`` holds everything it defined (the globals of its functions); ``defined`` names its
    functions and classes in order (those of its ``%run`` files included); ``not_defined`` says, for
    a name the tool left undefined, why (a statement with a call, a failed definition, a cell with
    a syntax error); ``unavailable`` names the modules that could not be imported, with the reason;
    ``skipped`` counts the top-level statements not run; ``printed`` is what loading printed.
    """

    path: Path
    namespace: dict
    defined: list[str] = field(default_factory=list)
    not_defined: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: int = 0
    printed: str = ""


@contextlib.contextmanager
def in_folder(folder):
    """Run inside ``folder``: as working directory and first on the import path; afterwards the
    modules imported from it are forgotten (another learner's folder may have its own dnn_utils)."""
    folder = str(Path(folder).resolve())
    before, cwd = set(sys.modules), os.getcwd()
    sys.path.insert(0, folder)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file.startswith(folder + os.sep):
                del sys.modules[name]


def load_definitions(path) -> Definitions:
    """The definitions of a .py file or a .ipynb notebook (see the module's docstring).

    Raises :class:`LoadError` when the file is missing, is not a notebook or a Python file, or (a
    .py file) has a syntax error; in a notebook a cell with a syntax error is left out and the names
    it defines are reported in ``not_defined``.
    """
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"no file {str(path)!r}")
    module = types.ModuleType("_learner_" + re.sub(r"\W", "_", path.stem))
    module.__file__ = str(path.resolve())
    loader = _Loader(Definitions(path=path, namespace=module.__dict__), path.resolve().parent)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        loader.load_file(path.resolve(), module.__dict__, top=True)
    loader.found.printed = out.getvalue()
    return loader.found


# --- reading the file ---------------------------------------------------------------------------

_MAGIC = re.compile(r"^\s*[%!]|^\s*[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")
_HELP = re.compile(r"^\s*(\?\??[\w.]+|[\w.]+\?\??)\s*$")


def python_source(cell: str) -> tuple[str, list[str]]:
    """A notebook cell as Python: each magic, shell or help line becomes ``pass`` (lines keep their
    numbers), a cell magic (``%%time``, ``%%writefile``) empties the cell. Returns the source and
    the arguments of its ``%run`` lines."""
    lines = cell.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "", []
    runs, out = [], []
    for line in lines:
        if _MAGIC.match(line) or _HELP.match(line):
            stripped = line.strip()
            if stripped.startswith("%run "):
                runs.append(stripped[len("%run "):])
            line = line[:len(line) - len(line.lstrip())] + "pass"
        out.append(line)
    return "\n".join(out), runs


def _cells(path: Path) -> list[tuple[str, str]]:
    """(label, source) of each code cell of a notebook (nbformat 4, or 3's worksheets)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"] if "cells" in nb else nb["worksheets"][0]["cells"]
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise LoadError(f"{path.name} is not a Jupyter notebook ({type(err).__name__}: {err})") from None
    found = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            found.append((f"{path}, cell {number}", "".join(source) if isinstance(source, list) else source))
    return found


def short(label: str) -> str:
    """A file or cell label as reports write it: 'my notebook.ipynb, cell 7', 'my_file.py'."""
    return Path(label).name


# --- what a top-level statement is ----------------------------------------------------------------

def _has_call(node: ast.AST) -> bool:
    """True if evaluating node calls something (a lambda's body is not evaluated)."""
    if isinstance(node, ast.Lambda):
        return _has_call(node.args)
    if isinstance(node, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
        return True
    return any(_has_call(child) for child in ast.iter_child_nodes(node))


def _kind(stmt: ast.stmt) -> str:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return "import"
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "definition"
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if not all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store, ast.Starred))
                   for t in targets for n in ast.walk(t)):
            return "other"     # plt.rcParams[...] = ...: changes another object, and imports it
        return "call" if _has_call(stmt.value) else "constant"
    if isinstance(stmt, ast.Pass):
        return "pass"
    if isinstance(stmt, ast.Try) and all(
            _kind(s) in ("import", "definition", "constant", "pass")
            for part in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers))
            for s in part):
        return "guarded"       # try: import x / except ImportError: ...
    return "other"


def _bound(stmt: ast.stmt) -> list[str]:
    """The names a definition or an assignment binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    return [n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)]


# --- running it -----------------------------------------------------------------------------------

class _Loader:
    def __init__(self, found: Definitions, folder: Path):
        self.found, self.folder, self.seen = found, folder, set()

    def load_file(self, path: Path, ns: dict, top: bool = False) -> None:
        if path in self.seen:
            return
        self.seen.add(path)
        if path.suffix == ".ipynb":
            for label, cell in _cells(path):
                source, runs = python_source(cell)
                for run in runs:
                    self._run_magic(run, ns, label)
                self._load_source(source, label, ns, top, notebook=True)
        else:
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                raise LoadError(f"cannot read {path.name} ({type(err).__name__}: {err})") from None
            self._load_source(source, str(path), ns, top, notebook=False)

    def _load_source(self, source: str, label: str, ns: dict, top: bool, notebook: bool) -> None:
        try:
            tree = ast.parse(source, label)
        except SyntaxError as err:
            where = f"{short(label)} has a syntax error at line {err.lineno}: {err.msg}"
            if not notebook:
                raise LoadError(where) from None
            for name in re.findall(r"^(?:def|class)\s+(\w+)", source, re.M):
                self.found.not_defined[name] = f"it is defined in {where}"
            self.found.notes.append(f"{where}: the cell was left out")
            return
        linecache.cache[label] = (len(source), None, source.splitlines(True), label)
        for stmt in tree.body:
            self._statement(stmt, label, ns, top)

    def _run_magic(self, run: str, ns: dict, label: str) -> None:
        """%run [options] path/helper.py [args]: that file's definitions, found by its path or its name."""
        try:
            words = [w for w in shlex.split(run) if not w.startswith("-")]
        except ValueError:
            words = []
        if not words:
            return
        given = Path(words[0])
        here = self.folder / given
        path = here if here.is_file() else self.folder / given.name
        if not path.is_file():
            self.found.notes.append(f"%run {words[0]} in {short(label)}: no {given.name} in the "
                                    f"notebook's folder, so its definitions are missing")
            return
        try:
            self.load_file(path.resolve(), ns, top=True)
        except LoadError as err:
            self.found.notes.append(f"%run {words[0]} in {short(label)}: {err}")

    def _exec(self, stmt: ast.stmt, label: str, ns: dict) -> None:
        exec(compile(ast.Module(body=[stmt], type_ignores=[]), label, "exec"), ns)

    def _statement(self, stmt: ast.stmt, label: str, ns: dict, top: bool) -> None:
        kind, found = _kind(stmt), self.found
        if kind == "import":
            self._import(stmt, label, ns)
            return
        if kind in ("other", "call"):
            found.skipped += top
            if kind == "call" and top:
                for name in _bound(stmt):
                    found.not_defined[name] = (f"it is assigned at line {stmt.lineno} of {short(label)} "
                                               f"by a statement with a call, which the tool does not run")
            return
        if isinstance(stmt, ast.ClassDef):    # a base class must be the class itself, not a stand-in
            for node in stmt.bases:
                if isinstance(node, ast.Name) and isinstance(ns.get(node.id), Deferred):
                    with contextlib.suppress(ImportError):
                        ns[node.id] = ns[node.id].resolve()
        try:
            self._exec(stmt, label, ns)
        except (Exception, SystemExit) as err:
            if top:
                what = "exit()" if isinstance(err, SystemExit) else f"{type(err).__name__}: {err}"
                for name in _bound(stmt):
                    found.not_defined[name] = (f"its definition at line {stmt.lineno} of {short(label)} "
                                               f"failed ({what})")
            return
        if top:
            for name in _bound(stmt):
                found.not_defined.pop(name, None)
                if kind == "definition":
                    if name in found.defined:
                        found.defined.remove(name)
                    found.defined.append(name)

    # imports -----------------------------------------------------------------------------------

    def _where(self, module: str) -> str:
        """"loaded", "local" (a .py file in the folder), "installed", or "missing"."""
        if module in sys.modules:
            return "loaded"
        top = module.split(".")[0]
        if (self.folder / f"{top}.py").is_file():
            return "local"
        if top in sys.modules or (self.folder / top / "__init__.py").is_file():
            return "loaded"           # a package already imported, or one in the folder: import it now
        try:
            return "installed" if importlib.util.find_spec(top) is not None else "missing"
        except (ImportError, ValueError):
            return "missing"

    def _local(self, top: str) -> None:
        """A .py module of the folder, loaded by its definitions into sys.modules (cleaned by in_folder)."""
        if top in sys.modules:
            return
        path = (self.folder / f"{top}.py").resolve()
        module = types.ModuleType(top)
        module.__file__ = str(path)
        sys.modules[top] = module
        try:
            self.load_file(path, module.__dict__)
        except LoadError:
            del sys.modules[top]
            raise

    def _import(self, stmt: ast.stmt, label: str, ns: dict) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                self._bind(stmt, alias, label, ns, alias.name, bound,
                           lambda: Deferred(alias.name, top=alias.asname is None))
        elif stmt.level:                              # from . import x: not in a notebook
            for alias in stmt.names:
                self._bind(stmt, alias, label, ns, "." * stmt.level + (stmt.module or ""),
                           alias.asname or alias.name, None)
        else:
            for alias in stmt.names:
                self._bind(stmt, alias, label, ns, stmt.module, alias.asname or alias.name,
                           None if alias.name == "*" else
                           lambda: Deferred(stmt.module, attr=alias.name))

    def _bind(self, stmt, alias, label, ns, module, bound, deferred) -> None:
        """Run the import of one alias; on failure bind a placeholder that names the module."""
        where = "loaded" if module.startswith(".") else self._where(module)
        if where == "installed" and deferred is not None:
            ns[bound] = deferred()
            return
        single = type(stmt)(**{**{f: getattr(stmt, f) for f in stmt._fields}, "names": [alias]})
        ast.copy_location(single, stmt)
        try:
            if where == "missing":
                raise ModuleNotFoundError(f"No module named '{module.split('.')[0]}'")
            if where == "local":
                self._local(module.split(".")[0])
            self._exec(single, label, ns)
        except (Exception, SystemExit) as err:
            reason = ("importing it called exit()" if isinstance(err, SystemExit)
                      else f"{type(err).__name__}: {err}")
            self.found.unavailable.setdefault(module, reason)
            if bound != "*":
                ns[bound] = Unavailable(alias.name if isinstance(stmt, ast.ImportFrom) else module,
                                        module, reason)
