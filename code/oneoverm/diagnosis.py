"""Diagnose anyone's backward pass: by which factor is each gradient off? Introduced in {ref}`check-your-code`.

:func:`diagnose` calls a backward pass written by someone else on small random networks of several
depths and batch sizes (a new network and batch for each), and compares every gradient g it returns
with the exact gradient of the cost J = (1/m) sum_i l_i, computed by :func:`oneoverm.backward`
(which the package's tests check against finite differences). Every placement of 1/m gives
g = c m^p dJ/dtheta for each parameter theta ({ref}`path-rule`): the diagnosis finds c and p, or
finds that g is not a multiple of dJ/dtheta at all, and names the placement. It knows the course's
assignments by their names and arguments (:mod:`oneoverm.assignments`); ``python -m
oneoverm.diagnose`` runs it on a learner's file or notebook (:mod:`oneoverm.diagnose_command`).
"""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import re
import sysconfig
import textwrap
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .activations import activation
from .assignments import LAYOUTS, FunctionFailed, recognize
from .backward import backward as exact_backward
from .network import as_generator, forward
from .site import section_url

STYLES = tuple(LAYOUTS)     # "course", "params", and the course's assignments: see oneoverm.assignments
DEPTHS = (2, 3, 4)          # networks of L = 2, 3, 4 layers; the report shows the deepest
BATCH_SIZES = (5, 8, 13)    # three batch sizes: p from their slope, and a check that k = c m^p
WIDTH = 4                   # every hidden layer and the input have 4 units, the output 1

# Tolerances. A float64 backward pass agrees with the package's to about 1e-15 (relative); the
# smallest residual of a genuinely wrong gradient in the tests is about 1e-2. 1e-6 lies far from both.
MULTIPLE_TOL = 1e-6   # ||g - k G|| / ||g|| below this: g is k times G
POWER_TOL = 1e-6      # largest deviation of log|k| from the fitted log|c| + p log m
EXPONENT_TOL = 1e-6   # p this close to a simple fraction (an integer, or -1/2 for 1/sqrt(m)) is it
MAX_DENOMINATOR = 12  # ... where simple means a denominator of at most 12
CONSTANT_TOL = 1e-6   # |c - 1| below this: c is 1
REPORT_WIDTH = 78    # the plain-text report is wrapped at this width (URLs stay whole)
UNBROKEN = ("not c m^p", "c m^p", "m - 1")   # ... and never inside these
MARGIN = 0.01         # every hidden pre-activation is at least MARGIN * (its row's spread) from 0


class NotRun(ValueError):
    """The function could not be run as written: a name, module or helper it needs is missing, or
    it called exit(). ``missing`` names what is missing (None for exit())."""

    def __init__(self, message: str, missing: str | None = None):
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Verdict:
    """What a verdict means, and the section of the book that explains it."""

    correct: bool
    page: str
    label: str
    words: str

    @property
    def url(self) -> str:
        """The published address of the explaining section."""
        return section_url(self.page, self.label)


# The one table of verdicts: verdict -> (correct, page, label, what it means). Every section named
# here must exist in the built book (tests/test_diagnose_links.py).
VERDICTS = {
    "at_params": Verdict(True, "two-placements", "placement-at-params",
                         "correct: 1/m sits in the parameter step (where dW and db are formed from "
                         "dZ), as in the course."),
    "at_output": Verdict(True, "two-placements", "placement-at-output",
                         "correct: 1/m sits once at the output, in dZ[L], and nowhere else."),
    "hybrid": Verdict(True, "two-placements", "path-rule",
                      "correct: a hybrid placement, with 1/m between the output and the parameter "
                      "step. The factors met on every path from the cost to a parameter multiply "
                      "to 1/m."),
    "correct": Verdict(True, "two-placements", "path-rule",
                       "correct: every dW and db is the gradient of the cost J."),
    "every_layer": Verdict(False, "wrong-placements", "placement-every-layer",
                           "wrong: 1/m in every dZ[l]. Layer l gets m^-(L-l) times its gradient, "
                           "so the hidden layers barely train."),
    "nowhere": Verdict(False, "wrong-placements", "placement-nowhere",
                       "wrong: 1/m nowhere. Every gradient is the gradient of the sum of the "
                       "losses, m times too large, so the usable learning rate depends on m."),
    "twice": Verdict(False, "wrong-placements", "placement-twice",
                     "wrong: 1/m twice, at the output and in the parameter step. Every gradient is "
                     "m times too small, and training crawls."),
    "weights_only": Verdict(False, "wrong-placements", "placement-weights-only",
                            "wrong: 1/m in dW but not in db. dW is exact, db is m times too large."),
    "constant_factor": Verdict(False, "check-your-code", "verdict-constant-factor",
                               "wrong by one factor, the same for every parameter."),
    "other_factors": Verdict(False, "two-placements", "path-rule",
                             "wrong: the factors follow none of the named placements. A placement "
                             "is right when the factors met on every path from the cost to a "
                             "parameter multiply to 1/m (with 1/m or nothing at each place: "
                             "exactly one 1/m on every path)."),
    "constant_factors": Verdict(False, "check-your-code", "verdict-constant-factor",
                                "wrong by constant factors that are not powers of m: not a 1/m "
                                "placement."),
    "l2_term": Verdict(False, "minibatches-and-regularization", "regularization-term",
                       "wrong: the L2 term is off. The regularized cost adds (lambd/2m) times the "
                       "sum of ||W[l]||^2, whose gradient adds (lambd/m) W[l] to each dW[l]; the "
                       "rest of every gradient is exact."),
    "not_a_multiple": Verdict(False, "check-your-code", "verdict-not-a-multiple",
                              "wrong, and not a 1/m problem: some gradient is not a multiple of "
                              "the true one."),
}
# Where the report sends readers whose dA, dZ differ from the course's (what an autograder sees).
AUTOGRADER_SECTION = ("wrong-placements", "autograder-mismatch")


