"""The command line of the diagnosis: ``python -m oneoverm.diagnose`` and ``oneoverm-diagnose``.
Introduced in {ref}`check-your-code`.

    oneoverm-diagnose PATH[:NAME] [--json] [--depths 2,3] [--style STYLE] [--hidden relu] [--show-prints]

PATH is a .py file or a Jupyter notebook, loaded by its definitions only
(:func:`oneoverm.learner_files.load_definitions`), in its own folder. NAME is a function or
``Class.method``; without it, every backward pass the file defines under a course name is
diagnosed, and the report says which functions it found and which it skipped. ``--json`` prints a
JSON list with one object per function (stdout holds the JSON and nothing else). The exit status is
0 when every function diagnosed is correct, 1 when one is wrong (a function that raises is wrong),
2 when nothing was found wrong but something could not be diagnosed: no such file or function,
nothing recognized, a missing helper or module, or exit() inside the learner's code.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .assignments import LAYOUTS, FunctionFailed, recognize
from .diagnosis import REPORT_WIDTH, STYLES, Diagnosis, NotRun, diagnose
from .learner_files import Definitions, LoadError, Unavailable, in_folder, load_definitions, short

PROG = "oneoverm-diagnose"


@dataclass
class Outcome:
    """One function of the file: diagnosed (``diagnosis``), failed or not run (``error``), or skipped."""

    function: str
    correct: bool | None = None
    diagnosis: Diagnosis | None = None
    error: str | None = None
    skipped: str | None = None
    style: str | None = None

    def report(self) -> str:
        """The plain-text report of this function."""
        if self.diagnosis is not None:
            return str(self.diagnosis)
        state = "wrong" if self.correct is False else "not run"
        where = f" ({LAYOUTS[self.style].signature(self.function.rsplit('.', 1)[-1])})" if self.style else ""
        return "\n".join([f"Diagnosis of {self.function}{where}: {state}.",
                          textwrap.fill(self.error, REPORT_WIDTH, initial_indent="  ",
                                        subsequent_indent="  ", break_long_words=False,
                                        break_on_hyphens=False)])

    def as_json(self, path: Path, show_prints: bool) -> dict:
        """The object --json prints for this function."""
        d = self.diagnosis
        layout = LAYOUTS[self.style] if self.style else None
        name = self.function.rsplit(".", 1)[-1]
        factors = l2 = None
        if d is not None:
            deepest = max(d.depths)
            factors = {d.layout.label(f"d{k}"): _factor_json(f) for k, f in d.factors[deepest].items()}
            if d.l2_factors is not None:
                l2 = {f"d{k}": _factor_json(f) for k, f in d.l2_factors[deepest].items()}
        return {
            "file": str(path), "function": self.function,
            "signature": layout.signature(name) if layout else None,
            "style": self.style, "assignment": layout.assignment if layout else None,
            "correct": self.correct, "verdict": d.verdict if d else None,
            "summary": d.summary if d else None, "factors": factors, "l2_factors": l2,
            "intermediates": d.intermediates if d else None, "dA_naming": d.naming if d else None,
            "depths": list(d.depths) if d else None, "batch_sizes": list(d.batch_sizes) if d else None,
            "url": d.url if d else None, "notes": list(d.notes) if d else [],
            "error": self.error, "skipped": self.skipped,
            "printed": (d.printed if d and show_prints else None),
        }


def _factor_json(f) -> dict | None:
    return {"c": f.c, "p": f.p} if f.kind == "power" else None


def split_target(target: str) -> tuple[Path, str | None]:
    """PATH[:NAME] -> (path, name or None). A path may itself hold ':' (it is tried whole first)."""
    if Path(target).is_file():
        return Path(target), None
    path, sep, name = target.rpartition(":")
    if sep and path and Path(path).is_file():
        return Path(path), name or None
    raise LoadError(f"no file {(path if sep and path else target)!r}")


def _instance(cls):
    """An instance to call a method on: cls() if it needs no arguments, else one made without __init__."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            return cls()
        except (Exception, SystemExit):
            return object.__new__(cls)


def find_function(defs: Definitions, name: str):
    """The function or Class.method ``name`` of the file; LoadError (one line) when there is none."""
    ns, file = defs.namespace, defs.path.name
    head, _, method = name.partition(".")
    obj = ns.get(head)
    if obj is None or isinstance(obj, Unavailable):
        why = defs.not_defined.get(head)
        functions = ", ".join(n for n in defs.defined if callable(ns.get(n))) or "none"
        raise LoadError(f"{file} defines no {head!r}" + (f": {why}" if why else f" (its functions: {functions})"))
    if method:
        if not isinstance(obj, type):
            raise LoadError(f"{file}: {head!r} is a {type(obj).__name__}, not a class")
        static = inspect.getattr_static(obj, method, None)
        if static is None:
            raise LoadError(f"{file}: the class {head} has no method {method!r}")
        obj = (static.__func__ if isinstance(static, staticmethod)
               else getattr(obj, method) if isinstance(static, classmethod)
               else getattr(_instance(obj), method))
    if not callable(obj):
        raise LoadError(f"{file}: {name!r} is a {type(obj).__name__}, not a function")
    return obj


