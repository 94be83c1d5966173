-- Inspection rows of one region dated in the scoring month or the months that
-- SCORING.md §4 lets carry forward.
--   :region_code, :first_day (first day of the oldest month), :end_day (first day after the month)
select
    opd_code,
    inspected_on,
    dimension,
    indicator,
    score
from inspection
where region_code = :region_code
  and inspected_on >= :first_day
  and inspected_on < :end_day
order by opd_code, inspected_on, indicator
