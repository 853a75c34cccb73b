"""The ``elmo`` command-line tool."""
