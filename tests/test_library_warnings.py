"""Libraries' deprecation warnings are hidden in the processes the stack starts; the project's
own warnings, and libraries' other warnings, still show. (tests/e2e/test_engage_run.py checks
the real start-up output.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = str(Path(sys.executable).parent.parent / "lib" / "python3.10" / "site-packages"
              / "somelib" / "core.py")


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stderr


def warn_all_kinds(prelude: str) -> str:
    return run(f"""
import warnings
{prelude}
warnings.simplefilter("default")  # as Sanic and Rasa do, in front of every earlier filter
warnings.warn_explicit("library deprecation", DeprecationWarning, {LIBRARY!r}, 1)
warnings.warn_explicit("library pending", PendingDeprecationWarning, {LIBRARY!r}, 2)
warnings.warn_explicit("library user warning", UserWarning, {LIBRARY!r}, 3)
warnings.warn_explicit("our deprecation", DeprecationWarning, {str(ROOT / 'bot' / 'x.py')!r}, 4)
warnings.warn_explicit("our action's", FutureWarning, {str(ROOT / 'actions' / 'x.py')!r}, 5)
""")


def test_without_silencing_every_warning_shows():
    shown = warn_all_kinds("")
    for text in ("library deprecation", "library pending", "library user warning",
                 "our deprecation", "our action's"):
        assert text in shown


def test_silenced_only_the_libraries_deprecations_go():
    shown = warn_all_kinds("from bot import library_warnings; library_warnings.silence()")
    assert "library deprecation" not in shown and "library pending" not in shown
    assert "library user warning" in shown
    assert "our deprecation" in shown and "our action's" in shown


def test_a_real_library_deprecation_at_import_is_hidden():
    code = "import warnings; {}; warnings.simplefilter('default'); import rasa.core.tracker_store"
    assert "MovedIn20Warning" in run(code.format("pass"))
    assert "MovedIn20Warning" not in run(code.format(
        "from bot import library_warnings; library_warnings.silence()"))
