//! The product catalogue and warranty state, keyword rules and the type and
//! urgency they suggest while a ticket is filed: through HTTP on a real PostgreSQL.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

async fn product_count(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM products").await
}

async fn rule_count(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM keyword_rules").await
}

async fn product_id(app: &TestApp, model: &str) -> i64 {
    app.count(&format!("SELECT id FROM products WHERE model_code = '{model}'")).await
}

fn product<'a>(model: &'a str, zh: &'a str, en: &'a str, months: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("model_code", model), ("name_zh", zh), ("name_en", en), ("product_line", "厨电"), ("warranty_months", months)]
}

async fn add_product(boss: &Browser, model: &str, months: &str) {
    let res = boss.post("/settings/products", &product(model, "测试产品", "", months)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "add {model}");
}

fn rule<'a>(keywords: &'a str, ticket_type: &'a str, urgency: &'a str, priority: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("keywords", keywords), ("ticket_type", ticket_type), ("urgency", urgency), ("priority", priority)]
}

async fn add_rule(boss: &Browser, fields: &[(&str, &str)]) {
    let res = boss.post("/settings/keywords", fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "add rule {fields:?}");
}

/// The suggestion fragment as htmx asks for it.
async fn suggest(browser: &Browser, query: &[(&str, &str)]) -> Page {
    let res = browser
        .http
        .get(browser.url("/portal/tickets/suggest"))
        .query(query)
        .header("HX-Request", "true")
        .send()
        .await
        .expect("GET suggest");
    to_page(res).await
}