@dataclass(frozen=True)
class Factor:
    """How a returned gradient g relates to the exact dJ/dtheta at one depth, over the batch sizes.

    ``kind`` is "power" (g = c m^p dJ/dtheta at every batch size m), "not_power" (a multiple at
    each m, but the multiples do not follow c m^p), "zero" (g is zero) or "not_multiple" (at some m,
    g is not a multiple of dJ/dtheta). ``scales`` holds the least-squares multiple k at each m and
    ``residual`` the largest relative residual ||g - k dJ/dtheta|| / ||g||.
    """

    kind: str
    c: float | None
    p: int | float | None
    scales: tuple[float, ...]
    residual: float

    @property
    def exact(self) -> bool:
        """c = 1 and p = 0: g is the gradient of J."""
        return self.kind == "power" and self.p == 0 and abs(self.c - 1.0) <= CONSTANT_TOL

    def describe(self, batch_sizes: Sequence[int]) -> str:
        """The factor in words: "exact", "too small by the factor m^2", "not a multiple ..."."""
        if self.kind == "zero":
            return "all zeros"
        if self.kind == "not_multiple":
            return f"not a multiple (residual {self.residual:.2g})"
        if self.kind == "not_power":
            ks = ", ".join(f"{k:.4g}" for k in self.scales)
            ms = ", ".join(str(m) for m in batch_sizes)
            return f"{ks} times the true gradient at m = {ms} (not c m^p)"
        if self.exact:
            return "exact"
        return _describe_power(self.c, self.p)


def _power_text(p) -> str:
    """The power p of m as the report writes it: m, m^3, m^-2, m^0.5."""
    return "m" if p == 1 else f"m^{p:.4g}"


def _describe_power(c: float, p) -> str:
    if c > 0 and p == 0:
        return f"too large by the factor {c:.4g}" if c > 1 else f"too small by the factor {1 / c:.4g}"
    if abs(c - 1.0) <= CONSTANT_TOL:
        return f"too large by the factor {_power_text(p)}" if p > 0 else \
            f"too small by the factor {_power_text(-p)}"
    times = f"{c:.4g}" if p == 0 else f"{c:.4g} {_power_text(p)}"
    return f"{times} times the true gradient"


