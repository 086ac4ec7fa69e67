//! Every migration's down.sql works: all the way down and up again leaves the
//! same tables, columns, defaults and indexes.

use crate::helpers::fresh_database;

#[actix_web::test]
async fn migrations_run_down_and_up_again_to_the_same_schema() {
    use aftersales::db::{MIGRATIONS, SyncConn};
    use diesel::RunQueryDsl;
    use diesel_migrations::MigrationHarness;

    #[derive(diesel::QueryableByName)]
    struct Digest {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    fn digest(conn: &mut SyncConn) -> String {
        let sql = "SELECT coalesce((SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' \
                       || is_nullable || ' ' || coalesce(column_default, ''), E'\\n' ORDER BY table_name, column_name) \
                   FROM information_schema.columns WHERE table_schema = 'public'), '') || E'\\n' || \
                   coalesce((SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes \
                   WHERE schemaname = 'public'), '') AS text";
        diesel::sql_query(sql).get_result::<Digest>(&mut **conn).expect("schema digest").text
    }

    let url = tokio::task::spawn_blocking(fresh_database).await.unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn = SyncConn::connect(&url, None).expect("connect");
        let before = digest(&mut conn);
        assert!(before.contains("jobs.locked_until") && before.contains("assignment_settings.rule"));
        conn.revert_all_migrations(MIGRATIONS).expect("every down.sql works");
        let empty = digest(&mut conn);
        assert!(!empty.contains("jobs.") && !empty.contains("tickets."), "all gone: {empty}");
        conn.run_pending_migrations(MIGRATIONS).expect("up again");
        assert_eq!(digest(&mut conn), before);
    })
    .await
    .unwrap();
}
