"""Exception types a user of Rapor can meet, with messages that say what to fix."""


class RaporError(Exception):
    """Base class for errors Rapor reports to its users."""


class ConfigError(RaporError):
    """A setting, policy file or registry entry is missing or invalid."""


class InputFileError(RaporError):
    """An input file cannot be read at all (missing, wrong format, missing columns).

    Bad *rows* are never raised: they are quarantined and the rest of the file loads.
    """

    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


class PeriodError(RaporError):
    """A scoring period is not of the form YYYY-MM."""


class ScoringOrderError(RaporError):
    """A region's month cannot be scored yet: the month before it was never scored, while earlier ones were."""
