"""Exceptions that carry a message meant for the user: what is wrong and where."""


class ElmoError(Exception):
    """Base class: the command-line tool prints these as one line, without a traceback."""


class ConfigError(ElmoError):
    """An options or configuration file is missing a value, has an unknown key or a bad value."""


class ModelFileError(ElmoError):
    """A model or weight file is missing, unreadable, corrupt or does not match its options."""


class InputError(ElmoError):
    """User input (text, token lists, arguments) cannot be processed as given."""


class BusyError(ElmoError):
    """Another run holds the output (or the work folder) this run would write."""
