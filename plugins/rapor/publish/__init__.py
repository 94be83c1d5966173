"""Publication of scorecards: versioned revisions, the Inspektorat's report, the BKD's TPP file,
notifications and the web view inside Airflow.

A published region-month is identified by (region, month, revision) and lives in
``output/published/<region>/<YYYY-MM>/r<revision>/``; nothing there is ever rewritten.
"""
