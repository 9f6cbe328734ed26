"""Every exercise of the course, one module per notebook; importing registers them."""

from . import nb00_welcome, nb01_practical_aspects  # noqa: F401
