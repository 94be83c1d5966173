"""Collectors: scheduled ingestion of complaints from the apps, social media and the hotline.

The path of a collected complaint (docs/architecture.md):

    channel API / inbox file
      -> http.py        one requests.Session per connection: timeouts, retries, rate limits
      -> raw.py         every page or file stored unchanged (sha256), indexed in raw_landing
      -> streams/       one class per platform endpoint: paginate, parse, keep state
      -> normalise.py   canonical complaint rows: OPD from the account registry or the
                        routing rules (routing.py), UTC timestamps, first response, resolution
      -> imports.complaints.load_complaint_frame   the same checks, privacy and upsert as files
      -> state.py       the stream's state, committed in the same transaction

Nothing here is imported by DAG files at parse time.
"""
