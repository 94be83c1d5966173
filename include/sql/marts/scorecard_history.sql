-- Earlier categories of the regions' OPDs, for the TPP run rule (SCORING.md §6).
--   :region_codes (one or more), :first_period, :period (exclusive)
select
    region_code,
    opd_code,
    period,
    category
from scorecard
where region_code in :region_codes
  and period >= :first_period
  and period < :period
order by region_code, opd_code, period
