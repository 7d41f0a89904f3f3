"""The ipyparallel side of the Slurm benchmark: ipyparallel's Slurm engine
launcher (SlurmEngineSetLauncher) on the private cluster of
mirror/slurmtest, as a user configures it, with the controller on this
machine listening at the address the nodes reach it at.

    python3 ipp_slurm.py ENGINES CONTROLLER_IP [SBATCH_OPTION ...]

Prints one JSON object: start_s, the time from creating the Cluster until
ENGINES engines are registered (controller start, ipyparallel's default 1 s
delay, sbatch, scheduling, engine start-up), and on the way controller_s
(the controller's process is launched; it is not ready yet) and
submitted_s (sbatch returned); map_sync_s, the
median of 21
warm DirectView.map_sync calls of x*10 over 1,000 ints (the workload of
mirror/e2e's benchmark), after one warm-up call; stop_s; nodes, the
hostnames of the engines. Needs IPYTHONDIR (a private profile) and
SLURM_CONF in its environment."""
import json
import os
import socket
import statistics
import sys
import time

import ipyparallel as ipp
from traitlets.config import Config

engines = int(sys.argv[1])
ip = sys.argv[2]
options = "".join("#SBATCH %s\n" % o for o in sys.argv[3:])
# SlurmEngineSetLauncher's default template, with the user's options.
template = (
    "#!/bin/sh\n"
    "#SBATCH --job-name=ipy-engine-{cluster_id}\n"
    "#SBATCH --ntasks={n}\n" + options + "srun {program_and_args}\n"
)

t0 = time.perf_counter()
cluster = ipp.Cluster(
    n=engines,
    engine_launcher_class="slurm",
    controller_ip=ip,
    controller_location=ip,
    profile_dir=os.path.join(os.environ["IPYTHONDIR"], "profile_default"),
    log_level=40,
    config=Config({"SlurmEngineSetLauncher": {"batch_template": template}}),
)
# What start_and_connect does (ipyparallel 7.1), timed step by step.
cluster.start_controller_sync()
controller = time.perf_counter() - t0
time.sleep(cluster.delay)
cluster.start_engines_sync(engines)
submitted = time.perf_counter() - t0
rc = cluster.connect_client_sync()
try:
    rc.wait_for_engines(engines, timeout=120)
    start = time.perf_counter() - t0
    view = rc[:]
    nodes = sorted(view.apply_sync(socket.gethostname))
    want = [x * 10 for x in range(1000)]
    view.map_sync(lambda x: x * 10, range(1000))  # warm up
    times = []
    for _ in range(21):
        t = time.perf_counter()
        out = view.map_sync(lambda x: x * 10, range(1000))
        times.append(time.perf_counter() - t)
        assert list(out) == want
finally:
    t = time.perf_counter()
    cluster.stop_cluster_sync()
    stop = time.perf_counter() - t
print(
    json.dumps(
        {
            "start_s": start,
            "controller_s": controller,
            "submitted_s": submitted,
            "map_sync_s": statistics.median(times),
            "stop_s": stop,
            "nodes": nodes,
        }
    )
)
