"""Well-behaved in Python: the GIL is released while simulating (other Python threads
keep running, and runs in several threads agree with runs in one), Ctrl-C raises
KeyboardInterrupt promptly, and nothing is printed to stdout."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pandas as pd

import holdsim

from conftest import ROOT

LONG = str(ROOT / "scenarios" / "baseline.toml")


def test_other_python_threads_run_while_holdsim_simulates():
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    started = len(ticks)
    try:
        # Long enough (a few hundred ms) that a released GIL gives the counter many
        # turns on any machine; a held one gives it none.
        holdsim.run(LONG, replications=400, seed=1)
    finally:
        stop.set()
        counter.join()
    # Holding the GIL for the whole run would leave the counter at (nearly) zero.
    assert len(ticks) - started > 20


def test_runs_in_several_python_threads_agree_with_one():
    expected = holdsim.run(LONG, replications=3, seed=5).replications
    results = [None] * 3

    def work(i):
        results[i] = holdsim.run(LONG, replications=3, seed=5).replications

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        pd.testing.assert_frame_equal(r, expected)


def _interrupted_after_start(call: str):
    """Starts a python process running `call` on a long run, sends it SIGINT once the
    run has begun, and returns (seconds from SIGINT to exit, stdout, stderr)."""
    script = textwrap.dedent(
        f"""
        import sys, holdsim
        s = holdsim.Scenario.load({LONG!r})
        print("started", flush=True)
        try:
            {call}
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(0)
        print("finished", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return time.monotonic() - sent, out, err


def test_ctrl_c_interrupts_a_long_run_with_keyboard_interrupt():
    # 100,000 replications would take many minutes.
    waited, out, err = _interrupted_after_start("holdsim.run(s, replications=100000, seed=1)")
    assert out.strip() == "interrupted", (out, err)
    assert waited < 5, f"KeyboardInterrupt took {waited:.1f} s"


def test_ctrl_c_interrupts_simulate_many():
    waited, out, err = _interrupted_after_start(
        "holdsim.simulate_many(s, [{'strain.alpha': 0.05}] * 5000, replications=20, seed=1)"
    )
    assert out.strip() == "interrupted", (out, err)
    assert waited < 5, f"KeyboardInterrupt took {waited:.1f} s"


def _long_sweep(folder, replications):
    """An experiment over the long scenario: 40 points of `replications` each."""
    experiment = folder / "long_sweep.toml"
    experiment.write_text(
        f"""
base = "{LONG}"
[experiment]
replications = {replications}
[design]
method = "grid"
[[design.factor]]
path = "referrals.rate_per_week"
from = 10.0
to = 29.5
step = 0.5
"""
    )
    return experiment


def test_ctrl_c_interrupts_a_sweep_between_chunks_of_points(tmp_path):
    experiment = _long_sweep(tmp_path, 400)
    out = tmp_path / "out"
    waited, printed, err = _interrupted_after_start(f"holdsim.sweep({str(experiment)!r}, {str(out)!r})")
    assert printed.strip() == "interrupted", (printed, err)
    assert waited < 5, f"KeyboardInterrupt took {waited:.1f} s"
    # Stopped part-way: not finished (its checkpoint stays for a rerun to resume).
    assert not (out / "manifest.json").exists()


def test_nothing_is_printed_to_stdout(capfd, tmp_path):
    holdsim.run(LONG, replications=2, seed=1)
    holdsim.simulate(LONG, {}, replications=1, seed=1)
    holdsim.sweep(_long_sweep(tmp_path, 1), tmp_path / "sweep", set=["run.horizon_days=400"])
    out, err = capfd.readouterr()
    assert out == "" and err == ""
