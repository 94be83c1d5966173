-- What the early warnings of one region-month achieved, per OPD.
--   :region_code      the region
--   :first_day        the month's first local day
--   :next_first_day   the next month's first local day
--   :first_response   the duty word of a first response (rapor.vocabulary DUTY_FIRST_RESPONSE)
-- A duty counts once, however many mornings named it, if it was still ahead of its deadline
-- on a warning day of the month; it was answered in time when its event (the first response
-- or the resolution, as the warehouse has it now) came by that deadline.
with warned as (
    select
        opd_code,
        source,
        complaint_id,
        duty,
        min(deadline_at) as deadline_at
    from early_warning_item
    where region_code = :region_code
      and day >= :first_day
      and day < :next_first_day
      and not overdue
    group by opd_code, source, complaint_id, duty
),

with_events as (
    select
        warned.opd_code,
        warned.deadline_at,
        case
            when warned.duty = :first_response then complaint.first_response_at
            else complaint.resolved_at
        end as done_at
    from warned
    join complaint
      on complaint.source = warned.source
     and complaint.complaint_id = warned.complaint_id
)

select
    opd_code,
    count(*) as n_warned,
    sum(case when done_at is not null and done_at <= deadline_at then 1 else 0 end) as n_answered_in_time
from with_events
group by opd_code
order by opd_code
