//! Typed ids: a flow that takes an `ApplicationId` cannot be handed a user's id by mistake.
//! They are read from and written to the database as they are (a `BIGINT` on both backends),
//! and path segments deserialize into them, so a row's id keeps its type from the URL to SQL.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Deserialize,
            serde::Serialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        pub struct $name(pub i64);

        // One implementation for every backend: the id is stored as the number inside.
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>>::from_sql(bytes)
                    .map($name)
            }
        }

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
id_type!(
    /// An event.
    EventId
);
id_type!(
    /// A membership row (a person's role in one chapter).
    MembershipId
);
id_type!(
    /// A talk (a proposal, and once given, an archive entry).
    TalkId
);
id_type!(
    /// An organization in the site-wide directory.
    OrganizationId
);
