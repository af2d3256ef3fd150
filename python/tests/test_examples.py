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


def test_posterior_example_widens_the_spread_of_strain(tmp_path):
    png = tmp_path / "posterior.png"
    out = run_example("posterior_fan.py", "--out", str(png), "--replications", "60", needs=("matplotlib",))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    widths = [float(line.rsplit("(width ", 1)[1].rstrip(")")) for line in out.splitlines() if "mean_strain" in line]
    assert len(widths) == 4, out
    chance, drawn = widths[:2], widths[2:]
    assert all(d > c for d, c in zip(drawn, chance)), out
    assert out.count("P(supported has fewer exits") == 2, out