def _diagnose_one(fn, name: str, defs: Definitions, style, hidden, depths) -> Outcome:
    layout = LAYOUTS[style] if style else (recognize(fn, name)[0] or LAYOUTS["course"])
    try:
        d = diagnose(fn, style=layout.key, hidden=hidden if layout.hidden is None else None,
                     depths=depths if layout.depths is None else None)
    except NotRun as err:
        why = defs.not_defined.get(err.missing or "")
        return Outcome(name, None, error=f"{err}" + (f"; {err.missing} is not defined: {why}" if why else ""),
                       style=layout.key)
    except FunctionFailed as err:
        return Outcome(name, False, error=str(err), style=layout.key)
    except ValueError as err:       # the function does not fit the options given
        return Outcome(name, None, error=str(err), style=layout.key)
    return Outcome(name, d.correct, diagnosis=d, style=layout.key)


def diagnose_file(path: Path, name: str | None = None, *, style: str | None = None,
                  hidden: str | None = None, depths: Sequence[int] | None = None):
    """(outcomes, definitions) for the function ``name`` of the file, or for every backward pass it
    defines under a course name (and those it skips). LoadError when there is nothing to diagnose."""
    with in_folder(path.parent):
        defs = load_definitions(path)
        if name is not None:
            return [_diagnose_one(find_function(defs, name), name, defs, style, hidden, depths)], defs
        if style is not None:
            raise LoadError("--style needs a function: PATH:NAME")
        outcomes = []
        for fname in defs.defined:
            fn = defs.namespace.get(fname)
            if not inspect.isfunction(fn):
                continue
            layout, why = recognize(fn, fname)
            if layout is not None:
                outcomes.append(_diagnose_one(fn, fname, defs, None, hidden, depths))
            elif why is not None:
                outcomes.append(Outcome(fname, skipped=why))
        if not any(o.skipped is None for o in outcomes):
            functions = ", ".join(n for n in defs.defined if inspect.isfunction(defs.namespace.get(n)))
            raise LoadError(f"{path.name} defines no backward pass under a course name (its functions: "
                            f"{functions or 'none'}); name one: {path.name}:FUNCTION")
        return outcomes, defs


def exit_status(outcomes: list[Outcome]) -> int:
    """1 if a function is wrong; 0 if every function diagnosed is correct; 2 otherwise."""
    ran = [o for o in outcomes if o.skipped is None]
    if any(o.correct is False for o in ran):
        return 1
    return 0 if ran and all(o.correct for o in ran) else 2


def _header(outcomes: list[Outcome], defs: Definitions) -> str:
    found = [o for o in outcomes if o.skipped is None]
    lines = [f"{short(str(defs.path))}: found {len(found)} backward pass{'es' * (len(found) != 1)}: "
             + ", ".join(f"{o.function} ({LAYOUTS[o.style].assignment or o.style})" for o in found) + "."]
    lines += [f"Skipped {o.function}: {o.skipped}." for o in outcomes if o.skipped]
    lines += [f"Note: {note}." for note in defs.notes]
    return "\n".join(textwrap.fill(line, REPORT_WIDTH, subsequent_indent="  ", break_on_hyphens=False)
                     for line in lines)


def _parse_depths(text: str) -> tuple[int, ...]:
    try:
        depths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers of layers such as 2,3, got {text!r}") from None
    if not depths or min(depths) < 1:
        raise argparse.ArgumentTypeError(f"expected numbers of layers >= 1, got {text!r}")
    return depths


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run the command; returns the exit status (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Diagnose the backward passes of a .py file or a Jupyter notebook: by "
                               "which factor is each gradient off, and where should 1/m go?")
    parser.add_argument("target", metavar="PATH[:NAME]",
                        help="a .py file or .ipynb notebook, and optionally a function or Class.method")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per function")
    parser.add_argument("--depths", type=_parse_depths, default=None,
                        help="numbers of layers, e.g. 2,3 (for functions that work at any depth)")
    parser.add_argument("--style", choices=STYLES, default=None,
                        help="how NAME is called (default: recognized from its name, else course)")
    parser.add_argument("--hidden", default=None, help="hidden activation for the course and params "
                                                       "styles (default: relu)")
    parser.add_argument("--show-prints", action="store_true",
                        help="show what the file and its functions printed (on stderr)")
    args = parser.parse_args(argv)
    try:
        path, name = split_target(args.target)
        outcomes, defs = diagnose_file(path, name, style=args.style, hidden=args.hidden,
                                       depths=args.depths)
    except (LoadError, ValueError) as err:
        if args.json:
            print("[]")
        print(f"{prog}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([o.as_json(path, args.show_prints) for o in outcomes], indent=2))
    else:
        blocks = [o.report() for o in outcomes if o.skipped is None]
        if name is None:
            blocks.insert(0, _header(outcomes, defs))
        print("\n\n".join(blocks))
    if args.show_prints:
        for what, text in [(f"loading {path.name}", defs.printed),
                           *((o.function, o.diagnosis.printed) for o in outcomes if o.diagnosis)]:
            if text:
                print(f"--- printed by {what} ---\n{text.rstrip()}", file=sys.stderr)
    return exit_status(outcomes)
