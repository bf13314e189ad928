-- title: C/N0 per satellite
-- C/N0 (dB-Hz) of each receiver's satellites and signals over the whole range: mean, minimum,
-- maximum and observations. From the raw observations table (the aggregates have no PRN).
-- GLONASS PRNs are the slot plus 37, as the receiver reports them.
SELECT
    receiver,
    constellation,
    prn,
    signal,
    avg(cn0_dbhz) AS cn0_mean_dbhz,
    min(cn0_dbhz) AS cn0_min_dbhz,
    max(cn0_dbhz) AS cn0_max_dbhz,
    count() AS observations
FROM observations
WHERE receiver IN (${receiver:singlequote})
    AND $__timeFilter(time)
GROUP BY receiver, constellation, prn, signal
ORDER BY receiver, constellation, prn, signal
