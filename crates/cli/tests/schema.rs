//! The two dialects' migrations must describe the same schema: the same tables, the same
//! columns in the same order with the same nullability, and the same index names.

mod common;

use common::{Backend, TestDb};
use kolabik_app::store::Db;

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Some(lite) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let Some(pg) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let a = Db::connect(&lite.url, 2).await.unwrap();
    let b = Db::connect(&pg.url, 2).await.unwrap();
    a.migrate().await.unwrap();
    b.migrate().await.unwrap();
    // Migrating twice is a no-op.
    a.migrate().await.unwrap();
    b.migrate().await.unwrap();
    let sa = a.describe_schema().await.unwrap();
    let sb = b.describe_schema().await.unwrap();
    assert!(
        sa.tables.len() >= 15,
        "{:?}",
        sa.tables.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    for ((ta, ca), (tb, cb)) in sa.tables.iter().zip(&sb.tables) {
        assert_eq!(ta, tb);
        assert_eq!(ca, cb, "columns of {ta}");
    }
    assert_eq!(sa.tables.len(), sb.tables.len());
    assert_eq!(sa.indexes, sb.indexes);
    a.close().await;
    b.close().await;
}
