-- Complaints of one region that were with an OPD and still owed it an answer at one instant.
--   :region_code   the region
--   :as_of         the instant of the early warning (UTC)
-- Events after :as_of have not happened yet from that morning's point of view, so a run for
-- an earlier day (a re-run, a backfill) lists what was due then. Complaints not yet
-- dispositioned to an OPD, or dispositioned after :as_of, are nobody's to answer yet.
-- No reporter or text: the warning names a complaint by its source and ticket only.
with complaints as (
    select
        source,
        complaint_id,
        region_code,
        opd_code,
        channel,
        kind,
        confidential,
        received_at,
        forwarded_at,
        case when first_response_at <= :as_of then first_response_at end as first_response_at,
        case when resolved_at <= :as_of then resolved_at end as resolved_at,
        coalesce(forwarded_at, received_at) as clock_start_at
    from complaint
    where region_code = :region_code
      and opd_code is not null
      and opd_code <> ''
),

with_the_opd as (
    select *
    from complaints
    where received_at <= :as_of
      and clock_start_at <= :as_of
),

still_owed as (
    select *
    from with_the_opd
    where first_response_at is null
       or resolved_at is null
)

select
    source,
    complaint_id,
    region_code,
    opd_code,
    channel,
    kind,
    confidential,
    received_at,
    forwarded_at,
    first_response_at,
    resolved_at
from still_owed
order by source, complaint_id
