"""Baseline for the mirror benchmark: a warm DirectView map_sync of
1,000 elements of x*10 on 2 ipyparallel engines. Prints the median seconds
of 21 warm calls."""
import statistics
import time

import ipyparallel as ipp

with ipp.Cluster(n=2, log_level=40) as rc:
    view = rc[:]
    view.map_sync(lambda x: x * 10, range(1000))  # warm up
    times = []
    for _ in range(21):
        t0 = time.perf_counter()
        out = view.map_sync(lambda x: x * 10, range(1000))
        times.append(time.perf_counter() - t0)
        assert list(out) == [x * 10 for x in range(1000)]
    print(statistics.median(times))
