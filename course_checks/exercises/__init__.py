"""Every exercise of the course, one module per notebook (``nbNN_<name>.py``).

Importing this package imports every such module, which registers its exercises.
"""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("nb"):
        importlib.import_module(f"{__name__}.{_info.name}")
