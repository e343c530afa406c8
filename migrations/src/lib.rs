//! Schema migrations for Integritas. The same migrations run on SQLite and PostgreSQL, so they use
//! only the portable schema builder (no backend-specific SQL).

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_ledger;
mod m20261123_000003_breakdown_indexes;
mod m20261123_000004_export_index;
mod m20261128_000005_breakdown_scores;
mod m20261128_000006_ledger_tallies;
mod m20261130_000010_evaluation;
mod m20261130_000011_unit_time_zone;
mod m20261130_000012_campaign_rule;
mod m20261130_000020_inbox;
mod m20261130_000028_session;
mod m20261130_000029_ledger_verified;
mod m20261130_000030_desk_tallies;

pub use m20261128_000006_ledger_tallies::tally_sql;
pub use m20261130_000030_desk_tallies::desk_tally_sql;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_ledger::Migration),
            Box::new(m20261123_000003_breakdown_indexes::Migration),
            Box::new(m20261123_000004_export_index::Migration),
            Box::new(m20261128_000005_breakdown_scores::Migration),
            Box::new(m20261128_000006_ledger_tallies::Migration),
            Box::new(m20261130_000010_evaluation::Migration),
            Box::new(m20261130_000011_unit_time_zone::Migration),
            Box::new(m20261130_000012_campaign_rule::Migration),
            Box::new(m20261130_000020_inbox::Migration),
            Box::new(m20261130_000028_session::Migration),
            Box::new(m20261130_000029_ledger_verified::Migration),
            Box::new(m20261130_000030_desk_tallies::Migration),
        ]
    }
}
