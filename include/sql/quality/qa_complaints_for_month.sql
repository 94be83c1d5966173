-- The complaints the data-quality gate checks for one region and month: the same window
-- as staging/stg_complaints_for_month (clocks that touch the month), but including the
-- complaints not yet dispositioned to an OPD, whose share the gate bounds.
--   :region_code      the region
--   :month_end        first instant after the month (UTC)
--   :lookback_start   earliest clock start whose deadline can still fall in the month
-- No reporter or text: Data Docs quote unexpected values and must carry no personal data.
with complaints as (
    select
        source,
        complaint_id,
        region_code,
        opd_code,
        channel,
        kind,
        received_at,
        forwarded_at,
        first_response_at,
        resolved_at,
        coalesce(forwarded_at, received_at) as clock_start_at
    from complaint
    where region_code = :region_code
)

select
    source,
    complaint_id,
    region_code,
    opd_code,
    channel,
    kind,
    received_at,
    forwarded_at,
    first_response_at,
    resolved_at
from complaints
where clock_start_at < :month_end
  and (
      clock_start_at >= :lookback_start
      or resolved_at is null
      or resolved_at >= :month_end
  )
order by source, complaint_id
