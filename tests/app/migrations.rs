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

/// Instances started together (a deploy of two) all migrate a new database without tripping over each other.
#[test]
fn instances_starting_at_once_migrate_one_after_another() {
    let name = format!("concurrent_migrations_{}", std::process::id());
    aftersales::db::create_database(&crate::helpers::admin_url(), None, &name, None).expect("empty database");
    let url = crate::helpers::admin_url().replacen("/postgres?", &format!("/{name}?"), 1);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                aftersales::db::run_migrations(&url, None)
            })
        })
        .collect();
    for run in runs {
        run.join().expect("thread").expect("every instance migrates or finds it done");
    }
    let mut conn = aftersales::db::SyncConn::connect(&url, None).expect("connect");
    use diesel_migrations::MigrationHarness;
    assert!(conn.pending_migrations(aftersales::db::MIGRATIONS).expect("pending").is_empty());
}
