"""The examples in examples/python/ run and say what they should. Each needs an
optional library (SALib, matplotlib); outside CI a missing one skips its example with
a message, under CI=true it fails (.ci/run installs them)."""

import importlib.util
import subprocess
import sys

from conftest import EXAMPLES, missing


def run_example(name, *args, needs=()):
    for module in needs:
        if importlib.util.find_spec(module) is None:
            missing(f"{module} (for examples/python/{name})")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_sobol_example_finds_referrals_drive_waits():
    out = run_example("sobol_salib.py", needs=("SALib",))
    rows = [line.split() for line in out.splitlines() if line.split()[:1] == ["wait_mean_days"]]
    assert len(rows) == 6, out
    total_order = {r[1]: float(r[4]) for r in rows}
    assert max(total_order, key=total_order.get) == "referrals.rate_per_week", out


def test_abc_example_recovers_the_true_parameters():
    out = run_example("abc_rejection.py")
    assert out.count("truth") == 3 and "OUTSIDE" not in out, out


def test_fan_chart_example_writes_a_png(tmp_path):
    png = tmp_path / "fan.png"
    run_example("fan_chart.py", "--out", str(png), needs=("matplotlib",))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