@dataclass(frozen=True)
class Diagnosis:
    """The result of :func:`diagnose`; ``str()`` of it is the report (``_repr_markdown_`` in a notebook).

    - ``correct``: every returned dW, db is the gradient of the cost (c = 1, p = 0) on every network.
    - ``exponents``, ``constants``: {"W1": p, "b1": p, ...} and {"W1": c, ...} on the deepest
      network, with None where the gradient is not of the form c m^p. p is an int, or a float
      for a fractional power (-0.5 for 1/sqrt(m)).
    - ``verdict``: a key of :data:`VERDICTS` ("at_params", "at_output", "hybrid", "correct",
      "every_layer", "nowhere", "twice", "weights_only", "constant_factor", "constant_factors",
      "other_factors", "l2_term", "not_a_multiple"); ``page``, ``label``, ``url``: the section
      that explains it.
    - ``intermediates``: "sum" if every returned dA, dZ is the gradient of the sum of the losses
      (the course's), "mean" if of J, "mixed" otherwise, None if none was returned;
      ``intermediate_kinds`` says it per key on the deepest network ("sum", "mean" or "other").
    - ``factors``: {L: {"W1": Factor, ...}} for every depth L checked.
    - ``style``: the layout the function was called in (:data:`oneoverm.assignments.LAYOUTS`);
      ``signature``: the call, as "L_model_backward(AL, Y, caches)".
    - ``l2_factors``: for a regularized backward pass, {L: {"W1": Factor, ...}}: the factor of the
      L2 term (lambd/m) W[l] in each dW[l]; None otherwise.
    - ``naming``: how the function stores dA[l-1] (course style), None if it returns no dA.
    - ``notes``: what else the report says (where the cache came from); ``printed``: what the
      function printed while it ran (not in the report).
    """

    function: str
    style: str
    hidden: str
    correct: bool
    verdict: str
    exponents: dict[str, int | float | None]
    constants: dict[str, float | None]
    intermediates: str | None
    intermediate_kinds: dict[str, str]
    page: str
    label: str
    url: str
    depths: tuple[int, ...]
    batch_sizes: tuple[int, ...]
    factors: dict[int, dict[str, Factor]]
    signature: str = ""
    l2_factors: dict[int, dict[str, Factor]] | None = None
    naming: str | None = None
    notes: tuple[str, ...] = ()
    printed: str = ""
    keep_prob: float | None = None

    @property
    def layout(self):
        """The :class:`oneoverm.assignments.Layout` the function was called in."""
        return LAYOUTS[self.style]

    def _label(self, key: str) -> str:
        return self.layout.label(f"d{key}")

    @property
    def summary(self) -> str:
        """The verdict in one sentence, with what points at the bug."""
        words = VERDICTS[self.verdict].words
        deepest = self.factors[max(self.depths)]
        if self.verdict == "correct":
            words += (" (Return dA and dZ too, to see which correct placement it is.)"
                      if self.intermediates is None else
                      " The intermediates it returns fit no named correct placement (all sums, "
                      "all means, or sums above means): the factors met on every path multiply to "
                      "1/m in another way.")
        if self.verdict == "constant_factor":
            some = next(iter(deepest.values()))
            words += f" Every gradient is {_describe_power(some.c, some.p)}. " + (
                "The direction is right; the learning rate is silently multiplied by the factor"
                + (", which changes with the batch size." if some.p != 0 else
                   ". It is a constant factor, not a 1/m placement.")
                if some.c > 0 else "The sign is flipped: gradient descent climbs the cost.")
        if self.verdict == "constant_factors":
            off = "; ".join(f"{self._label(k)}: {deepest[k].describe(self.batch_sizes)}"
                            for k in sorted(deepest, key=lambda k: (-int(k[1:]), k[0] != "W"))
                            if not deepest[k].exact)
            words += f" {off}. Look for a stray number in the lines that form them."
        if self.verdict in ("constant_factor", "constant_factors") and self.keep_prob:
            if any(f.c is not None and any(abs(f.c - self.keep_prob ** k) <= CONSTANT_TOL * abs(f.c)
                                           for k in (-2, -1, 1, 2)) for f in deepest.values()):
                words += (f" A factor of keep_prob = {self.keep_prob:g}, or a power of it, points "
                          f"at the division by keep_prob.")
        if self.verdict == "other_factors" and any(
                f.kind == "not_power" for fs in self.factors.values() for f in fs.values()):
            words += (" Some factors are not c m^p at all: a divisor other than m (such as m - 1), "
                      "or one that depends on the data rather than on m (each batch size gets a "
                      "new random network and batch).")
        if self.verdict == "not_a_multiple":
            bad = "; ".join(f"{', '.join(self._label(k) for k, f in fs.items() if f.kind in ('not_multiple', 'zero'))}"
                            f" at L = {L}" for L, fs in self.factors.items()
                            if any(f.kind in ("not_multiple", "zero") for f in fs.values()))
            words += f" Not a multiple: {bad}. {self._where_to_look()}"
        return words

    def _where_to_look(self) -> str:
        """The first layer from the output whose gradient is off (on the deepest network that has
        one), and what computes it."""
        L = max(L for L, fs in self.factors.items() if any(f.kind != "power" for f in fs.values()))
        fs = self.factors[L]
        l = max(l for l in range(1, L + 1) if any(fs[f"{p}{l}"].kind != "power" for p in "Wb"))
        w_only = fs[f"b{l}"].kind == "power"
        if w_only:
            return (f"{self._label(f'b{l}')} is right, so dZ[{l}] is: look at how "
                    f"{self._label(f'W{l}')} is formed from dZ[{l}] and A[{l - 1}] (dZ[{l}] A[{l - 1}]^T).")
        if l == L:
            return ("The output layer is off: look at dAL and dZ[L] (for a sigmoid output with the "
                    "cross-entropy, dZ[L] = A[L] - Y) and how they reach it.")
        return (f"The first layer from the output that is off is layer {l}: look at dA[{l}] = "
                f"W[{l + 1}]^T dZ[{l + 1}] (a transposed product?) and dZ[{l}] = dA[{l}] * g'(Z[{l}]) "
                f"(a missing or wrong activation derivative?).")

    def layer_lines(self) -> list[str]:
        """One line per layer of the deepest network, from the output down: "dW3, db3: exact"."""
        fs, lines = self.factors[max(self.depths)], []
        for l in range(max(self.depths), 0, -1):
            (w, b), (kw, kb) = ((fs[f"{p}{l}"].describe(self.batch_sizes) for p in "Wb"),
                                (self._label(f"{p}{l}") for p in "Wb"))
            lines.append(f"{kw}, {kb}: {w}" if w == b else f"{kw}: {w}; {kb}: {b}")
        return lines

    def l2_line(self) -> str | None:
        """The factor of the L2 term (lambd/m) W[l] in dW[l], for a regularized backward pass."""
        if self.l2_factors is None:
            return None
        L = max(self.depths)
        parts = {}
        for l in range(L, 0, -1):
            f, rest = self.l2_factors[L][f"W{l}"], self.factors[L][f"W{l}"]
            text = ("not measured (the rest of dW is not a multiple)" if rest.kind == "not_multiple"
                    else "missing" if f.kind == "zero" else f.describe(self.batch_sizes))
            parts.setdefault(text, []).append(f"dW{l}")
        return "L2 term (lambd/m) W[l]: " + "; ".join(
            (f"{text}" if len(parts) == 1 else f"{', '.join(keys)}: {text}") for text, keys in parts.items())

    def _intermediates(self, link=str) -> tuple[str, str]:
        """The heading and the text of the line on the returned dA, dZ (naming only those returned)."""
        autograder = link(section_url(*AUTOGRADER_SECTION))
        if self.intermediates is None:
            return ("Intermediates returned", "none (dW and db alone do not show which correct "
                                              "placement is used).")
        head = f"Intermediates returned ({_key_ranges(self.intermediate_kinds)})"
        if self.intermediates == "sum":
            return head, ("gradients of the sum of the losses, as the course's: an autograder "
                          "that compares them with the course's values accepts them.")
        if self.intermediates == "mean":
            return head, ("gradients of the cost J, 1/m of the course's values: an autograder that "
                          "compares them with the course's rejects them, although they are exact "
                          f"({autograder}).")
        kinds = ", ".join(f"{k} {v}" for k, v in self.intermediate_kinds.items())
        return head, (f"mixed ({kinds}): an autograder that compares them with the course's "
                      f"values rejects all but the sums ({autograder}).")

    def _head(self) -> str:
        layout = self.layout
        if self.function.rsplit(".", 1)[-1].lower() not in layout.names:
            what = (f"{self.style} style, {self.signature}, {self.hidden} hidden layers, sigmoid "
                    f"output")
        else:
            hidden = f", {self.hidden} hidden layers" if max(self.depths) > 1 else ""
            what = f"{layout.assignment}: {self.signature}, {layout.network}{hidden}, sigmoid output"
        cost = "J = mean of the losses" + (" + (lambd/2m) sum ||W[l]||^2" if self.l2_factors else "")
        return (f"{what}; compared with the exact gradients of {cost} on networks of "
                f"L = {', '.join(map(str, self.depths))} layer{'s' if self.depths != (1,) else ''}, "
                f"batches of m = {', '.join(map(str, self.batch_sizes))}, a new random network for each")

    def _extra_lines(self) -> list[str]:
        lines = [f"dA naming: {self.naming}."] if self.naming else []
        lines += [f"Note: {note}." for note in self.notes]
        if self.printed:
            count = self.printed.count("\n") + (not self.printed.endswith("\n"))
            lines.append(f"It printed {count} line{'s' * (count != 1)} while it ran (not shown: "
                         f"see .printed, or --show-prints on the command line).")
        return lines

    def __str__(self) -> str:
        def fill(text, indent="  "):
            for phrase in UNBROKEN:    # wrapped as one word: no-break spaces while wrapping
                text = text.replace(phrase, phrase.replace(" ", "\u00a0"))
            return textwrap.fill(text, REPORT_WIDTH, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False).replace("\u00a0", " ")
        l2 = self.l2_line()
        return "\n".join([
            fill(f"Diagnosis of {self.function} ({self._head()})."),
            f"Factors for L = {max(self.depths)} (each gradient = factor x the true gradient):",
            *(fill(f"  {line}", "      ") for line in self.layer_lines()),
            *([fill(f"  {l2}", "      ")] if l2 else []),
            fill(f"Verdict: {self.summary}"),
            fill("{}: {}".format(*self._intermediates())),
            *(fill(line) for line in self._extra_lines()),
            fill(f"Explained in: {self.url}")])

    def _repr_markdown_(self) -> str:
        """The report as a block quote, set apart from the text around it in a notebook."""
        l2 = self.l2_line()
        lines = "\n".join(f"- {line}" for line in [*self.layer_lines(), *([l2] if l2 else [])])
        extra = "".join(f"{line}\n\n" for line in self._extra_lines())
        text = (f"**Diagnosis of `{self.function}`** ({self._head()}).\n\n"
                f"Factors for L = {max(self.depths)}:\n\n{lines}\n\n"
                f"{'✓' if self.correct else '✗'} **Verdict:** {self.summary}\n\n"
                "**{}:** {}\n\n".format(*self._intermediates(lambda url: f"<{url}>")) + extra +
                f"Explained in <{self.url}>.")
        return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _key_ranges(keys) -> str:
    """"dA0..dA3, dZ1..dZ4" for the keys dA0, dA1, dA2, dA3, dZ1, ...; "dA0, dA2" when not a run."""
    by_letter: dict[str, list[int]] = {}
    for key in keys:
        by_letter.setdefault(key[:2], []).append(int(key[2:]))
    parts = []
    for letters, numbers in sorted(by_letter.items()):
        numbers.sort()
        run = len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[-1] + 1))
        parts.append(f"{letters}{numbers[0]}..{letters}{numbers[-1]}" if run
                     else ", ".join(f"{letters}{n}" for n in numbers))
    return ", ".join(parts)


