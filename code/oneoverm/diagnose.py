"""``python -m oneoverm.diagnose PATH[:NAME] ...``: the command line of :func:`oneoverm.diagnose`.

This file only runs the command (:mod:`oneoverm.diagnose_command`, also installed as the console
script ``oneoverm-diagnose``). It is not a module to import: ``oneoverm.diagnose`` is the function,
and importing a submodule of that name would bind the name to the module in its place. So an
import of this file fails, with a message saying where to look, and leaves the function alone.
"""

if __name__ != "__main__":
    raise ImportError("oneoverm.diagnose is the function (import oneoverm as om; om.diagnose(fn)); "
                      "`python -m oneoverm.diagnose` is the command, whose code is "
                      "oneoverm.diagnose_command (main)", name=__name__)

import sys

from oneoverm.diagnose_command import main

sys.exit(main(prog="python -m oneoverm.diagnose"))
