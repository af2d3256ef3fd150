//! The one table of a scenario file's sections.
//!
//! Every place that must know every section — the [`Scenario`] struct, its accessors
//! by section name, the loader's dispatch of `[[…]]` arrays, the sections listed in
//! messages, and the experiment file's pass-through of scenario sections
//! ([`crate::experiment`]) — is generated from [`scenario_sections!`], so a section
//! added there is accepted, loaded, rendered and passed through everywhere at once.
//! Before this table the lists were written out by hand in several places and had
//! drifted: an experiment file with `[[site_group]]` was refused.

use serde_json::{Map, Value};
use toml::de::DeArray;

use super::load::{Entries, Loader, Text};
use super::params::{self, Cost, Policy, Referrals, Run, Strain, Support, Workforce};
use super::registry::{Record, Spec};
use super::render::RenderEntry;
use super::{Profile, Service, SiteGroup};

/// Calls `$callback!` with every section of a scenario file, in file order:
/// `tables { name: Type, … }` for the scalar sections (`[run]`, …), whose keys the
/// registry declares, and `arrays { name => field: Entry = default, … }` for the
/// arrays of tables (`[[profile]]`, …), whose entries the loader reads through
/// [`Entries`] and `check` and manifests render through `RenderEntry`. Each item may carry doc comments, which the generated struct keeps.
macro_rules! scenario_sections {
    ($callback:ident) => {
        $callback! {
            tables {
                run: Run,
                referrals: Referrals,
                workforce: Workforce,
                strain: Strain,
                support: Support,
                policy: Policy,
                cost: Cost,
            }
            arrays {
                profile => profiles: Profile = params::default_profiles(),
                service => services: Service = params::default_services(),
                /// Groups of sites with their own parameters (`[[site_group]]`); empty
                /// when every site is alike. With groups, the scenario's sites are the
                /// groups' sites, in order.
                site_group => site_groups: SiteGroup = Vec::new(),
            }
        }
    };
}

pub(crate) use scenario_sections;

/// Generates the [`Scenario`] struct and everything that lists its sections.
macro_rules! define_scenario {
    (
        tables { $( $(#[$tmeta:meta])* $table:ident : $table_ty:ident, )* }
        arrays { $( $(#[$ameta:meta])* $array:ident => $field:ident : $entry:ident = $default:expr, )* }
    ) => {
        /// A complete, validated scenario: every key has a value.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Scenario {
            /// What the scenario is called in every output (`title = "…"`); outputs
            /// fall back to the file stem. Inherited through `base` like any key.
            pub title: Option<String>,
            /// Free text saying what the scenario is for (`description = "…"`).
            pub description: Option<String>,
            $( $(#[$tmeta])* pub $table: $table_ty, )*
            $( $(#[$ameta])* pub $field: Vec<$entry>, )*
        }

        impl Default for Scenario {
            fn default() -> Self {
                Scenario {
                    title: None,
                    description: None,
                    $( $table: $table_ty::default(), )*
                    $( $field: $default, )*
                }
            }
        }

        /// The scalar sections in file order, by name.
        pub const SECTIONS: &[&str] = &[ $( stringify!($table), )* ];

        /// The array-of-tables sections (`[[profile]]`, …) in file order, by name.
        pub const ARRAY_SECTIONS: &[&str] = &[ $( stringify!($array), )* ];

        /// Specs of a named scalar section.
        pub fn section_specs(section: &str) -> Option<&'static [Spec]> {
            match section {
                $( stringify!($table) => Some($table_ty::specs()), )*
                _ => None,
            }
        }

        impl Scenario {
            pub(super) fn section_mut(&mut self, section: &str) -> Option<&mut dyn RecordDyn> {
                match section {
                    $( stringify!($table) => Some(&mut self.$table), )*
                    _ => None,
                }
            }

            pub(super) fn section(&self, section: &str) -> Option<&dyn RecordDyn> {
                match section {
                    $( stringify!($table) => Some(&self.$table), )*
                    _ => None,
                }
            }

            /// Appends every entry of every array section, each under its
            /// `[[name]]` header, as `check` prints them.
            pub(super) fn write_arrays_toml(&self, out: &mut String) {
                $( for entry in &self.$field {
                    out.push_str(concat!("[[", stringify!($array), "]]\n"));
                    <$entry as RenderEntry>::write_toml(entry, out);
                } )*
            }

            /// Inserts every array section into `root` by name, as manifests record them.
            pub(super) fn insert_arrays_json(&self, root: &mut Map<String, Value>) {
                $(
                    let entries = self.$field.iter().map(<$entry as RenderEntry>::to_json).collect();
                    root.insert(stringify!($array).into(), Value::Array(entries));
                )*
            }

            /// Replaces the entries of the array section `name` with a file's array
            /// (a file's `[[profile]]`s replace the ones it inherits); false when
            /// `name` is no array section.
            pub(super) fn read_array(
                &mut self,
                loader: &mut Loader,
                name: &str,
                label: &str,
                text: &Text<'_>,
                items: &DeArray<'_>,
            ) -> bool {
                match name {
                    $( stringify!($array) => {
                        self.$field = <$entry as Entries>::read_all(loader, self, label, text, items);
                        true
                    } )*
                    _ => false,
                }
            }
        }
    };
}

scenario_sections!(define_scenario);

/// Every section as its file header, in file order: `[run], …, [[site_group]]`.
pub(super) fn section_headers() -> String {
    let tables = SECTIONS.iter().map(|s| format!("[{s}]"));
    let arrays = ARRAY_SECTIONS.iter().map(|s| format!("[[{s}]]"));
    tables.chain(arrays).collect::<Vec<_>>().join(", ")
}

/// Object-safe view of [`Record`] so sections can be chosen by name.
pub(super) trait RecordDyn {
    fn get_dyn(&self, key: &str) -> Option<super::Number>;
    fn set_dyn(&mut self, key: &str, value: super::Number) -> Result<(), super::SetError>;
}

impl<R: Record> RecordDyn for R {
    fn get_dyn(&self, key: &str) -> Option<super::Number> {
        self.get(key)
    }
    fn set_dyn(&mut self, key: &str, value: super::Number) -> Result<(), super::SetError> {
        self.set(key, value)
    }
}
