//! Typed ids: a flow that takes an `ApplicationId` cannot be handed a user's id by mistake.
//! They cross the web → flow boundary (path segments deserialize into them); the domain's
//! queries take the plain number inside.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The number stored in the database.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A person's account.
    UserId
);
id_type!(
    /// A chapter.
    ChapterId
);
id_type!(
    /// A join application.
    ApplicationId
);
id_type!(
    /// A signed-in session.
    SessionId
);