# --- the numbers ---------------------------------------------------------------------------------

def scale_and_residual(g: np.ndarray, G: np.ndarray) -> tuple[float, float]:
    """The k that makes k G closest to g (least squares), and the relative residual ||g - k G|| / ||g||.

    The residual is 0 exactly when g is a multiple of G; it is 1 when g is orthogonal to G
    (and 0 when g is zero). Introduced in {ref}`check-your-code`.
    """
    g, G = np.asarray(g, dtype=float), np.asarray(G, dtype=float)
    if g.shape != G.shape:
        raise ValueError(f"G: expected the shape of g, {g.shape}, got {G.shape}")
    norm_G2 = float(np.vdot(G, G))
    if norm_G2 == 0:
        raise ValueError("G: the reference gradient is zero, so no multiple can be found")
    k = float(np.vdot(g, G)) / norm_G2
    norm_g = float(np.linalg.norm(g))
    return k, (0.0 if norm_g == 0 else float(np.linalg.norm(g - k * G)) / norm_g)


def power_of_m(batch_sizes: Sequence[int], scales: Sequence[float]) -> tuple[float, float, float]:
    """Fit k = c m^p through (m, k) pairs of one sign: returns (c, p, deviation).

    p and log|c| by least squares on log|k| = log|c| + p log m; ``deviation`` is the largest
    distance of a log|k| from the fitted line (0 for two batch sizes). Introduced in
    {ref}`check-your-code`.
    """
    ms, ks = np.asarray(batch_sizes, dtype=float), np.asarray(scales, dtype=float)
    if ms.shape != ks.shape or ms.size < 2 or len(set(ms)) != ms.size or np.any(ms < 2):
        raise ValueError(f"batch_sizes: expected at least two distinct sizes >= 2, one per scale, "
                         f"got {list(batch_sizes)} for {len(ks)} scales")
    if not (np.all(ks > 0) or np.all(ks < 0)):
        raise ValueError(f"scales: expected non-zero numbers of one sign, got {list(scales)}")
    x, y = np.log(ms), np.log(np.abs(ks))
    p = float(np.polyfit(x, y, 1)[0])
    log_c = float(np.mean(y - p * x))
    deviation = float(np.max(np.abs(y - (log_c + p * x))))
    return float(np.sign(ks[0]) * np.exp(log_c)), p, deviation


