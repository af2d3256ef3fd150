//! `catalogue!`: an enum whose variants each have a stable output name, with the list
//! of all variants in order and their count — declared once, so column lists, names
//! and indices cannot drift apart.

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
}

pub(crate) use catalogue;
