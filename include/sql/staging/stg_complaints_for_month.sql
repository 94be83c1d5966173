-- Complaints of one region whose clocks can touch the scoring month.
--   :region_code      the region
--   :month_end        first instant after the month (UTC)
--   :lookback_start   earliest clock start whose deadline can still fall in the month
-- A complaint belongs here when its OPD clock started before the month ended and either
-- started recently enough for a deadline to fall in the month (R1, R2) or was still
-- unresolved at month end (R3 backlog). Complaints not yet dispositioned to an OPD are
-- included: scoring leaves them out, the data-quality gate bounds their share.
-- An accepted appeal (complaint_override) excludes a complaint or corrects its first response
-- or resolution; the raw record stays as it arrived.
-- No reporter or text: nothing downstream of scoring may carry personal data.
with complaints as (
    select
        complaint.source,
        complaint.complaint_id,
        complaint.region_code,
        complaint.opd_code,
        complaint.channel,
        complaint.kind,
        complaint.received_at,
        complaint.forwarded_at,
        coalesce(complaint_override.first_response_at, complaint.first_response_at) as first_response_at,
        coalesce(complaint_override.resolved_at, complaint.resolved_at) as resolved_at,
        coalesce(complaint.forwarded_at, complaint.received_at) as clock_start_at
    from complaint
    left join complaint_override
        on complaint_override.source = complaint.source
        and complaint_override.complaint_id = complaint.complaint_id
    where complaint.region_code = :region_code
      and (complaint_override.source is null or not complaint_override.excluded)
),

touching_month as (
    select *
    from complaints
    where clock_start_at < :month_end
      and (
          clock_start_at >= :lookback_start
          or resolved_at is null
          or resolved_at >= :month_end
      )
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
from touching_month
order by source, complaint_id
