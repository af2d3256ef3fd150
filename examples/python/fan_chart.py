"""A fan chart with matplotlib from `Results.timeseries`: how the mean strain of the
link workers and the number of patients waiting evolve week by week, across 40
replications of the baseline scenario (median, 50% and 90% bands).

    python examples/python/fan_chart.py [--out fan_chart.png]
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import holdsim  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PANELS = [("strain_mean", "Mean strain of link workers"), ("queued", "Patients waiting for a link worker")]


def fan(ax, timeseries, column, title, warmup_weeks):
    # A last, shorter week would show a step that is only its length.
    full_weeks = timeseries[timeseries["days"] == 7]
    by_week = full_weeks.pivot(index="week", columns="replication", values=column)
    years = by_week.index.to_numpy() * 7 / 365
    q = by_week.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    ax.fill_between(years, q.loc[0.05], q.loc[0.95], color="#9ecae1", label="90% of replications")
    ax.fill_between(years, q.loc[0.25], q.loc[0.75], color="#4292c6", label="50% of replications")
    ax.plot(years, q.loc[0.5], color="#08306b", linewidth=1.5, label="median")
    ax.axvspan(0, warmup_weeks * 7 / 365, color="#d9d9d9", zorder=0, label="warm-up (not in KPIs)")
    ax.set_title(title, loc="left")
    ax.set_xlabel("years")
    ax.set_xlim(0, years.max())
    ax.grid(alpha=0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fan_chart.png"))
    parser.add_argument("--replications", type=int, default=40)
    args = parser.parse_args()
    res = holdsim.run(ROOT / "scenarios" / "baseline.toml", replications=args.replications, seed=1)
    warmup_weeks = res.manifest["kpi_window_days"][0] / 7
    fig, axes = plt.subplots(1, len(PANELS), figsize=(11, 4), constrained_layout=True)
    for ax, (column, title) in zip(axes, PANELS):
        fan(ax, res.timeseries, column, title, warmup_weeks)
    axes[0].legend(loc="lower right", fontsize="small", frameon=False)
    fig.suptitle(f"{res.scenario.title}: {args.replications} replications, seed 1", x=0.01, ha="left")
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
