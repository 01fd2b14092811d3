//! The `nomenclature!` macro: a closed list with a stable slug (URLs, API, database), a French and
//! an English label. Every closed list of the domain is declared with it.

/// Declares a closed list: the enum, its `ALL` order, slugs and labels.
macro_rules! nomenclature {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => ($slug:literal, $fr:literal, $en:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }
            pub fn from_slug(s: &str) -> Option<Self> {
                match s { $($slug => Some($name::$variant),)+ _ => None }
            }
            pub fn label_fr(self) -> &'static str {
                match self { $($name::$variant => $fr),+ }
            }
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
            /// Position in `ALL` (bit number in masks, facet slot).
            pub fn index(self) -> usize {
                self as usize
            }
            /// The list of slugs, for error messages.
            pub fn slugs() -> String {
                Self::ALL.iter().map(|v| v.slug()).collect::<Vec<_>>().join(", ")
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.slug())
            }
        }
    };
}