def _factor(scales: list[float], residuals: list[float], zero: bool,
            batch_sizes: Sequence[int]) -> Factor:
    worst = max(residuals)
    if zero:
        return Factor("zero", None, None, tuple(scales), worst)
    if worst > MULTIPLE_TOL:
        return Factor("not_multiple", None, None, tuple(scales), worst)
    if not (all(k > 0 for k in scales) or all(k < 0 for k in scales)):
        return Factor("not_power", None, None, tuple(scales), worst)
    c, p, deviation = power_of_m(batch_sizes, scales)
    if deviation > POWER_TOL:
        return Factor("not_power", None, None, tuple(scales), worst)
    nearest = Fraction(p).limit_denominator(MAX_DENOMINATOR)
    if abs(p - nearest) <= EXPONENT_TOL:
        p = int(nearest) if nearest.denominator == 1 else float(nearest)
        c = float(np.mean([k / float(m) ** p for k, m in zip(scales, batch_sizes)]))
    return Factor("power", c, p, tuple(scales), worst)


# --- the test networks ---------------------------------------------------------------------------

def draw_network(L: int, m: int, hidden: str = "relu", rng=0):
    """A random network of L layers and a batch of m examples, as :func:`diagnose` draws them: (X, Y, params).

    The input and every hidden layer have WIDTH units, the output one; Y holds both labels.
    Well conditioned: each hidden unit's bias puts the split between its active and inactive
    examples in the widest gap of its pre-activations (away from the two ends), so every unit is
    active on some examples and inactive on others, no pre-activation is near ReLU's kink, and the
    gradient reaches every unit on an active and on an inactive example (else the draw is
    repeated). So a dropped or wrong g'(Z) changes the gradients of every hidden layer.
    Introduced in {ref}`check-your-code`.
    """
    gen = as_generator(rng)
    for _ in range(1000):
        X, Y, params = _draw(L, m, hidden, gen)
        if params is not None and _gradient_reaches_every_unit(X, Y, params, hidden):
            return X, Y, params
    raise RuntimeError(f"no well-conditioned network of L = {L} layers for m = {m} "  # pragma: no cover
                       f"in 1000 draws")


def _draw(L: int, m: int, hidden: str, gen: np.random.Generator):
    g, _ = activation(hidden)
    X = gen.normal(size=(WIDTH, m))
    Y = gen.permutation(np.arange(m) % 2).reshape(1, m).astype(float)
    params, A = {}, X
    for l in range(1, L + 1):
        W = gen.normal(0.0, np.sqrt(2.0 / WIDTH), size=(1 if l == L else WIDTH, WIDTH))
        U = W @ A
        if l == L:
            b = gen.normal(0.0, 0.1, size=(1, 1))
        else:
            b, ok = _split_biases(U)
            if not ok:
                return X, Y, None
        params[f"W{l}"], params[f"b{l}"] = W, b
        A = g(U + b)
    return X, Y, params


def _gradient_reaches_every_unit(X, Y, params, hidden: str) -> bool:
    fwd = forward(X, params, hidden)
    dA = exact_backward(fwd, Y, "at_output").dA
    for l in range(1, fwd.L):
        reached = np.abs(dA[l]) > 1e-3 * np.abs(dA[l]).max()
        Z = fwd.Z[l]
        if not np.all(((Z > 0) & reached).any(axis=1) & ((Z < 0) & reached).any(axis=1)):
            return False
    return True


