//! Proposal attachments: type checked by content, per-edition size limit, download only
//! for those who may read the proposal, removal only while editable, audit events. Each
//! scenario runs on SQLite and on PostgreSQL.

mod common;

use common::{COMMITTEE, Client, OPERATOR, TestDb, TestServer, location};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(attachments_are_checked_served_and_removed);

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";
const EXE: &[u8] =
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0 This program cannot be run in DOS mode.";

async fn create_draft(op: &mut Client, title: &str) -> i64 {
    let r = op.post_form("/operator/usulan", &[("title", title)]).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    location(&r).rsplit('/').next().unwrap().parse().unwrap()
}

async fn list(c: &mut Client, id: i64) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/proposals/{id}/attachments")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

async fn attachments_are_checked_served_and_removed(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    sqlx::query("UPDATE editions SET max_proposals_per_unit = 5")
        .execute(&pool)
        .await
        .unwrap();

    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    let id = create_draft(&mut op, "Lampiran uji").await;
    let upload = format!("/operator/usulan/{id}/lampiran");

    // An .exe renamed to .pdf is refused, the message at the field, the label kept.
    let r = op
        .post_multipart(
            &upload,
            &[("label", "Surat palsu")],
            &[("file", "surat.pdf", EXE)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("att-file-error"), "{html}");
    assert!(html.contains("hanya PDF, PNG, atau JPEG"));
    assert!(html.contains("value=\"Surat palsu\""));

    // A real PDF through the page, a PNG through the API.
    let r = op
        .post_multipart(
            &upload,
            &[("label", "SK Inovasi")],
            &[("file", "sk.pdf", PDF)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let api = format!("/api/v1/proposals/{id}/attachments");
    let r = op
        .post_body(
            &format!("{api}?filename=foto%20layanan.png&label=Foto"),
            "application/octet-stream",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let png: Value = r.json().await.unwrap();
    assert_eq!(png["content_type"], "image/png");
    assert_eq!(png["filename"], "foto layanan.png");
    let r = op
        .post_body(
            &format!("{api}?filename=x.png"),
            "application/octet-stream",
            EXE.to_vec(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let items = list(&mut op, id).await;
    assert_eq!(items.len(), 2);
    let pdf_id = items.iter().find(|a| a["label"] == "SK Inovasi").unwrap()["file_id"]
        .as_i64()
        .unwrap();
    let page = op
        .get(&format!("/operator/usulan/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/usulan/{id}/lampiran/{pdf_id}")));

    // Too large for the edition's limit (lowered to 1 MB): refused with a clear message.
    sqlx::query("UPDATE editions SET max_attachment_mb = 1")
        .execute(&pool)
        .await
        .unwrap();
    let mut big = PDF.to_vec();
    big.resize(1024 * 1024 + 10, b' ');
    let r = op
        .post_multipart(&upload, &[], &[("file", "besar.pdf", &big)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("melebihi batas ukuran lampiran")
    );
    let r = op
        .post_body(&format!("{api}?filename=besar.pdf"), "application/pdf", big)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["code"], "attachment.too_large");
    assert_eq!(list(&mut op, id).await.len(), 2);

    // Downloads: the operator and the committee; another unit's operator gets 404.
    let path = format!("/usulan/{id}/lampiran/{pdf_id}");
    let r = op.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"sk.pdf\"")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    assert_eq!(committee.get(&path).await.status(), StatusCode::OK);
    assert_eq!(list(&mut committee, id).await.len(), 2);
    let mut other = server.client();
    other
        .login(
            "operator.puskesmas-karangketug@kolabik.test",
            "Karangketug-2022!",
        )
        .await;
    assert_eq!(other.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&api).await.status(),
        StatusCode::NOT_FOUND,
        "another unit's list"
    );
    let r = other
        .post_body(
            &format!("{api}?filename=a.pdf"),
            "application/pdf",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The file id under another proposal does not leak it either.
    let theirs = create_draft(&mut other, "Usulan lain").await;
    assert_eq!(
        other
            .get(&format!("/usulan/{theirs}/lampiran/{pdf_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = other
        .post_form(
            &format!("/operator/usulan/{id}/lampiran/{pdf_id}/hapus"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Removal while editable works.
    let png_id = png["file_id"].as_i64().unwrap();
    let r = op
        .post_form(
            &format!("/operator/usulan/{id}/lampiran/{png_id}/hapus"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(list(&mut op, id).await.len(), 1);
    assert_eq!(
        op.get(&format!("/usulan/{id}/lampiran/{png_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Once submitted (not editable), no removal and no upload.
    sqlx::query("UPDATE proposals SET state = 'submitted' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let r = op
        .post_form(
            &format!("/operator/usulan/{id}/lampiran/{pdf_id}/hapus"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = op
        .post_body(
            &format!("{api}?filename=b.pdf"),
            "application/pdf",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(list(&mut op, id).await.len(), 1);
    assert_eq!(op.get(&path).await.status(), StatusCode::OK);

    let log: Value = committee
        .get("/api/v1/audit?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "proposal.attachment_added")
            .count(),
        2
    );
    assert!(actions.contains(&"proposal.attachment_removed"));
}
