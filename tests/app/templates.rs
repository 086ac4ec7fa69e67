//! Ticket templates, reply templates (macros) and cause categories, through
//! HTTP on a real PostgreSQL: supervisors keep them, others are refused, and
//! customers and agents get what they pre-fill.

use crate::helpers::*;
use aftersales::domain::Role;
use reqwest::StatusCode;

/// A complete, valid ticket-template form; tests override single fields.
fn template_form<'a>(name_zh: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("name_zh", name_zh),
        ("name_en", "Water heater: no heat"),
        ("ticket_type", "consultation"),
        ("urgency", "urgent"),
        ("desired_outcome", "explanation"),
        ("title_zh", "热水器不加热"),
        ("title_en", "Water heater does not heat"),
        ("description_zh", "型号：\n故障现象："),
        ("description_en", "Model:\nWhat happens:"),
    ];
    override_fields(&mut form, overrides);
    form
}

fn macro_form<'a>(name: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("name", name),
        ("body_zh", "{customer_name}您好！您的工单{ticket_number}（{product}）已处理。——{agent_name}"),
        ("body_en", "Dear {customer_name}, ticket {ticket_number} ({product}) is done. {agent_name}"),
    ];
    override_fields(&mut form, overrides);
    form
}

fn override_fields<'a>(form: &mut Vec<(&'a str, &'a str)>, overrides: &[(&'a str, &'a str)]) {
    for (k, v) in overrides {
        match form.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => form.push((k, v)),
        }
    }
}

async fn id_of(app: &TestApp, sql: &str) -> String {
    app.count(sql).await.to_string()
}

/// Supervisor, agent and customer, signed in.
async fn people(app: &TestApp) -> (Browser, Browser, Browser) {
    let boss = app.signed_in(Role::Supervisor, "boss@example.com").await;
    let agent = app.signed_in(Role::Agent, "agent@example.com").await;
    let customer = app.signed_in(Role::Customer, "c@example.com").await;
    (boss, agent, customer)
}

/// Agents and customers get 403 on every page and POST of a settings area, and nothing changes.
async fn refused_everywhere(app: &TestApp, others: &[&Browser], pages: &[&str], posts: &[(&str, Vec<(&str, &str)>)]) {
    let before = app
        .count(
            "SELECT (SELECT count(*) FROM ticket_templates) * 10000 + (SELECT count(*) FROM reply_macros) * 100 \
             + (SELECT count(*) FROM cause_categories)",
        )
        .await;
    let digest = "SELECT coalesce((SELECT sum(length(name_zh || name_en || title_zh || description_en)) FROM ticket_templates), 0) \
                  + coalesce((SELECT sum(length(name || body_zh || body_en)) FROM reply_macros), 0) \
                  + (SELECT sum(length(name_zh || name_en)) FROM cause_categories)";
    let content = app.count(digest).await;
    for who in others {
        for path in pages {
            let page = who.page(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "GET {path}");
            assert!(page.contains("没有权限"), "a readable refusal on {path}");
        }
        for (path, form) in posts {
            assert_eq!(who.post(path, form).await.status(), StatusCode::FORBIDDEN, "POST {path}");
        }
    }
    let after = app
        .count(
            "SELECT (SELECT count(*) FROM ticket_templates) * 10000 + (SELECT count(*) FROM reply_macros) * 100 \
             + (SELECT count(*) FROM cause_categories)",
        )
        .await;
    assert_eq!(after, before, "nothing added or removed");
    assert_eq!(app.count(digest).await, content, "nothing changed");
}