def _split_biases(U: np.ndarray) -> tuple[np.ndarray, bool]:
    m = U.shape[1]
    edge = max(1, m // 4)
    b = np.empty((U.shape[0], 1))
    ok = True
    for j, u in enumerate(np.sort(U, axis=1)):
        gaps = np.diff(u)[edge - 1:m - edge]       # k examples below the split, edge <= k <= m - edge
        k = edge - 1 + int(np.argmax(gaps))
        b[j, 0] = -(u[k] + u[k + 1]) / 2
        ok &= bool(gaps.max() / 2 >= MARGIN * max(u[-1] - u[0], 1e-12))
    return b, ok


# --- calling the function and checking what it returns -------------------------------------------

_INTERMEDIATE = re.compile(r"^d([AZ])(\d+)$")


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _call(fn, name: str, signature: str, args: tuple, fwd) -> object:
    """fn(*args); its failures sorted into NotRun (it could not run as written) and FunctionFailed."""
    L, m, params = fwd.L, fwd.m, fwd.params
    called = f"called as {signature} on a network of L = {L} layer{'s' * (L != 1)}, m = {m} examples"
    try:
        return fn(*args)
    except SystemExit as err:
        raise NotRun(f"{name} called exit(){_where(err)}, {called}: nothing to diagnose") from err
    except ImportError as err:
        module = err.name or "a module"
        raise NotRun(f"{name} was not run: {err} ({called}{_where(err)})", missing=module) from err
    except NameError as err:
        raise NotRun(f"{name} was not run: it uses {err.name!r}, which is not defined where it is "
                     f"({called}{_where(err)})", missing=err.name) from err
    except AttributeError as err:
        if getattr(err, "obj", None) is not None and err.obj is getattr(fn, "__self__", None):
            raise NotRun(f"{name} was not run: it reads self.{err.name}, which the instance "
                         f"does not have ({called})", missing=f"self.{err.name}") from err
        raise FunctionFailed(f"{name} raised AttributeError: {err}{_where(err)} ({called})") from err
    except Exception as err:
        if isinstance(err, ValueError) and _SHAPE_ERROR.search(str(err)):
            raise FunctionFailed(
                f"{name} stopped with a shape error{_where(err)}, {called} (the output layer's "
                f"W{L} has shape {params[f'W{L}'].shape}). NumPy says: {err}. Look for a transposed "
                f"product, such as W @ dZ where W.T @ dZ is meant: dA[l-1] = W[l]^T dZ[l] has the "
                f"shape of A[l-1].") from err
        raise FunctionFailed(f"{name} raised {type(err).__name__}: {err}{_where(err)} ({called})") from err


# NumPy's words for arrays whose shapes do not fit: @ and np.matmul, np.dot, broadcasting, reshape
_SHAPE_ERROR = re.compile(r"core dimension|not aligned|broadcast|cannot reshape")
_PACKAGE_DIR = str(Path(__file__).parent)
_STDLIB_DIR = sysconfig.get_paths()["stdlib"]


def _where(err: BaseException) -> str:
    """" at line 9 of backward() in my_file.py, `dA = W @ dZ` (W: (1, 4), dZ: (1, 5))", or "".

    The line is the last one in the traceback outside NumPy, this package and Python's standard
    library: the learner's code.
    The shapes are those of the arrays the line names (read from its local variables).
    """
    numpy_dir, tb, found = str(Path(np.__file__).parent), err.__traceback__, None
    while tb is not None:
        file = tb.tb_frame.f_code.co_filename
        if not file.startswith((numpy_dir, _PACKAGE_DIR, _STDLIB_DIR, "<frozen")):
            found = tb
        tb = tb.tb_next
    if found is None:
        return ""
    frame = found.tb_frame
    file = frame.f_code.co_filename
    code = _without_comment(linecache.getline(file, found.tb_lineno, frame.f_globals).strip())
    place = ("a notebook cell" if "ipykernel_" in file or file.startswith("<ipython-input")
             else Path(file).name)
    where = f" at line {found.tb_lineno} of {frame.f_code.co_name}() in {place}"
    if not code:
        return where
    try:
        node = ast.parse(code).body[0]
        node = getattr(node, "value", node)      # the right-hand side of an assignment
        names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    except (SyntaxError, IndexError):             # part of a statement that spans lines
        names = re.findall(r"[A-Za-z_]\w*", code)
    shapes = {n: frame.f_locals[n].shape for n in names
              if isinstance(frame.f_locals.get(n), np.ndarray)}
    listed = ", ".join(f"{n}: {shape}" for n, shape in shapes.items())
    return f"{where}, `{code}`" + (f" ({listed})" if listed else "")


def _without_comment(code: str) -> str:
    """One line of Python without its trailing # comment (a # inside a string stays)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                return code[:token.start[1]].rstrip()
    except (tokenize.TokenError, SyntaxError):   # an unfinished statement: keep the line
        pass
    return code


def _shapes(fwd) -> dict[str, tuple[tuple[int, int], str]]:
    """Every key a backward pass may return, with its shape and what it is the shape of."""
    L, params = fwd.L, fwd.params
    shapes = {}
    for l in range(1, L + 1):
        shapes[f"dW{l}"] = (params[f"W{l}"].shape, f"W{l}")
        shapes[f"db{l}"] = (params[f"b{l}"].shape, f"b{l}")
        shapes[f"dZ{l}"] = (fwd.Z[l].shape, f"Z{l}")
    for l in range(0, L + 1):
        shapes[f"dA{l}"] = (fwd.A[l].shape, f"A{l}" if l else "A0 = X")
    return shapes


def _checked(out: dict, name: str, fwd) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The parameter gradients {"W1": ...} and the intermediates {"dA2": ...} of ``out``, checked."""
    L = fwd.L
    shapes = _shapes(fwd)
    wanted = [f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    missing = [k for k in wanted if k not in out]
    if missing:
        raise FunctionFailed(f"{name} returned no {missing[0]!r}: for a network of L = {L} layers it "
                             f"must return 'dW1', 'db1', ..., 'dW{L}', 'db{L}'; it returned the keys "
                             f"{sorted(map(str, out))}")
    for key in out:
        match = _INTERMEDIATE.match(str(key))
        if match and key not in shapes:
            raise FunctionFailed(f"{name} returned {key!r}, but the network has layers 1..{L} "
                                 f"(dA0..dA{L}, dZ1..dZ{L})")
    arrays = {}
    for key in [*wanted, *(k for k in out if k in shapes and k not in wanted)]:
        want, of = shapes[key]
        try:
            value = np.asarray(out[key], dtype=float)
        except (TypeError, ValueError) as err:
            raise FunctionFailed(f"{name} returned {key!r} as a {type(out[key]).__name__} that is not "
                                 f"an array of numbers; expected shape {want}, the shape of {of}") from err
        if value.shape != want:
            raise FunctionFailed(f"{name} returned {key!r} with shape {value.shape}; expected {want}, "
                                 f"the shape of {of} (L = {L} layers, m = {fwd.m} examples)")
        if not np.all(np.isfinite(value)):
            raise FunctionFailed(f"{name} returned {key!r} with a non-finite entry "
                                 f"({value[~np.isfinite(value)].flat[0]})")
        arrays[key] = value
    grads = {key[1:]: arrays[key] for key in wanted}
    return grads, {k: v for k, v in arrays.items() if k not in wanted}


def _intermediate_kind(value, exact, m: int) -> str:
    k, residual = scale_and_residual(value, exact)
    if residual <= MULTIPLE_TOL and abs(k / m - 1.0) <= CONSTANT_TOL:
        return "sum"
    if residual <= MULTIPLE_TOL and abs(k - 1.0) <= CONSTANT_TOL:
        return "mean"
    return "other"


def _two_scales(g: np.ndarray, G: np.ndarray, R: np.ndarray) -> tuple[float, float, float]:
    """a, b with a G + b R closest to g (least squares), and the residual ||g - a G - b R|| / ||g||:
    g split into a multiple of the cost's gradient G and one of the L2 term R."""
    A = np.stack([np.ravel(G), np.ravel(R)], axis=1)
    (a, b), *_ = np.linalg.lstsq(A, np.ravel(g), rcond=None)
    norm = float(np.linalg.norm(g))
    return float(a), float(b), (0.0 if norm == 0 else float(np.linalg.norm(g - a * G - b * R)) / norm)


# --- the verdict ---------------------------------------------------------------------------------

def _pattern(name: str, L: int) -> dict[str, int]:
    """The exponent p of each parameter under a named placement (c = 1 for all of them)."""
    p = {"every_layer": lambda l, kind: -(L - l),
         "nowhere": lambda l, kind: 1,
         "twice": lambda l, kind: -1,
         "weights_only": lambda l, kind: 0 if kind == "W" else 1}[name]
    return {f"{kind}{l}": p(l, kind) for l in range(1, L + 1) for kind in "Wb"}


def _verdict(factors: dict[int, dict[str, Factor]], seen: str | None,
             l2_factors: dict[int, dict[str, Factor]] | None = None) -> str:
    every = [f for fs in factors.values() for f in fs.values()]
    if any(f.kind in ("not_multiple", "zero") for f in every):
        return "not_a_multiple"
    if any(f.kind == "not_power" for f in every):
        return "other_factors"
    if all(f.exact for f in every):
        if l2_factors is not None and not all(f.exact for fs in l2_factors.values() for f in fs.values()):
            return "l2_term"
        return {"sum": "at_params", "mean": "at_output", "hybrid": "hybrid"}.get(seen, "correct")
    for name in ("every_layer", "nowhere", "twice", "weights_only"):
        if all(abs(f.c - 1.0) <= CONSTANT_TOL and abs(f.p - _pattern(name, L)[key]) <= EXPONENT_TOL
               for L, fs in factors.items() for key, f in fs.items()):
            return name
    c0, p0 = every[0].c, every[0].p
    if all(abs(f.p - p0) <= EXPONENT_TOL and abs(f.c - c0) <= CONSTANT_TOL * abs(c0) for f in every):
        return "constant_factor"
    if any(abs(f.c - 1.0) > CONSTANT_TOL for f in every):
        return "constant_factors"      # a number that is no power of m: the path rule does not apply
    return "other_factors"


def _check_sizes(name: str, values, minimum: int, count: int, what: str) -> tuple[int, ...]:
    values = tuple(values) if isinstance(values, (tuple, list)) else values
    if (not isinstance(values, tuple) or len(values) < count or len(set(values)) != len(values)
            or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum
                   for v in values)):
        raise ValueError(f"{name}: expected at least {count} distinct ints >= {minimum} ({what}), "
                         f"got {values!r}")
    return tuple(sorted(int(v) for v in values))


def _layout(backward, name: str, style: str | None, hidden: str | None, depths):
    """The layout, hidden activation and depths to diagnose ``backward`` with (arguments checked)."""
    if style is None:
        layout, skipped = recognize(backward, name)
        if skipped:
            raise ValueError(f"backward: {name}: {skipped}; nothing to diagnose (style= calls it "
                             f"in another layout)")
        layout = layout or LAYOUTS["course"]
    elif style in LAYOUTS:
        layout = LAYOUTS[style]
    else:
        raise ValueError(f"style: expected one of {list(STYLES)}, got {style!r}")
    if layout.hidden is not None and hidden not in (None, layout.hidden):
        raise ValueError(f"hidden: {layout.signature(name.rsplit('.', 1)[-1])} has "
                         f"{layout.hidden} hidden layers ({layout.assignment}), got {hidden!r}")
    hidden = layout.hidden or hidden or "relu"
    activation(hidden)
    if layout.depths is None:
        depths = DEPTHS if depths is None else _check_sizes("depths", depths, 1, 1, "numbers of layers")
    elif depths is not None and _check_sizes("depths", depths, 1, 1, "numbers of layers") != layout.depths:
        raise ValueError(f"depths: {layout.signature(name.rsplit('.', 1)[-1])} ({layout.assignment}) "
                         f"has L = {', '.join(map(str, layout.depths))} layers, got {tuple(depths)!r}")
    return layout, hidden, layout.depths or depths


def diagnose(backward: Callable, style: str | None = None, hidden: str | None = None, rng=0, *,
             depths: Sequence[int] | None = None, batch_sizes: Sequence[int] = BATCH_SIZES) -> Diagnosis:
    """Find by which factor each gradient of ``backward`` is off, and name the placement of 1/m.

    ``style`` says how ``backward`` is called (a key of :data:`oneoverm.assignments.LAYOUTS`); by
    default it is recognized from the function's name and number of arguments, as the course names
    them (``propagate``, ``backward_propagation``, ``L_model_backward``, ...), and is "course"
    otherwise. ``style="course"``: ``backward(AL, Y, caches)`` with ``caches[l-1] = ((A_prev, W, b),
    Z)`` for layers l = 1..L, hidden layers ``hidden`` (ReLU by default) and a sigmoid output.
    ``style="params"``: ``backward(X, Y, params)`` runs its own forward pass (hidden layers
    ``hidden``, sigmoid output, cross-entropy). Either returns a dict with "dW1", "db1", ..., "dWL",
    "dbL" (any case), and may return "dA0".."dAL" and "dZ1".."dZL" (other keys are ignored). Every
    array passed in is a fresh copy; the function's helpers are its own globals (a notebook's).

    The function is run on a new random network (:func:`draw_network`) for each depth in ``depths``
    (the assignment's own depth where it has one) and each batch size in ``batch_sizes`` (seeded by
    ``rng``), and each returned gradient g is compared with the exact gradient G of the cost: for
    each m, k = <g, G> / <G, G> and the residual ||g - k G|| / ||g||, then k = c m^p fitted over the
    batch sizes (p is snapped to a simple fraction within EXPONENT_TOL: -0.5 for 1/sqrt(m)). A
    regularized pass is compared with the gradient of the regularized cost, its L2 term fitted
    separately. What the function prints is kept in ``.printed``, out of the report.

    Raises :class:`NotRun` (a ValueError) when the function cannot run as written (it needs a name or
    module that is missing, or calls exit()), and :class:`oneoverm.assignments.FunctionFailed` (a
    ValueError) when it raises, or returns something that is not a dict of finite gradients of the
    right shapes: the message names the network (L, m) and the failing line of the function, and a
    shape error inside it is named as such, with the shapes of the arrays on that line.
    """
    if not callable(backward):
        raise ValueError(f"backward: expected a function, got {type(backward).__name__}")
    name = _name(backward)
    layout, hidden, depths = _layout(backward, name, style, hidden, depths)
    batch_sizes = _check_sizes("batch_sizes", batch_sizes, 2, 2, "batch sizes m")
    gen = as_generator(rng)
    signature = layout.signature(name.rsplit(".", 1)[-1])

    factors: dict[int, dict[str, Factor]] = {}
    l2_factors: dict[int, dict[str, Factor]] = {}
    kinds: dict[int, dict[str, set]] = {}
    notes, namings, printed = [], [], io.StringIO()
    for L in depths:
        scales, residuals, zero, l2_scales, kinds[L] = {}, {}, {}, {}, {}
        for m in batch_sizes:
            X, Y, params = draw_network(L, m, hidden, gen)
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                case = layout.case(X, Y, params, hidden, gen, backward)
                out = _call(backward, name, signature, case.args, case.fwd)
            read, naming = layout.read(out, case, name)
            grads, inter = _checked(read, name, case.fwd)
            notes += [case.note] if case.note and case.note not in notes else []
            namings += [naming] if naming and naming not in namings else []
            for key, g in grads.items():
                if case.l2 is not None and key in case.l2:
                    k, k2, r = _two_scales(g, case.exact[key], case.l2[key])
                    l2_scales.setdefault(key, []).append(k2)
                else:
                    k, r = scale_and_residual(g, case.exact[key])
                scales.setdefault(key, []).append(k)
                residuals.setdefault(key, []).append(r)
                zero[key] = zero.get(key, False) or not np.any(g)
            for key, value in inter.items():
                if key in case.intermediates:
                    kinds[L].setdefault(key, set()).add(_intermediate_kind(value, case.intermediates[key], m))
        factors[L] = {key: _factor(scales[key], residuals[key], zero[key], batch_sizes) for key in scales}
        l2_factors[L] = {key: _factor(ks, residuals[key], all(abs(k) <= MULTIPLE_TOL for k in ks),
                                      batch_sizes) for key, ks in l2_scales.items()}

    per_key = {L: {k: (v.pop() if len(v) == 1 else "other") for k, v in ks.items()}
               for L, ks in kinds.items()}
    found = frozenset(kind for ks in per_key.values() for kind in ks.values())
    intermediates = None if not found else (next(iter(found)) if found in ({"sum"}, {"mean"}) else "mixed")
    # which correct placement the intermediates show: all sums, all means, or sums above means
    seen = {frozenset({"sum"}): "sum", frozenset({"mean"}): "mean",
            frozenset({"sum", "mean"}): "hybrid"}.get(found)
    l2 = l2_factors if any(l2_factors.values()) else None
    verdict = _verdict(factors, seen, l2)
    deepest = factors[max(depths)]
    shown = per_key[max(depths)]
    order = sorted(shown, key=lambda k: (-int(k[2:]), k[1]))
    every = [f for fs in [*factors.values(), *(l2 or {}).values()] for f in fs.values()]
    return Diagnosis(
        function=name, style=layout.key, hidden=hidden,
        correct=all(f.exact for f in every),
        verdict=verdict,
        exponents={k: f.p for k, f in deepest.items()},
        constants={k: f.c for k, f in deepest.items()},
        intermediates=intermediates,
        intermediate_kinds={k: shown[k] for k in order},
        page=VERDICTS[verdict].page, label=VERDICTS[verdict].label, url=VERDICTS[verdict].url,
        depths=tuple(depths), batch_sizes=batch_sizes, factors=factors,
        signature=signature, l2_factors=l2, naming="; ".join(namings) or None, notes=tuple(notes),
        printed=printed.getvalue(), keep_prob=case.keep_prob,
    )
