-- Earlier categories of a region's OPDs, for the TPP run rule (SCORING.md §6).
--   :region_code, :first_period, :period (exclusive)
select
    opd_code,
    period,
    category
from scorecard
where region_code = :region_code
  and period >= :first_period
  and period < :period
order by opd_code, period
