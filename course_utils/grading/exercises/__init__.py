"""Checks for the graded exercises, one module per chapter: ``chNN.py`` registers the ids ``"N.*"``.

Modules are imported lazily by :func:`course_utils.grading.registry.get` from the id's chapter prefix;
see :mod:`course_utils.grading` for the author API.
"""