#[actix_web::test]
async fn supervisors_keep_ticket_templates_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let (boss, agent, customer) = people(&app).await;
    let list = "/settings/ticket-templates";

    let page = boss.page(list).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("还没有工单模板"));
    let settings = boss.page("/settings").await;
    for nav in ["/settings/ticket-templates", "/settings/reply-macros", "/settings/causes"] {
        assert!(settings.attr(&format!(".settings-index a[href='{nav}']"), "href").is_some(), "settings list {nav}");
        let agent_page = agent.page("/queue").await;
        assert!(agent_page.attr(&format!("nav a[href='{nav}']"), "href").is_none(), "agents' nav lacks {nav}");
    }

    // Bad input: every problem named beside its field, the input kept, nothing stored.
    let bad = template_form("", &[("ticket_type", "teleport"), ("title_en", ""), ("desired_outcome", "money")]);
    let page = to_page(boss.post(list, &bad).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-name_zh").unwrap_or_default().contains("此项必填"));
    assert!(page.first("#e-ticket_type").is_some());
    assert!(page.first("#e-desired_outcome").is_some());
    assert!(page.first("#e-title_en").unwrap_or_default().contains("中英文"));
    assert_eq!(page.attr("#f-name_en", "value").as_deref(), Some("Water heater: no heat"));
    assert_eq!(page.attr("#f-title_zh", "value").as_deref(), Some("热水器不加热"));
    assert_eq!(page.first("#f-description_zh").as_deref(), Some("型号：\n故障现象："));
    assert_eq!(page.attr("#f-urgency option[selected]", "value").as_deref(), Some("urgent"));
    let long = "长".repeat(121);
    let page = to_page(boss.post(list, &template_form("太长", &[("title_zh", &long)])).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-title_zh").unwrap_or_default().contains("120"));
    assert_eq!(app.count("SELECT count(*) FROM ticket_templates").await, 0);

    // A good one is stored and listed.
    let res = boss.post(list, &template_form("热水器不加热", &[])).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/settings/ticket-templates?done=saved");
    let page = boss.page(&location(&res)).await;
    assert!(page.contains("已保存"));
    assert!(page.select("#ticket-templates td").iter().any(|t| t == "热水器不加热"));
    assert!(page.select("#ticket-templates td").iter().any(|t| t == "咨询"));
    let id = id_of(&app, "SELECT id FROM ticket_templates").await;

    // One name, one template (in either language, English regardless of case).
    let page = to_page(boss.post(list, &template_form("热水器不加热", &[("name_en", "Other")])).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-name_zh").unwrap_or_default().contains("已被使用"));
    let page = to_page(boss.post(list, &template_form("另一个", &[("name_en", "WATER HEATER: NO HEAT")])).await).await;
    assert!(page.first("#e-name_en").unwrap_or_default().contains("已被使用"));
    assert_eq!(app.count("SELECT count(*) FROM ticket_templates").await, 1);

    // Edit: the form shows what is stored; bad input changes nothing; good input is saved.
    let edit = format!("{list}/{id}");
    let page = boss.page(&edit).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("#f-title_en", "value").as_deref(), Some("Water heater does not heat"));
    assert_eq!(page.attr("#f-ticket_type option[selected]", "value").as_deref(), Some("consultation"));
    let page =
        to_page(boss.post(&edit, &template_form("改名", &[("urgency", ""), ("description_zh", "")])).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-urgency").is_some() && page.first("#e-description_zh").is_some());
    assert_eq!(page.attr("#f-name_zh", "value").as_deref(), Some("改名"), "the typed name is kept");
    assert_eq!(app.count("SELECT count(*) FROM ticket_templates WHERE name_zh = '热水器不加热'").await, 1);
    let res = boss.post(&edit, &template_form("热水器问题", &[("desired_outcome", "")])).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_templates WHERE name_zh = '热水器问题' AND desired_outcome IS NULL")
            .await,
        1
    );
    assert!(boss.page(list).await.contains("由客户选择"));
    for missing in [format!("{list}/999999"), format!("{list}/abc")] {
        assert_eq!(boss.get(&missing).await.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(boss.post(&missing, &template_form("x", &[])).await.status(), StatusCode::NOT_FOUND);
    }

    // Agents and customers: refused on pages and POSTs alike.
    let delete = format!("{edit}/delete");
    refused_everywhere(
        &app,
        &[&agent, &customer],
        &[list, &edit],
        &[(list, template_form("偷偷加的", &[])), (&edit, template_form("偷偷改的", &[])), (&delete, vec![])],
    )
    .await;

    // Delete, once.
    let res = boss.post(&delete, &[]).await;
    assert_eq!(location(&res), "/settings/ticket-templates?done=deleted");
    assert_eq!(app.count("SELECT count(*) FROM ticket_templates").await, 0);
    assert_eq!(boss.post(&delete, &[]).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_customer_picks_a_template_and_the_form_is_prefilled_in_their_language() {
    let app = TestApp::spawn().await;
    let (boss, _agent, customer) = people(&app).await;
    let new_ticket = "/portal/tickets/new";

    // No templates: no picker, and a stale template link gives the plain form.
    let page = customer.page(new_ticket).await;
    assert!(page.first("#f-template").is_none());
    boss.post("/settings/ticket-templates", &template_form("热水器不加热", &[])).await;
    let id = id_of(&app, "SELECT id FROM ticket_templates").await;

    let page = customer.page(new_ticket).await;
    assert_eq!(page.status, StatusCode::OK);
    let options = page.select("#f-template option");
    assert!(options.iter().any(|o| o == "咨询 · 热水器不加热"), "{options:?}");
    assert_eq!(page.attr("form.template-picker", "method").as_deref(), Some("get"));
    assert_eq!(page.attr("#f-title", "value").as_deref(), Some(""));

    let page = customer.page(&format!("{new_ticket}?template={id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("#f-template option[selected]", "value").as_deref(), Some(id.as_str()));
    assert_eq!(page.attr("#f-ticket_type option[selected]", "value").as_deref(), Some("consultation"));
    assert_eq!(page.attr("#f-urgency option[selected]", "value").as_deref(), Some("urgent"));
    assert_eq!(page.attr("#f-desired_outcome option[selected]", "value").as_deref(), Some("explanation"));
    assert_eq!(page.attr("#f-title", "value").as_deref(), Some("热水器不加热"));
    assert_eq!(page.first("#f-description").as_deref(), Some("型号：\n故障现象："));
    assert_eq!(page.attr("#f-contact_name", "value").as_deref(), Some("customer c"), "contact details stay");

    // The pre-filled form files as it is, once the customer adds the product.
    let title = page.attr("#f-title", "value").unwrap_or_default();
    let number =
        customer.file_ticket(&ticket_form(&title, &[("ticket_type", "consultation"), ("urgency", "urgent")])).await;
    assert!(customer.page(&format!("/tickets/{number}")).await.contains("热水器不加热"));

    // An English reader gets the English texts.
    customer.get("/lang/en?next=%2F").await;
    let page = customer.page(&format!("{new_ticket}?template={id}")).await;
    assert_eq!(page.attr("#f-title", "value").as_deref(), Some("Water heater does not heat"));
    assert_eq!(page.first("#f-description").as_deref(), Some("Model:\nWhat happens:"));
    assert!(page.select("#f-template option").iter().any(|o| o == "Consultation · Water heater: no heat"));

    // Unknown or malformed ids: the plain form with a note, never an error.
    for raw in ["999999", "abc", "-1", "1e9", "99999999999999999999"] {
        let page = customer.page(&format!("{new_ticket}?template={raw}")).await;
        assert_eq!(page.status, StatusCode::OK, "{raw}");
        assert_eq!(page.attr("#f-title", "value").as_deref(), Some(""), "{raw}");
        assert!(page.contains("no longer exists"), "{raw}");
    }
    let page = customer.page(&format!("{new_ticket}?template=")).await;
    assert!(page.status == StatusCode::OK && !page.contains("no longer exists"));
}

#[actix_web::test]
async fn supervisors_keep_reply_templates_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let (boss, agent, customer) = people(&app).await;
    let list = "/settings/reply-macros";

    let page = boss.page(list).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("还没有快捷回复") && page.contains("{customer_name}"));

    let bad = macro_form("  ", &[("body_zh", "{custmer_name}您好"), ("body_en", "")]);
    let page = to_page(boss.post(list, &bad).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-name").unwrap_or_default().contains("此项必填"));
    assert!(page.first("#e-body_zh").unwrap_or_default().contains("{ticket_number}"), "names the placeholders");
    assert!(page.first("#e-body_en").unwrap_or_default().contains("此项必填"));
    assert_eq!(page.first("#f-body_zh").as_deref(), Some("{custmer_name}您好"), "the text is kept");
    assert_eq!(app.count("SELECT count(*) FROM reply_macros").await, 0);

    let res = boss.post(list, &macro_form("已处理通知", &[])).await;
    assert_eq!(location(&res), "/settings/reply-macros?done=saved");
    let page = boss.page(list).await;
    assert!(page.select("#reply-macros td").iter().any(|t| t == "已处理通知"));
    let page = to_page(boss.post(list, &macro_form("已处理通知", &[])).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-name").unwrap_or_default().contains("已被使用"));
    assert_eq!(app.count("SELECT count(*) FROM reply_macros").await, 1);

    let id = id_of(&app, "SELECT id FROM reply_macros").await;
    let edit = format!("{list}/{id}");
    let page = boss.page(&edit).await;
    assert_eq!(page.attr("#f-name", "value").as_deref(), Some("已处理通知"));
    let res = boss.post(&edit, &macro_form("改名", &[("body_en", "Hi {Customer}")])).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // "{Customer}" is prose, not a placeholder: saved as written.
    assert_eq!(
        app.count("SELECT count(*) FROM reply_macros WHERE name = '改名' AND body_en = 'Hi {Customer}'").await,
        1
    );
    let long = "x".repeat(4001);
    let page = to_page(boss.post(&edit, &macro_form("", &[("body_zh", &long)])).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-body_zh").unwrap_or_default().contains("4000"));
    assert_eq!(app.count("SELECT count(*) FROM reply_macros WHERE name = '改名'").await, 1, "unchanged");
    assert_eq!(boss.get(&format!("{list}/424242")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(boss.post(&format!("{list}/424242"), &macro_form("x", &[])).await.status(), StatusCode::NOT_FOUND);

    let delete = format!("{edit}/delete");
    refused_everywhere(
        &app,
        &[&agent, &customer],
        &[list, &edit],
        &[(list, macro_form("偷偷加的", &[])), (&edit, macro_form("偷偷改的", &[])), (&delete, vec![])],
    )
    .await;

    assert_eq!(location(&boss.post(&delete, &[]).await), "/settings/reply-macros?done=deleted");
    assert_eq!(app.count("SELECT count(*) FROM reply_macros").await, 0);
    assert_eq!(boss.post(&delete, &[]).await.status(), StatusCode::NOT_FOUND);
}

/// GET as htmx does.
async fn htmx_get(browser: &Browser, path: &str) -> Page {
    to_page(browser.http.get(browser.url(path)).header("HX-Request", "true").send().await.expect("GET")).await
}

#[actix_web::test]
async fn an_agent_inserts_a_reply_template_filled_in_for_the_ticket() {
    let app = TestApp::spawn().await;
    let (boss, agent, customer) = people(&app).await;
    let other = app.signed_in(Role::Customer, "other@example.com").await;
    boss.post("/settings/reply-macros", &macro_form("已处理通知", &[])).await;
    let id = id_of(&app, "SELECT id FROM reply_macros").await;
    let number = customer.file_ticket(&ticket_form("洗碗机不进水", &[])).await;
    let path = format!("/tickets/{number}");

    // The picker sits above the reply box and targets it.
    let page = agent.page(&path).await;
    let button = format!(".macro-picker button[hx-get='{path}/macros/{id}']");
    assert_eq!(page.first(&button).as_deref(), Some("已处理通知"));
    assert_eq!(page.attr(&button, "hx-target").as_deref(), Some("next .field"));
    assert_eq!(page.attr("#macro-lang option[selected]", "value").as_deref(), Some("zh-CN"));
    assert!(page.first("#f-body").is_some());
    assert!(customer.page(&path).await.first(".macro-picker").is_none(), "customers get no picker");

    // Chinese, English, and the page's language when none is chosen.
    let zh = "王芳您好！您的工单{n}（DW-600 洗碗机）已处理。——agent agent".replace("{n}", &number);
    let en = format!("Dear 王芳, ticket {number} (DW-600 洗碗机) is done. agent agent");
    let box_ = htmx_get(&agent, &format!("{path}/macros/{id}?lang=zh-CN")).await;
    assert_eq!(box_.status, StatusCode::OK);
    assert_eq!(box_.first("textarea#f-body[name=body]").as_deref(), Some(zh.as_str()));
    assert_eq!(box_.first("label[for=f-body]").as_deref().map(|l| l.starts_with("回复")), Some(true));
    let box_ = htmx_get(&agent, &format!("{path}/macros/{id}?lang=en")).await;
    assert_eq!(box_.first("#f-body").as_deref(), Some(en.as_str()));
    assert_eq!(htmx_get(&agent, &format!("{path}/macros/{id}")).await.first("#f-body").as_deref(), Some(zh.as_str()));
    assert_eq!(
        htmx_get(&agent, &format!("{path}/macros/{id}?lang=fr")).await.first("#f-body").as_deref(),
        Some(zh.as_str())
    );
    // What was already typed stays, above the template.
    let box_ = htmx_get(&agent, &format!("{path}/macros/{id}?lang=en&body=%E8%8D%89%E7%A8%BF%0A")).await;
    assert_eq!(box_.first("#f-body"), Some(format!("草稿\n\n{en}")));
    // The supervisor too, with their own name.
    let box_ = htmx_get(&boss, &format!("{path}/macros/{id}?lang=en")).await;
    assert!(box_.first("#f-body").unwrap_or_default().ends_with("supervisor boss"));

    // The inserted text is sent as an ordinary reply.
    let res = agent.post(&format!("{path}/comments"), &[("body", &zh)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(customer.page(&path).await.contains(&zh));

    // Wrong ticket or template: 404; customers: 403, for their own ticket or another's.
    let res = agent.get(&format!("/tickets/AS20200101-999999/macros/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = htmx_get(&agent, &format!("/tickets/AS20200101-999999/macros/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.contains("找不到"), "a readable message for the flash area");
    assert_eq!(agent.get(&format!("{path}/macros/999999")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(agent.get(&format!("{path}/macros/abc")).await.status(), StatusCode::NOT_FOUND);
    for who in [&customer, &other] {
        let page = htmx_get(who, &format!("{path}/macros/{id}?lang=zh-CN")).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(!page.contains("王芳您好"));
    }
    let res = app.browser().get(&format!("{path}/macros/{id}")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed out: to the sign-in page");
}

#[actix_web::test]
async fn values_put_into_a_reply_template_are_escaped_and_not_expanded_again() {
    let app = TestApp::spawn().await;
    let (boss, agent, customer) = people(&app).await;
    boss.post("/settings/reply-macros", &macro_form("问候", &[("body_zh", "您好 {customer_name}，{product}")])).await;
    let id = id_of(&app, "SELECT id FROM reply_macros").await;
    let number = customer
        .file_ticket(&ticket_form(
            "x",
            &[("contact_name", "<b>{ticket_number}</b>"), ("product_model", "X200 {agent_name}")],
        ))
        .await;
    let res = agent
        .http
        .get(agent.url(&format!("/tickets/{number}/macros/{id}?lang=zh-CN")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    let raw = res.text().await.unwrap();
    assert!(!raw.contains("<b>") && raw.contains("&#60;b&#62;"), "escaped: {raw}");
    let page = to_page_from(&raw);
    assert_eq!(page.first("#f-body").as_deref(), Some("您好 <b>{ticket_number}</b>，X200 {agent_name}"));
}

fn to_page_from(raw: &str) -> Page {
    let html = scraper::Html::parse_document(raw);
    let text = html.root_element().text().collect::<Vec<_>>().join(" ");
    Page { status: StatusCode::OK, html, text }
}

async fn version(browser: &Browser, number: &str) -> String {
    browser.page(&format!("/tickets/{number}")).await.attr("input[name=version]", "value").unwrap_or_default()
}

#[actix_web::test]
async fn supervisors_add_cause_categories_that_the_resolve_form_offers() {
    let app = TestApp::spawn().await;
    let (boss, agent, customer) = people(&app).await;
    let list = "/settings/causes";

    let page = boss.page(list).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("#causes tbody tr").len(), 7, "the seven built-ins");
    assert!(page.select("#causes td").iter().any(|t| t == "无法复现"));
    assert!(page.attr("#cause-parts a", "href").is_none(), "built-ins can't be renamed");
    assert!(page.attr("#cause-parts form", "action").is_none(), "nor deleted");

    // Bad input: messages beside the fields, the input kept, nothing stored.
    let page =
        to_page(boss.post(list, &[("code", "Water Damage!"), ("name_zh", ""), ("name_en", "Water")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-code").unwrap_or_default().contains("小写"));
    assert!(page.first("#e-name_zh").unwrap_or_default().contains("此项必填"));
    assert_eq!(page.attr("#f-code", "value").as_deref(), Some("Water Damage!"));
    assert_eq!(page.attr("#f-name_en", "value").as_deref(), Some("Water"));
    let page = to_page(boss.post(list, &[("code", ""), ("name_zh", "进水"), ("name_en", "——")]).await).await;
    assert!(page.first("#e-code").unwrap_or_default().contains("请填写代码"));
    let too_long = "a".repeat(41);
    let page = to_page(boss.post(list, &[("code", &too_long), ("name_zh", "进水"), ("name_en", "Water")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM cause_categories").await, 7);

    // The code comes from the English name, or as typed.
    let res = boss.post(list, &[("code", ""), ("name_zh", "进水"), ("name_en", "Water damage")]).await;
    assert_eq!(location(&res), "/settings/causes?done=saved");
    let res = boss.post(list, &[("code", "firmware_bug"), ("name_zh", "固件缺陷"), ("name_en", "Firmware bug")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM cause_categories WHERE code = 'water_damage' AND NOT builtin").await, 1);

    // Duplicates: code (typed or derived) and names.
    let page =
        to_page(boss.post(list, &[("code", "water_damage"), ("name_zh", "受潮"), ("name_en", "Damp")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-code").unwrap_or_default().contains("已被使用"));
    let page = to_page(boss.post(list, &[("code", ""), ("name_zh", "受潮"), ("name_en", "Water  Damage")]).await).await;
    assert!(page.first("#e-code").unwrap_or_default().contains("已被使用"));
    let page =
        to_page(boss.post(list, &[("code", "parts_2"), ("name_zh", "配件"), ("name_en", "Spare parts")]).await).await;
    assert!(page.first("#e-name_zh").unwrap_or_default().contains("已被使用"));
    let page = to_page(boss.post(list, &[("code", "misc"), ("name_zh", "杂项"), ("name_en", "OTHER")]).await).await;
    assert!(page.first("#e-name_en").unwrap_or_default().contains("已被使用"));
    assert_eq!(app.count("SELECT count(*) FROM cause_categories").await, 9);

    // Renaming an added one; the code stays.
    let edit = format!("{list}/water_damage");
    assert_eq!(boss.page(&edit).await.attr("#f-name_zh", "value").as_deref(), Some("进水"));
    let page = to_page(boss.post(&edit, &[("name_zh", "进水受潮"), ("name_en", "")]).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.first("#e-name_en").is_some());
    assert_eq!(page.attr("#f-name_zh", "value").as_deref(), Some("进水受潮"));
    let page = to_page(boss.post(&edit, &[("name_zh", "固件缺陷"), ("name_en", "Wet")]).await).await;
    assert!(page.first("#e-name_zh").unwrap_or_default().contains("已被使用"));
    assert_eq!(app.count("SELECT count(*) FROM cause_categories WHERE name_zh = '进水'").await, 1);
    let res = boss.post(&edit, &[("name_zh", "进水受潮"), ("name_en", "Water or damp"), ("code", "sneaky")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM cause_categories WHERE code = 'water_damage' AND name_zh = '进水受潮'").await,
        1
    );

    // Built-ins stay as they are; unknown codes don't exist.
    let page = boss.page(&format!("{list}/parts")).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("内置的问题原因不能修改或删除"));
    let res = boss.post(&format!("{list}/parts"), &[("name_zh", "零件"), ("name_en", "Bits")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = to_page(boss.post(&format!("{list}/parts/delete"), &[]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("内置"));
    assert_eq!(app.count("SELECT count(*) FROM cause_categories WHERE code = 'parts' AND name_zh = '配件'").await, 1);
    assert_eq!(boss.get(&format!("{list}/nope")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(boss.post(&format!("{list}/nope/delete"), &[]).await.status(), StatusCode::NOT_FOUND);

    // Agents and customers are refused.
    refused_everywhere(
        &app,
        &[&agent, &customer],
        &[list, &edit],
        &[
            (list, vec![("code", "agent_cause"), ("name_zh", "客服加的"), ("name_en", "By agent")]),
            (&edit, vec![("name_zh", "客服改的"), ("name_en", "Renamed by agent")]),
            ("/settings/causes/firmware_bug/delete", vec![]),
        ],
    )
    .await;

    // The resolve form offers the new category, and a ticket resolves under it.
    let number = customer.file_ticket(&ticket_form("洗碗机进水", &[])).await;
    let path = format!("/tickets/{number}");
    agent.post(&format!("{path}/take"), &[]).await;
    agent.post(&format!("{path}/act/start"), &[("version", &version(&agent, &number).await)]).await;
    let page = agent.page(&path).await;
    let options = page.select("#f-resolve-cause option");
    assert!(options.iter().any(|o| o == "进水受潮"), "{options:?}");
    assert_eq!(page.attr("#f-resolve-cause option[value=water_damage]", "value").as_deref(), Some("water_damage"));
    let form = [("text", "烘干主板后恢复"), ("cause", "water_damage"), ("version", &version(&agent, &number).await)];
    assert_eq!(agent.post(&format!("{path}/act/resolve"), &form).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM tickets WHERE number = '{number}' AND cause_code = 'water_damage'"))
            .await,
        1
    );
    assert!(customer.page(&path).await.contains("问题原因: 进水受潮"));

    // In use: it stays, and the list says why. Unused: it goes.
    let page = to_page(boss.post(&format!("{list}/water_damage/delete"), &[]).await).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.first(".alert-error").unwrap_or_default().contains("不能删除"));
    assert_eq!(app.count("SELECT count(*) FROM cause_categories WHERE code = 'water_damage'").await, 1);
    let res = boss.post(&format!("{list}/firmware_bug/delete"), &[]).await;
    assert_eq!(location(&res), "/settings/causes?done=deleted");
    assert_eq!(app.count("SELECT count(*) FROM cause_categories WHERE code = 'firmware_bug'").await, 0);
    assert!(!agent.page(&path).await.select("#f-resolve-cause option").iter().any(|o| o == "固件缺陷"));
}
