//! `catalogue!`: an enum whose variants each have a stable output name, with the list
//! of all variants in order and their count — declared once, so column lists, names
//! and indices cannot drift apart. The second form also gives each variant a record of
//! metadata (`info()`), written beside its name so the two cannot drift apart either.

macro_rules! catalogue {
    ($(#[$meta:meta])* $name:ident, $all:ident, $count:ident { $( $variant:ident => $text:literal, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub enum $name { $( $variant, )* }

        /// How many variants there are.
        pub const $count: usize = [$( $text ),*].len();

        /// Every variant, in declaration (column) order.
        pub const $all: [$name; $count] = [$( $name::$variant, )*];

        impl $name {
            /// The stable name used in output files.
            pub fn name(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }
        }
    };
    ($(#[$meta:meta])* $name:ident, $all:ident, $count:ident, $info:ident {
        $( $variant:ident => $text:literal { $( $field:ident : $value:expr ),* $(,)? }, )*
    }) => {
        catalogue!($(#[$meta])* $name, $all, $count { $( $variant => $text, )* });

        impl $name {
            /// Everything known about this variant besides its name, from the same
            /// declaration.
            pub fn info(self) -> &'static $info {
                const TABLE: [$info; $count] = [$( $info { $( $field: $value ),* }, )*];
                &TABLE[self as usize]
            }
        }
    };
}

pub(crate) use catalogue;
