"""What parameter uncertainty adds: the baseline and the supported option run with
the default parameters (chance only) and with the bundled literature posterior
(`calibration/literature-posterior.csv`: one particle per replication, parameters and
chance together). Draws the baseline's weekly mean strain as fans (the posterior
widens them: strain is where the parameters act), and each arm's exits per post a
year as its 95% interval across replications beside the t-CI of the mean (a team of
three has few leavers, so chance dominates that spread; the posterior moves its
centre). Prints the intervals of both KPIs and the probability that the option has
fewer exits than the baseline.

    python examples/python/posterior_fan.py [--out posterior_fan.png] [--replications 200]
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import holdsim  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
POSTERIOR = ROOT / "calibration" / "literature-posterior.csv"
SCENARIOS = [ROOT / "scenarios" / "baseline.toml", ROOT / "scenarios" / "supported.toml"]
KPI = "exits_per_post_year"
PRINTED = ["mean_strain", KPI]
ARMS = [("chance only", None, "#4292c6"), ("parameters and chance", POSTERIOR, "#e6550d")]


def fan(ax, timeseries, colour, label):
    """The median and 90% band across replications of the weekly mean strain."""
    full_weeks = timeseries[timeseries["days"] == 7]
    by_week = full_weeks.pivot(index="week", columns="replication", values="strain_mean")
    years = by_week.index.to_numpy() * 7 / 365
    q = by_week.quantile([0.05, 0.5, 0.95], axis=1)
    ax.fill_between(years, q.loc[0.05], q.loc[0.95], color=colour, alpha=0.3, linewidth=0, label=f"{label}: 90%")
    ax.plot(years, q.loc[0.5], color=colour, linewidth=1.5, label=f"{label}: median")


def intervals(ax, y, summary, colour, label):
    """The 95% interval across replications (thin) and the t-CI of the mean (thick);
    `label` None leaves them out of the legend."""
    row = summary.set_index("kpi").loc[KPI]
    thin = f"{label}: 95% of replications" if label else None
    thick = f"{label}: 95% CI of the mean" if label else None
    ax.hlines(y, row["p2_5"], row["p97_5"], color=colour, linewidth=2, label=thin)
    ax.hlines(y, row["ci_low"], row["ci_high"], color=colour, linewidth=8, label=thick)
    ax.plot(row["mean"], y, "o", color="white", markeredgecolor=colour, markersize=5)


def describe(name, summary):
    """One line per printed KPI: its mean with t-CI, and 95% of replications."""
    rows = summary.set_index("kpi")
    for kpi in PRINTED:
        r = rows.loc[kpi]
        print(
            f"  {name:<10} {kpi:<20} mean {r['mean']:.3f} (95% CI of the mean {r['ci_low']:.3f}–{r['ci_high']:.3f}); "
            f"95% of replications {r['p2_5']:.3f}–{r['p97_5']:.3f} (width {r['p97_5'] - r['p2_5']:.3f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("posterior_fan.png"))
    parser.add_argument("--replications", type=int, default=200)
    args = parser.parse_args()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    labels, better = [], []
    for k, (label, posterior, colour) in enumerate(ARMS):
        cmp = holdsim.compare(SCENARIOS, replications=args.replications, seed=1, posterior=posterior)
        fan(left, cmp.results["baseline"].timeseries, colour, label)
        print(f"{label}:")
        for j, (name, res) in enumerate(cmp.results.items()):
            intervals(right, 2 * j + 0.35 * (k - 0.5), res.summary, colour, label if j == 0 else None)
            describe(name, res.summary)
            if k == 0:
                # "Today: 3 link workers, ..." → "Today": the tick labels stay short.
                labels.append((res.scenario.title or name).split(":")[0])
        option = cmp.table[(cmp.table["scenario"] == "supported") & (cmp.table["kpi"] == KPI)].iloc[0]
        print(f"  P(supported has fewer exits than the baseline) = {option['p_better']:.2f}")
        better.append(f"{option['p_better']:.2f} {label}")
    warmup_years = cmp.results["baseline"].manifest["kpi_window_days"][0] / 365
    left.axvspan(0, warmup_years, color="#d9d9d9", zorder=0, label="warm-up (not in KPIs)")
    left.set_title("Baseline: mean strain of link workers, week by week", loc="left")
    left.set_xlabel("years")
    left.set_ylabel("mean strain (0–1)")
    left.set_ylim(0, 1)
    left.grid(alpha=0.3)
    left.legend(loc="upper left", ncol=2, fontsize="small", frameon=False)
    right.text(
        0.98, 0.38, f"P(fewer exits than {labels[0]}):\n" + "\n".join(better),
        transform=right.transAxes, ha="right", va="center", fontsize="small",
    )
    right.set_yticks([0, 2], labels)
    right.set_ylim(-0.8, 4.2)
    right.set_title("Exits per post a year", loc="left")
    right.set_xlabel("leavers per link-worker post per year")
    right.grid(axis="x", alpha=0.3)
    right.legend(loc="upper right", fontsize="small", frameon=False)
    fig.suptitle(
        f"With and without the literature posterior: {args.replications} replications, seed 1", x=0.01, ha="left"
    )
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
