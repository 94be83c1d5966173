"""Bodies of the DAGs' tasks, one module per DAG family: ``monthly`` (rapor_monthly),
``ingest`` (rapor_ingest_apps, _social, _hotline), ``publish`` (rapor_publish),
``early_warning`` (rapor_early_warning) and ``appeals`` (rapor_appeals).

Naming rule: the DAG task ``x`` calls ``rapor.tasks.<module>.x`` (the ingestion DAGs'
``collect_<stream>`` tasks all call ``ingest.collect_stream(<stream>)``). A body takes and
returns the JSON-able job payload the DAG passes through XCom (the ``TypedDict`` of its
module), opens the warehouse itself and is safe to retry. DAG files import these modules
only inside their tasks, so parsing a DAG stays light.
"""
