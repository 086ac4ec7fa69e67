//! The benchmark's side of analytics: the loader COPYs tickets past the services, so the commit-time triggers
//! that keep the analytics facts are switched off for its connection (`analytics.bulk`), the recent tickets get
//! what the generated history lacks for a dashboard worth measuring (causes, reopenings, surveys, withdrawal
//! records with reasons and 回访 answers, follow-ups), and the facts and rollups are rebuilt in one set-based pass.

use std::time::Instant;
use tokio_postgres::Client;

/// Days back that get the extra data: the dashboard's longest preset is 90 days; older tickets keep what the
/// generator gave them, which keeps the load short at a million tickets.
const RECENT_DAYS: i32 = 120;

/// Before the COPY: this connection's writes leave the analytics triggers alone.
pub async fn before_copy(client: &Client) -> anyhow::Result<()> {
    client.batch_execute("SET analytics.bulk = 'on'").await?;
    Ok(())
}

/// After the COPY, while the secondary indexes are still dropped (cheaper updates): the extra data.
pub async fn enrich(client: &Client) -> anyhow::Result<()> {
    let started = Instant::now();
    let recent = format!("created_at > now() - interval '{RECENT_DAYS} days'");
    client
        .batch_execute(&format!(
            "UPDATE tickets t SET
                 cause_code = (ARRAY['user_error', 'quality_defect', 'design_defect', 'parts', 'logistics',
                                     'not_reproducible', 'other'])[1 + (t.id / 3) % 7],
                 reopen_count = CASE WHEN t.state = 'closed' AND t.id % 9 = 0 THEN 1 ELSE 0 END
             WHERE t.{recent} AND t.resolved_at IS NOT NULL;
             UPDATE tickets t SET follow_up_of = t.id - 60
             WHERE t.{recent} AND t.id % 37 = 0 AND t.id > 60
               AND EXISTS (SELECT 1 FROM tickets e WHERE e.id = t.id - 60 AND e.state IN ('closed', 'withdrawn'));
             INSERT INTO surveys (ticket_id, customer_id, score, created_at)
             SELECT id, customer_id, (ARRAY[5, 5, 4, 5, 3, 4, 2, 5, 1, 4])[1 + id % 10], closed_at + interval '1 hour'
             FROM tickets WHERE {recent} AND state = 'closed' AND id % 4 <> 0;
             INSERT INTO withdrawals (ticket_id, customer_id, requested_by, requested_via, reason, state_at_request,
                                      status, requested_at, decided_at, feedback, feedback_at)
             SELECT id, customer_id, customer_id, 'web',
                    (ARRAY['solved_myself', 'needs_changed', 'unhappy_with_service', 'by_mistake', 'duplicate',
                           'agreed_with_merchant', 'other_channel', 'other'])[1 + id % 8],
                    CASE WHEN assignee_id IS NULL THEN 'submitted' ELSE 'in_progress' END,
                    CASE WHEN assignee_id IS NULL THEN 'immediate' ELSE 'accepted' END,
                    withdrawn_at, withdrawn_at,
                    CASE WHEN id % 2 = 0 THEN (ARRAY['satisfied', 'neutral', 'unsatisfied'])[1 + id % 3] END,
                    CASE WHEN id % 2 = 0 THEN withdrawn_at + interval '2 hours' END
             FROM tickets WHERE state = 'withdrawn';"
        ))
        .await?;
    println!("analytics: extra data in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The two views the `dashboard` scenario alternates: the default, and 90 days of the largest problem type (one
/// filter, read from its rollup slice).
pub const DASHBOARD_VIEWS: [&str; 2] = ["/analytics", "/analytics?period=90d&type=fault_repair"];

/// After the indexes: every fact and rollup from the loaded tickets, and the triggers back on.
pub async fn rebuild(client: &Client) -> anyhow::Result<()> {
    let started = Instant::now();
    client
        .batch_execute(
            "SELECT analytics_rebuild();
             ANALYZE analytics_facts, analytics_rollup, surveys, withdrawals;
             RESET analytics.bulk;",
        )
        .await?;
    println!("analytics: facts and rollups rebuilt in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
