"""The data-quality gate: no sanction on bad data (Great Expectations suites in ``expectations/``)."""
