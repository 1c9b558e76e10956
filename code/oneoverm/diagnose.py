"""The command line of :func:`oneoverm.diagnose`. Introduced in {ref}`check-your-code`.

    python -m oneoverm.diagnose path/to/file.py:function_name [--style course|params] [--hidden relu]

prints the report and exits with 0 when the gradients are correct, 1 when not, 2 on bad input.
Run it with ``-m``; in Python, call ``oneoverm.diagnose`` (the function) or
``oneoverm.diagnosis.main``. (Importing this module would bind the name ``oneoverm.diagnose`` to
it in place of the function.)
"""

import sys

from oneoverm.diagnosis import main

if __name__ == "__main__":
    sys.exit(main())
