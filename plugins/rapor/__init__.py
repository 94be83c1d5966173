"""Rapor: monthly compliance scorecards for Indonesian regional agencies (OPD).

The package holds all of Rapor's logic as plain, importable functions; the DAGs in
``dags/`` only wire them together. Keep this module free of heavy imports: Airflow
parses DAG files often, and the DAG files import from here only inside tasks.
"""

METHOD_VERSION = "2026.1"
