"""The command lines behind ``tools/*.py`` (each module has ``parse_args`` and ``main(argv)``).

``tools/generate.py`` and the other scripts are thin wrappers, so a user runs them as mmseg's
tools; tests and other code import these modules like any other.
"""
