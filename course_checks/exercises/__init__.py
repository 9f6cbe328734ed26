"""Every exercise of the course, one module per notebook (``nbNN_<name>.py``).

Importing this package imports every such module, which registers its exercises
(each module's ``register = registrar("NN_<name>")``; see ``docs/authoring.md``).
Generators and mistake builders several modules use live in ``_gen.py``.

Every entry has the same layout, ``register(name, reference, make_case, ...,
summary=..., mistakes=(Mistake(name, hint, impl), ...))``: the ``duplicates`` tool
lists a few pairs of entries whose layouts coincide line for line (same options, hints
of the same length). That is the registry's format, not repeated logic; a comment
above one entry of each such pair says which entry it lines up with.
"""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("nb"):
        importlib.import_module(f"{__name__}.{_info.name}")
