-- Complaints of the regions whose clocks can touch the scoring month.
--   :region_codes     the regions (one, or all those scored in one pass)
--   :month_end        first instant after the month (UTC), the latest of the regions' time zones
--   :first_month_end  the same, the earliest of the regions' time zones (= :month_end for one region)
--   :lookback_start   earliest clock start whose deadline can still fall in the month (of any region)
-- A complaint belongs here when its OPD clock started before the month ended and either
-- started recently enough for a deadline to fall in the month (R1, R2) or was still
-- unresolved at month end (R3 backlog). Complaints not yet dispositioned to an OPD are
-- included: scoring leaves them out, the data-quality gate bounds their share.
-- For several regions the window is the union of theirs (their months start a few hours apart):
-- a row outside its own region's window is in none of the month's populations, so scoring
-- (rapor.scoring.responsiveness.month_evidence) leaves it out as it leaves out every other.
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
    where complaint.region_code in :region_codes
      and (complaint_override.source is null or not complaint_override.excluded)
),

touching_month as (
    select *
    from complaints
    where clock_start_at < :month_end
      and (
          clock_start_at >= :lookback_start
          or resolved_at is null
          or resolved_at >= :first_month_end
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
order by region_code, source, complaint_id