#[actix_web::test]
async fn a_supervisor_adds_and_edits_products_and_bad_input_is_explained() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;

    let page = boss.page("/settings/products").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("目录中还没有产品"), "empty state says what to do");
    let settings = boss.page("/settings").await;
    assert!(settings.attr(".settings-index a[href=\"/settings/products\"]", "href").is_some(), "listed in settings");
    assert!(settings.attr(".settings-index a[href=\"/settings/keywords\"]", "href").is_some());

    // A good product: trimmed, listed with its warranty.
    let res = boss.post("/settings/products", &product("  DW-600 ", "洗碗机", "Dishwasher", "24")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/settings/products?saved=1");
    let page = boss.page("/settings/products?saved=1").await;
    assert!(page.contains("已保存产品"));
    assert_eq!(page.select("#products .model-code"), vec!["DW-600"]);
    assert_eq!(page.select("#products .warranty-months"), vec!["24 个月"]);
    assert_eq!(product_count(&app).await, 1);

    // Empty model and months that are not a number: 422, messages beside the fields, input kept.
    let res = boss.post("/settings/products", &product("", "烤箱", "", "abc")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert_eq!(page.first("#e-model_code").as_deref(), Some("此项必填。"));
    assert_eq!(page.first("#e-warranty_months").as_deref(), Some("请输入 0 到 600 之间的整数。"));
    assert_eq!(page.attr("#f-name_zh", "value").as_deref(), Some("烤箱"));
    assert_eq!(page.attr("#f-warranty_months", "value").as_deref(), Some("abc"));
    assert_eq!(page.attr("#f-warranty_months", "aria-invalid").as_deref(), Some("true"));
    // Negative months, a fraction, no name at all.
    for months in ["-3", "1.5", "601"] {
        let res = boss.post("/settings/products", &product("OV-1", "烤箱", "", months)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{months}");
        assert_eq!(to_page(res).await.first("#e-warranty_months").as_deref(), Some("请输入 0 到 600 之间的整数。"));
    }
    let res = boss.post("/settings/products", &product("OV-1", "", "  ", "12")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(to_page(res).await.first("#e-name_zh").as_deref(), Some("请至少填写中文名称或英文名称。"));
    // The same model in another case: refused beside the field.
    let res = boss.post("/settings/products", &product("dw-600", "洗碗机二代", "", "12")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert!(page.first("#e-model_code").unwrap_or_default().contains("目录中已有这个型号"));
    assert_eq!(page.attr("#f-name_zh", "value").as_deref(), Some("洗碗机二代"));
    assert_eq!(product_count(&app).await, 1, "nothing stored");

    // Edit: the form shows what is stored; a change is saved.
    let id = product_id(&app, "DW-600").await;
    let edit = format!("/settings/products/{id}/edit");
    let page = boss.page(&edit).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("#f-model_code", "value").as_deref(), Some("DW-600"));
    assert_eq!(page.attr("#f-warranty_months", "value").as_deref(), Some("24"));
    let res = boss.post(&edit, &product("DW-600", "洗碗机", "", "36")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT warranty_months FROM products").await, 36);
    assert_eq!(app.count("SELECT count(*) FROM products WHERE name_en IS NULL").await, 1, "a cleared name is cleared");

    // Edit errors: bad months, or another product's model code.
    add_product(&boss, "RB-20", "12").await;
    let res = boss.post(&edit, &product("DW-600", "洗碗机", "", "-1")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert_eq!(page.first("#e-warranty_months").as_deref(), Some("请输入 0 到 600 之间的整数。"));
    assert_eq!(page.attr("#f-warranty_months", "value").as_deref(), Some("-1"));
    let res = boss.post(&edit, &product("rb-20", "洗碗机", "", "12")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(to_page(res).await.first("#e-model_code").unwrap_or_default().contains("目录中已有这个型号"));
    assert_eq!(app.count("SELECT warranty_months FROM products WHERE model_code = 'DW-600'").await, 36, "unchanged");

    // No such product; an id that is no number.
    let missing = boss.post("/settings/products/999999/edit", &product("X-1", "某", "", "12")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(boss.page("/settings/products/999999/edit").await.status, StatusCode::NOT_FOUND);
    assert_eq!(boss.page("/settings/products/abc/edit").await.status, StatusCode::NOT_FOUND);
    assert_eq!(product_count(&app).await, 2);

    // In English, the warranty reads in English.
    boss.get("/lang/en?next=/").await;
    let page = boss.page("/settings/products").await;
    assert_eq!(page.select("#products .warranty-months"), vec!["36 months", "12 months"]);
}

#[actix_web::test]
async fn agents_customers_and_strangers_cannot_keep_products_or_rules() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    add_product(&boss, "DW-600", "24").await;
    add_rule(&boss, &rule("漏水", "fault_repair", "", "10")).await;
    let product_edit = format!("/settings/products/{}/edit", product_id(&app, "DW-600").await);
    let rule_id = app.count("SELECT id FROM keyword_rules").await;
    let rule_edit = format!("/settings/keywords/{rule_id}/edit");
    let rule_delete = format!("/settings/keywords/{rule_id}/delete");

    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    for (who, browser) in [("agent", &agent), ("customer", &customer)] {
        for path in ["/settings/products", product_edit.as_str(), "/settings/keywords", rule_edit.as_str()] {
            let page = browser.page(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} GET {path}");
            assert!(page.contains("您没有权限访问这个页面"), "{who} GET {path}");
        }
        let posts: [(&str, Vec<(&str, &str)>); 5] = [
            ("/settings/products", product("EVIL-1", "坏", "", "12")),
            (product_edit.as_str(), product("DW-600", "坏", "", "999")),
            ("/settings/keywords", rule("坏", "complaint", "critical", "1")),
            (rule_edit.as_str(), rule("坏", "complaint", "critical", "1")),
            (rule_delete.as_str(), vec![]),
        ];
        for (path, fields) in posts {
            assert_eq!(browser.post(path, &fields).await.status(), StatusCode::FORBIDDEN, "{who} POST {path}");
        }
        let nav = browser.page("/").await;
        assert!(nav.attr("a[href=\"/settings/products\"]", "href").is_none(), "{who} has no link");
    }
    assert_eq!(product_count(&app).await, 1);
    assert_eq!(app.count("SELECT warranty_months FROM products").await, 24, "unchanged");
    assert_eq!(
        app.count("SELECT count(*) FROM keyword_rules WHERE keywords = ARRAY['漏水'] AND priority = 10").await,
        1
    );

    // Not signed in: sent to sign in, nothing stored.
    let stranger = app.browser();
    let res = stranger.get("/settings/keywords").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login?next="));
    let res = stranger.post("/settings/products", &product("EVIL-2", "坏", "", "12")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
    assert_eq!(product_count(&app).await, 1);
    assert_eq!(rule_count(&app).await, 1);
}

#[actix_web::test]
async fn the_ticket_page_shows_the_warranty_state() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    add_product(&boss, "DW-600", "24").await;
    add_product(&boss, "OLD-1", "12").await;

    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let recent = (today - chrono::Days::new(30)).format("%Y-%m-%d").to_string();
    let until = (today - chrono::Days::new(30) + chrono::Months::new(24)).format("%Y-%m-%d").to_string();
    // The typed model matches whatever its case and surrounding spaces.
    let covered =
        customer.file_ticket(&ticket_form("在保", &[("product_model", " dw-600 "), ("purchase_date", &recent)])).await;
    let old = customer
        .file_ticket(&ticket_form("过保", &[("product_model", "OLD-1"), ("purchase_date", "2020-01-31")]))
        .await;
    let stranger = customer.file_ticket(&ticket_form("未知型号", &[("product_model", "XYZ-9 不明型号")])).await;
    let undated =
        customer.file_ticket(&ticket_form("无日期", &[("product_model", "DW-600"), ("purchase_date", "")])).await;

    let page = customer.page(&format!("/tickets/{covered}")).await;
    assert_eq!(page.first(".badge.warranty-in").as_deref(), Some("在保"));
    assert_eq!(page.first(".warranty-detail"), Some(format!("保修至 {until}")));
    let page = customer.page(&format!("/tickets/{old}")).await;
    assert_eq!(page.first(".badge.warranty-expired").as_deref(), Some("已过保"));
    assert_eq!(page.first(".warranty-detail").as_deref(), Some("保修已于 2021-01-31 到期"));
    let page = customer.page(&format!("/tickets/{stranger}")).await;
    assert_eq!(page.first(".badge.warranty-unknown").as_deref(), Some("未知"));
    assert_eq!(page.first(".warranty-detail").as_deref(), Some("型号不在产品目录中"));
    let page = customer.page(&format!("/tickets/{undated}")).await;
    assert_eq!(page.first(".badge.warranty-unknown").as_deref(), Some("未知"));
    assert_eq!(page.first(".warranty-detail").as_deref(), Some("未填写购买日期"));

    // Staff see it too, in their language, and in the fragment an htmx action returns.
    agent.get("/lang/en?next=/").await;
    let page = agent.page(&format!("/tickets/{covered}")).await;
    assert_eq!(page.first(".badge.warranty-in").as_deref(), Some("In warranty"));
    assert_eq!(
        agent.page(&format!("/tickets/{old}")).await.first(".badge.warranty-expired").as_deref(),
        Some("Expired")
    );
    assert_eq!(
        agent.page(&format!("/tickets/{stranger}")).await.first(".badge.warranty-unknown").as_deref(),
        Some("Unknown")
    );
    let res = agent.htmx_post(&format!("/tickets/{old}/take"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(to_page(res).await.first(".badge.warranty-expired").as_deref(), Some("Expired"));

    // The catalogue changes what the page says: a longer warranty covers the old purchase.
    let id = product_id(&app, "OLD-1").await;
    let res = boss.post(&format!("/settings/products/{id}/edit"), &product("OLD-1", "旧款", "", "600")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(customer.page(&format!("/tickets/{old}")).await.first(".badge.warranty-in").as_deref(), Some("在保"));
    // No warranty at all.
    boss.post(&format!("/settings/products/{id}/edit"), &product("OLD-1", "旧款", "", "0")).await;
    let page = customer.page(&format!("/tickets/{old}")).await;
    assert_eq!(page.first(".badge.warranty-expired").as_deref(), Some("已过保"));
    assert_eq!(page.first(".warranty-detail").as_deref(), Some("该型号无保修"));
}

#[actix_web::test]
async fn a_supervisor_keeps_keyword_rules() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    assert!(boss.page("/settings/keywords").await.contains("还没有关键词规则"));

    let res = boss.post("/settings/keywords", &rule(" 漏水\n渗水、漏水， Leak ", "fault_repair", "", "10")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/settings/keywords?done=saved");
    add_rule(&boss, &rule("尽快", "", "urgent", "20")).await;
    let page = boss.page("/settings/keywords?done=saved").await;
    assert!(page.contains("已保存规则"));
    assert_eq!(page.select("#keyword-rules tbody tr:first-child .keyword"), vec!["漏水", "渗水", "Leak"]);
    assert_eq!(page.select("#keyword-rules tbody tr td:first-child"), vec!["10", "20"]);

    // Bad input: 422, messages beside the fields, what was typed kept, nothing stored.
    let res = boss.post("/settings/keywords", &rule(" ，、 ", "", "", "abc")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert_eq!(page.first("#e-keywords").as_deref(), Some("此项必填。"));
    assert_eq!(page.first("#e-ticket_type").as_deref(), Some("请至少选择建议的问题类型或紧急程度。"));
    assert_eq!(page.first("#e-priority").as_deref(), Some("请输入 1 到 9999 之间的整数。"));
    assert_eq!(page.attr("#f-priority", "value").as_deref(), Some("abc"));
    let res = boss.post("/settings/keywords", &rule("冒烟", "bogus", "critical", "0")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = to_page(res).await;
    assert_eq!(page.first("#e-ticket_type").as_deref(), Some("请从列表中选择。"));
    assert_eq!(page.first("#e-priority").as_deref(), Some("请输入 1 到 9999 之间的整数。"));
    assert_eq!(page.first("#f-keywords").as_deref(), Some("冒烟"));
    assert_eq!(page.attr("#f-urgency option[selected]", "value").as_deref(), Some("critical"));
    assert_eq!(rule_count(&app).await, 2);

    // Edit: prefilled, one keyword a line; saved; bad input refused.
    let id = app.count("SELECT id FROM keyword_rules WHERE priority = 10").await;
    let edit = format!("/settings/keywords/{id}/edit");
    let page = boss.page(&edit).await;
    assert_eq!(page.first("#f-keywords").as_deref(), Some("漏水\n渗水\nLeak"));
    assert_eq!(page.attr("#f-ticket_type option[selected]", "value").as_deref(), Some("fault_repair"));
    let res = boss.post(&edit, &rule("漏水\n滴水", "fault_repair", "urgent", "5")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM keyword_rules WHERE id = {id} AND keywords = ARRAY['漏水','滴水'] \
             AND urgency = 'urgent' AND priority = 5"
        ))
        .await,
        1
    );
    let res = boss.post(&edit, &rule("", "fault_repair", "", "5")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(to_page(res).await.first("#e-keywords").as_deref(), Some("此项必填。"));
    assert_eq!(app.count(&format!("SELECT cardinality(keywords) FROM keyword_rules WHERE id = {id}")).await, 2);

    // Delete asks first (data-confirm), then removes; a rule that is gone is "not found".
    let page = boss.page("/settings/keywords").await;
    let confirm = page.attr(&format!("form[action=\"/settings/keywords/{id}/delete\"]"), "data-confirm");
    assert!(confirm.unwrap_or_default().contains("漏水、滴水"));
    let res = boss.post(&format!("/settings/keywords/{id}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(boss.page("/settings/keywords?done=deleted").await.contains("已删除规则"));
    assert_eq!(rule_count(&app).await, 1);
    assert_eq!(boss.post(&format!("/settings/keywords/{id}/delete"), &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(boss.page(&edit).await.status, StatusCode::NOT_FOUND);
    let res = boss.post(&edit, &rule("漏水", "fault_repair", "", "5")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = boss.post(&edit, &rule("", "", "", "")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "a bad form for a missing rule is still not found");
    assert_eq!(rule_count(&app).await, 1);
}

#[actix_web::test]
async fn the_new_ticket_form_suggests_type_and_urgency() {
    let app = TestApp::spawn().await;
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    add_rule(&boss, &rule("漏水\n渗水", "fault_repair", "urgent", "10")).await;
    add_rule(&boss, &rule("refund, money back", "return_exchange", "", "20")).await;
    add_rule(&boss, &rule("ASAP", "", "critical", "30")).await;
    add_product(&boss, "DW-600", "24").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;

    // The form has the live region that htmx fills, and the model suggestions.
    let form = customer.page("/portal/tickets/new").await;
    assert_eq!(form.attr("form #suggestion", "aria-live").as_deref(), Some("polite"));
    assert_eq!(form.attr("#suggestion", "hx-get").as_deref(), Some("/portal/tickets/suggest"));
    assert_eq!(form.attr("datalist#product-models", "data-for").as_deref(), Some("f-product_model"));
    let options = customer.page("/portal/products/models").await;
    assert_eq!(options.attr("option", "value").as_deref(), Some("DW-600"));
    assert_eq!(options.first("option").as_deref(), Some("测试产品"));

    // A Chinese keyword in the title.
    let page =
        suggest(&customer, &[("title", "洗碗机底部漏水"), ("description", ""), ("ticket_type", ""), ("urgency", "")])
            .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.first(".suggestion-text").as_deref(), Some("建议：故障报修 · 紧急"));
    assert_eq!(page.attr("button[data-suggest-type]", "data-suggest-type").as_deref(), Some("fault_repair"));
    assert_eq!(page.attr("button[data-suggest-type]", "data-suggest-urgency").as_deref(), Some("urgent"));
    assert_eq!(page.first("button[data-suggest-type]").as_deref(), Some("采用"));
    assert_eq!(page.first(".suggestion-why").as_deref(), Some("依据关键词：漏水"));

    // English keywords in the description, any case; each field from its own rule.
    let page = suggest(&customer, &[("title", "Order 42"), ("description", "I want a REFUND, asap please")]).await;
    assert_eq!(page.first(".suggestion-text").as_deref(), Some("建议：退换货 · 特急"));
    assert_eq!(page.attr("button[data-suggest-type]", "data-suggest-type").as_deref(), Some("return_exchange"));
    assert_eq!(page.attr("button[data-suggest-type]", "data-suggest-urgency").as_deref(), Some("critical"));
    customer.get("/lang/en?next=/").await;
    let page = suggest(&customer, &[("title", "Money back"), ("description", "")]).await;
    assert_eq!(page.first(".suggestion-text").as_deref(), Some("Suggested: Return / exchange"));
    assert_eq!(page.first("button[data-suggest-type]").as_deref(), Some("Use"));
    assert_eq!(page.attr("button[data-suggest-type]", "data-suggest-urgency").as_deref(), Some(""));
    customer.get("/lang/zh-CN?next=/").await;

    // No match, or nothing typed yet: an empty fragment (the region is cleared).
    for query in
        [vec![("title", "怎么连接 Wi-Fi"), ("description", "路由器换了")], vec![("title", ""), ("description", "")]]
    {
        let page = suggest(&customer, &query).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.select(".suggestion").is_empty(), "{query:?}");
        assert!(page.select("button").is_empty());
    }

    // Already chosen as suggested: it says so and offers no button; a different
    // choice keeps the offer (the suggestion never changes a choice by itself).
    let page = suggest(
        &customer,
        &[("title", "渗水"), ("description", ""), ("ticket_type", "fault_repair"), ("urgency", "urgent")],
    )
    .await;
    assert!(page.first(".suggestion.taken .suggestion-text").unwrap_or_default().contains("已采用"));
    assert!(page.select("button").is_empty());
    let page = suggest(
        &customer,
        &[("title", "渗水"), ("description", ""), ("ticket_type", "complaint"), ("urgency", "urgent")],
    )
    .await;
    assert_eq!(page.first("button[data-suggest-type]").as_deref(), Some("采用"));

    // Staff filing at intake get the same suggestions.
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    assert_eq!(agent.page("/intake").await.attr("form #suggestion", "aria-live").as_deref(), Some("polite"));
    let page = suggest(&agent, &[("title", "漏水"), ("description", "")]).await;
    assert_eq!(page.first(".suggestion-text").as_deref(), Some("建议：故障报修 · 紧急"));

    // Filing still takes what the customer chose.
    let number = customer
        .file_ticket(&ticket_form("洗碗机漏水", &[("ticket_type", "consultation"), ("urgency", "normal")]))
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM tickets WHERE number = '{number}' AND ticket_type = 'consultation' AND urgency = 'normal'"
        ))
        .await,
        1
    );

    // Not signed in: sent to sign in (htmx is told where by HX-Redirect).
    let stranger = app.browser();
    let res = stranger.get("/portal/tickets/suggest?title=%E6%BC%8F%E6%B0%B4").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login?next=%2Fportal%2Ftickets%2Fsuggest"));
    let res = stranger
        .http
        .get(stranger.url("/portal/tickets/suggest?title=leak"))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("GET");
    assert!(res.headers().get("HX-Redirect").is_some_and(|v| v.to_str().unwrap_or_default().starts_with("/login")));
    assert!(!res.text().await.unwrap_or_default().contains("suggestion"));
    let res = stranger.get("/portal/products/models").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn the_model_lookup_is_one_index_probe() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let mut conn = app.pool.get().await.expect("conn");
    // A large catalogue, so the planner's choice means something.
    diesel::sql_query(
        "INSERT INTO products (model_code, name_zh, warranty_months) \
         SELECT 'M-' || g, '型号 ' || g, 12 FROM generate_series(1, 20000) g",
    )
    .execute(&mut conn)
    .await
    .expect("products");
    diesel::sql_query("ANALYZE products").execute(&mut conn).await.expect("analyze");
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    // The shape of `store::products::find_by_model`.
    let plan: Vec<Line> = diesel::sql_query("EXPLAIN SELECT id FROM products WHERE lower(model_code) = lower($1)")
        .bind::<diesel::sql_types::Text, _>("m-19999")
        .load(&mut conn)
        .await
        .expect("plan");
    let plan: Vec<String> = plan.into_iter().map(|l| l.line).collect();
    assert!(plan.iter().any(|l| l.contains("products_model_key")), "{plan:#?}");
    let found = aftersales::store::products::find_by_model(&mut conn, "m-19999").await.expect("lookup");
    assert_eq!(found.map(|p| p.model_code).as_deref(), Some("M-19999"));
}
