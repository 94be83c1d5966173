-- Inspection rows of the regions dated in the scoring month or the months that
-- SCORING.md §4 lets carry forward.
--   :region_codes (one or more), :first_day (first day of the oldest month), :end_day (first day after the month)
-- An accepted appeal (inspection_override) corrects an indicator's score; the raw row stays.
select
    inspection.region_code,
    inspection.opd_code,
    inspection.inspected_on,
    inspection.dimension,
    inspection.indicator,
    coalesce(inspection_override.score, inspection.score) as score
from inspection
left join inspection_override
    on inspection_override.region_code = inspection.region_code
    and inspection_override.opd_code = inspection.opd_code
    and inspection_override.inspected_on = inspection.inspected_on
    and inspection_override.indicator = inspection.indicator
where inspection.region_code in :region_codes
  and inspection.inspected_on >= :first_day
  and inspection.inspected_on < :end_day
order by inspection.region_code, inspection.opd_code, inspection.inspected_on, inspection.indicator
