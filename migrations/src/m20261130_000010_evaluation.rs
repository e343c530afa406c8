//! The evaluation record (issue 13): one row per unit and year, holding what an assessor enters
//! for the unit's hasil — the rule set, the TLHP percentage, the kinerja grade, optionally the
//! IPAK and IPKP campaigns that count and whether to pool the year's campaigns, and a note.
//! Before, TLHP and kinerja existed only as query parameters and the national table applied one
//! value to every unit. Every change is audited (old → new) by the service that writes it; the
//! row keeps only the last writer's key and time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: &'static str, to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from("evaluation", from)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("evaluation")
                .col(uuid("unit_id"))
                .col(integer("year"))
                .col(string_len("rule", 32))
                .col(double_null("tlhp_percent"))
                .col(string_len_null("kinerja", 1))
                .col(uuid_null("ipak_campaign_id"))
                .col(uuid_null("ipkp_campaign_id"))
                .col(string_len("pooling", 16))
                .col(text_null("note"))
                .col(uuid_null("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("unit_id").col("year"))
                .foreign_key(&mut fk("fk_evaluation_unit", "unit_id", ("unit", "id")))
                .foreign_key(&mut fk("fk_evaluation_ipak", "ipak_campaign_id", ("campaign", "id")))
                .foreign_key(&mut fk("fk_evaluation_ipkp", "ipkp_campaign_id", ("campaign", "id")))
                .to_owned(),
        )
        .await?;
        // The national table reads one year's records for every unit.
        m.create_index(
            Index::create()
                .name("ix_evaluation_year")
                .table("evaluation")
                .col("year")
                .to_owned(),
        )
        .await
    }
}
