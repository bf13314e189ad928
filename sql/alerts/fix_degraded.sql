-- title: Fix degraded
-- 1 for each receiver whose BESTPOS solutions over the rule's range (the last 5 minutes) hold no
-- RTK solution (fixed or float, alone or with the INS), or whose INS solutions there (when it
-- sends INSPVA) hold none that is INS_SOLUTION_GOOD; 0 otherwise. The rule fires above 0.
-- Receivers that sent neither have no row: that is the silent rule's case. From the raw positions
-- and ins tables, one after the other (no JOIN: on a cluster both are Distributed). Constants are
-- materialized: 18.16's UNION ALL refuses a column constant on one side only.
SELECT
    receiver,
    toUInt8((sum(solutions) > 0 AND sum(rtk) = 0) OR (sum(ins) > 0 AND sum(ins_good) = 0))
        AS degraded
FROM
(
    SELECT
        receiver,
        materialize(toUInt8(1)) AS solutions,
        toUInt8(pos_type_name IN ('L1_FLOAT', 'IONOFREE_FLOAT', 'NARROW_FLOAT', 'L1_INT',
            'WIDE_INT', 'NARROW_INT', 'RTK_DIRECT_INS', 'INS_RTKFLOAT', 'INS_RTKFIXED')) AS rtk,
        materialize(toUInt8(0)) AS ins,
        materialize(toUInt8(0)) AS ins_good
    FROM positions
    WHERE log = 'BESTPOS'
        AND $__timeFilter(time)
    UNION ALL
    SELECT
        receiver,
        materialize(toUInt8(0)) AS solutions,
        materialize(toUInt8(0)) AS rtk,
        materialize(toUInt8(1)) AS ins,
        toUInt8(ins_status_name = 'INS_SOLUTION_GOOD') AS ins_good
    FROM ins
    WHERE $__timeFilter(time)
)
GROUP BY receiver
ORDER BY receiver
