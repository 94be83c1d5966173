"""Scoring per SCORING.md: months, working-day clocks, R1/R2/R3, S_sop, zones, TPP, the §7 CSV.

Pure functions over DataFrames and exact fractions (periods, workdays, responsiveness, sop,
zones, tpp), the region-month scorer that reads and stores through the warehouse
(scorecard), and the one writer of the §7 CSV (scorecard_csv).
"""
