//! What the engine records each day (docs/model.md § 3 step 8) and how days add up into
//! weekly series and the KPI window.
//!
//! A day's record is a flat array indexed by [`Series`], so weekly and window totals
//! are plain element-wise sums (with a max for `strain_max`), and the time-series
//! writer gets its column names from the same table.

use crate::catalogue::catalogue;

catalogue!(
    /// Every recorded quantity. How a week aggregates it is given by [`Series::aggregate`].
    Series, ALL_SERIES, SERIES_COUNT {
        LwActive => "lw_active",
        LwSickLeave => "lw_sick_leave",
        LwVacant => "lw_vacant",
        // Strain and open caseload of Active LWs: a day holds the total over them,
        // a week's value (and the file column) the mean per Active LW-day.
        Strain => "strain_mean",
        StrainMax => "strain_max",
        Queued => "queued",
        Connecting => "connecting",
        Holding => "holding",
        HoldingWaiting => "holding_waiting",
        HoldingPreparing => "holding_preparing",
        HoldingWitnessing => "holding_witnessing",
        Caseload => "caseload_mean",
        DeliveredHours => "delivered_hours",
        OvertimeHours => "overtime_hours",
        UnmetHours => "unmet_hours",
        EmotionalLoad => "emotional_load",
        // New referrals that day (the file column keeps its first name).
        Referrals => "arrivals",
        DischargedConnected => "discharged_connected",
        DischargedResolved => "discharged_resolved",
        ReturnedQueueDropout => "returned_queue_dropout",
        ReturnedBoundary => "returned_boundary",
        ReturnedRupture => "returned_rupture",
        ReturnedAfterAssignment => "returned_after_assignment",
        Ruptures => "ruptures",
        Burnouts => "burnouts",
        Exits => "exits",
        Hires => "hires",
        CostPosts => "cost_posts",
        CostRecruitment => "cost_recruitment",
        CostSupervision => "cost_supervision",
        CostTraining => "cost_training",
        Cost => "cost",
    }
);

/// How a series aggregates over the days of a week (or over sites).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// A stock: the weekly mean of the daily values, summed over sites.
    Stock,
    /// A flow: the weekly sum, summed over sites.
    Flow,
    /// A mean per Active LW-day: the day holds the sum over Active LWs; the week
    /// divides by the Active LW-days.
    PerActiveLwDay,
    /// The maximum over the week's Active LW-days.
    Max,
}

impl Series {
    pub fn aggregate(self) -> Aggregate {
        use Series::*;
        match self {
            LwActive | LwSickLeave | LwVacant | Queued | Connecting | Holding | HoldingWaiting
            | HoldingPreparing | HoldingWitnessing => Aggregate::Stock,
            Strain | Caseload => Aggregate::PerActiveLwDay,
            StrainMax => Aggregate::Max,
            _ => Aggregate::Flow,
        }
    }

    /// What the weekly value means, for the README and CSV docs.
    pub fn unit(self) -> &'static str {
        use Series::*;
        match self.aggregate() {
            Aggregate::Stock => "mean count over the week's days",
            Aggregate::Flow => match self {
                DeliveredHours | OvertimeHours | UnmetHours => "hours in the week",
                EmotionalLoad => "distress-weighted hours in the week",
                CostPosts => "£ in the week (filled posts' pay)",
                CostRecruitment => "£ in the week (hires)",
                CostSupervision => "£ in the week (supervision of filled posts)",
                CostTraining => "£ in the week (training of filled posts)",
                Cost => "£ in the week (posts, hires, supervision, training)",
                _ => "count in the week",
            },
            Aggregate::PerActiveLwDay => match self {
                Strain => "mean strain over Active LW-days",
                _ => "mean open caseload over Active LW-days",
            },
            Aggregate::Max => {
                let _ = StrainMax;
                "maximum strain over Active LW-days"
            }
        }
    }
}

/// One day's (or a sum of days') values, indexed by [`Series`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesValues(pub [f64; SERIES_COUNT]);

impl Default for SeriesValues {
    fn default() -> Self {
        SeriesValues([0.0; SERIES_COUNT])
    }
}

impl std::ops::Index<Series> for SeriesValues {
    type Output = f64;
    #[inline]
    fn index(&self, s: Series) -> &f64 {
        &self.0[s as usize]
    }
}

impl std::ops::IndexMut<Series> for SeriesValues {
    #[inline]
    fn index_mut(&mut self, s: Series) -> &mut f64 {
        &mut self.0[s as usize]
    }
}

impl SeriesValues {
    /// Adds `day` into this total (sums, and max for `strain_max`).
    #[inline]
    pub fn accumulate(&mut self, day: &SeriesValues) {
        let m = Series::StrainMax as usize;
        let max = self.0[m].max(day.0[m]);
        for (total, value) in self.0.iter_mut().zip(day.0.iter()) {
            *total += value;
        }
        self.0[m] = max;
    }
}

/// A week's totals: raw sums of daily records and how many days they cover.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WeekTotal {
    pub days: u32,
    pub sum: SeriesValues,
}

impl WeekTotal {
    /// The weekly series values as docs/model.md § 9 item 6 defines them. A mean over no Active
    /// LW-days is NaN (written as an empty field).
    pub fn values(&self) -> SeriesValues {
        let mut out = SeriesValues::default();
        self.values_into(&mut out.0);
        out
    }

    /// [`WeekTotal::values`] into `out`: the time series' writer calls it for every
    /// week of every replication, so the values are made where they are read.
    pub fn values_into(&self, out: &mut [f64; SERIES_COUNT]) {
        *out = self.sum.0;
        let days = f64::from(self.days.max(1));
        let active_days = self.sum[Series::LwActive];
        for s in ALL_SERIES {
            let v = &mut out[s as usize];
            match s.aggregate() {
                Aggregate::Stock => *v /= days,
                Aggregate::Flow => {}
                Aggregate::PerActiveLwDay | Aggregate::Max => {
                    if active_days == 0.0 {
                        *v = f64::NAN;
                    } else if s.aggregate() == Aggregate::PerActiveLwDay {
                        *v /= active_days;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_table_is_consistent() {
        for (i, s) in ALL_SERIES.iter().enumerate() {
            assert_eq!(*s as usize, i, "{} out of order", s.name());
        }
        let mut names: Vec<_> = ALL_SERIES.iter().map(|s| s.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SERIES_COUNT);
    }

    #[test]
    fn weeks_average_stocks_sum_flows_and_take_max() {
        let mut week = WeekTotal::default();
        for (active, strain_sum, strain_max, queued, arrivals) in
            [(3.0, 1.5, 0.7, 10.0, 2.0), (2.0, 0.5, 0.3, 20.0, 3.0)]
        {
            let mut day = SeriesValues::default();
            day[Series::LwActive] = active;
            day[Series::Strain] = strain_sum;
            day[Series::StrainMax] = strain_max;
            day[Series::Queued] = queued;
            day[Series::Referrals] = arrivals;
            week.sum.accumulate(&day);
            week.days += 1;
        }
        let v = week.values();
        assert_eq!(v[Series::LwActive], 2.5);
        assert_eq!(v[Series::Queued], 15.0);
        assert_eq!(v[Series::Referrals], 5.0);
        assert_eq!(v[Series::Strain], 2.0 / 5.0);
        assert_eq!(v[Series::StrainMax], 0.7);
    }
}
