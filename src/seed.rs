//! Demo data: one supervisor, three agents, three customers and about forty
//! tickets across types, urgencies and states, so every page shows something.

use crate::db::Pool;
use crate::domain::account_form::AccountDraft;
use crate::domain::ticket_form::TicketDraft;
use crate::domain::withdrawal::{CompensationKind, DisputeReason, Step, WithdrawalReason};
use crate::domain::workflow::Action;
use crate::domain::{Channel, DesiredOutcome, Role, TicketType, Urgency};
use crate::error::AppError;
use crate::services::tickets::{self as ticket_service, By, Change};
use crate::services::withdrawal::{self, StepInput, WithdrawInput};
use crate::services::{SessionUser, accounts};
use crate::store::compensations::{self, NewCompensation};
use crate::store::users;
use chrono::{Duration, Utc};
use chrono_tz::Tz;
use diesel_async::AsyncConnection;

pub const DEMO_PASSWORD: &str = "demo1234";

/// (role, login email, name, region, skills)
pub const DEMO_ACCOUNTS: &[(Role, &str, &str, &str, &[&str])] = &[
    (Role::Supervisor, "supervisor@demo.local", "陈静 Chen Jing", "上海", &[]),
    (Role::Agent, "agent1@demo.local", "张伟 Zhang Wei", "上海", &["fault_repair", "maintenance"]),
    (Role::Agent, "agent2@demo.local", "李娜 Li Na", "北京", &["return_exchange", "complaint"]),
    (Role::Agent, "agent3@demo.local", "Tom Baker", "广州", &["consultation", "account", "service_process"]),
    (Role::Customer, "customer1@demo.local", "王芳 Wang Fang", "上海", &[]),
    (Role::Customer, "customer2@demo.local", "刘洋 Liu Yang", "北京", &[]),
    (Role::Customer, "customer3@demo.local", "Emily Chen", "深圳", &[]),
];

/// (type, urgency, product, title, description, desired outcome)
const SAMPLES: &[(TicketType, Urgency, &str, &str, &str, DesiredOutcome)] = &[
    (
        TicketType::FaultRepair,
        Urgency::Urgent,
        "DW-600 洗碗机",
        "洗碗机不进水",
        "开机后进水指示灯一直闪烁，水龙头已打开，机器不进水。",
        DesiredOutcome::Repair,
    ),
    (
        TicketType::FaultRepair,
        Urgency::Critical,
        "AC-3500 商用空调",
        "机房空调停机报警 E4",
        "服务器机房空调凌晨停机，面板显示 E4，室温持续升高，需要紧急上门。",
        DesiredOutcome::Repair,
    ),
    (
        TicketType::Consultation,
        Urgency::Normal,
        "RB-20 扫地机器人",
        "How do I reset the Wi-Fi settings?",
        "I changed my router and the robot no longer connects. What are the steps to pair it again?",
        DesiredOutcome::Explanation,
    ),
    (
        TicketType::Complaint,
        Urgency::Urgent,
        "TV-55Q 电视",
        "上门安装人员迟到三小时",
        "预约上午十点安装，工程师下午一点才到，也没有提前通知。",
        DesiredOutcome::Explanation,
    ),
    (
        TicketType::ReturnExchange,
        Urgency::Normal,
        "HP-9 耳机",
        "Left earbud has no sound",
        "Bought two weeks ago; the left earbud stopped working. I'd like an exchange.",
        DesiredOutcome::Replacement,
    ),
    (
        TicketType::Maintenance,
        Urgency::Normal,
        "WP-200 净水器",
        "滤芯到期更换预约",
        "净水器提示滤芯寿命到期，想预约本周六上门更换。",
        DesiredOutcome::Repair,
    ),
    (
        TicketType::Account,
        Urgency::Normal,
        "会员账户",
        "Cannot log in to the warranty app",
        "The app says my phone number is already registered, but I never made an account.",
        DesiredOutcome::Explanation,
    ),
    (
        TicketType::ServiceProcess,
        Urgency::Normal,
        "RF-450 冰箱",
        "需要开具增值税专用发票",
        "公司采购的冰箱需要补开专票，请告知需要提供哪些资料。",
        DesiredOutcome::Other,
    ),
    (
        TicketType::FaultRepair,
        Urgency::Urgent,
        "WM-80 洗衣机",
        "Washer stops mid-cycle with error F21",
        "The machine stops during the rinse cycle and shows F21. Water stays in the drum.",
        DesiredOutcome::Repair,
    ),
    (
        TicketType::ReturnExchange,
        Urgency::Urgent,
        "MW-25 微波炉",
        "收到的微波炉外壳破损",
        "快递送到时包装完好，打开后发现外壳右侧凹陷破损，要求换新。",
        DesiredOutcome::Replacement,
    ),
];

const STATE_PATHS: &[&[Action]] = &[
    &[],
    &[Action::Take],
    &[Action::Take, Action::Start, Action::Reply],
    &[Action::Take, Action::Start, Action::RequestInfo],
    &[Action::Take, Action::Start, Action::Reply, Action::Resolve],
    &[Action::Take, Action::Start, Action::Resolve, Action::Confirm],
    &[Action::Withdraw],
];

fn step_text(action: Action) -> Option<&'static str> {
    match action {
        Action::Reply => Some("您好，我们已收到您的问题，工程师正在跟进。/ Thanks, an engineer is on it."),
        Action::RequestInfo => Some("请提供产品序列号和故障照片。/ Please send the serial number and a photo."),
        Action::Resolve => Some("已更换故障部件并测试正常。/ Replaced the faulty part; tested OK."),
        _ => None,
    }
}

/// Creates the demo accounts and tickets unless they exist. Returns false if
/// the demo data was already there.
pub async fn seed_demo(pool: &Pool, tz: Tz) -> anyhow::Result<bool> {
    {
        let mut conn = pool.get().await?;
        if users::find_by_login(&mut conn, DEMO_ACCOUNTS[0].1).await?.is_some() {
            return Ok(false);
        }
    }
    let mut people = Vec::new();
    for (role, email, name, region, skills) in DEMO_ACCOUNTS {
        let draft = AccountDraft {
            role: *role,
            name: (*name).into(),
            phone: None,
            email: Some((*email).into()),
            company: None,
            region: Some((*region).into()),
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            password: DEMO_PASSWORD.into(),
        };
        let user = accounts::create(pool, draft).await.map_err(|e| anyhow::anyhow!("creating {email}: {e}"))?;
        people.push(SessionUser::from(&user));
    }
    seed_settings(pool).await?;
    let agents: Vec<_> = people.iter().filter(|p| p.role == Role::Agent).cloned().collect();
    let customers: Vec<_> = people.iter().filter(|p| p.role == Role::Customer).cloned().collect();
    let mut conn = pool.get().await?;
    let start = Utc::now() - Duration::days(14);
    let mut in_progress = Vec::new();
    for i in 0..42usize {
        let (ticket_type, urgency, product, title, description, outcome) = SAMPLES[i % SAMPLES.len()];
        let customer = &customers[i % customers.len()];
        let agent = &agents[i % agents.len()];
        let path = STATE_PATHS[i % STATE_PATHS.len()];
        let filed_at = start + Duration::hours(8 * i as i64);
        let draft = TicketDraft {
            ticket_type,
            urgency,
            product_model: product.into(),
            serial_number: Some(format!("SN{:08}", 20250000 + i * 37)),
            purchase_date: Some(filed_at.date_naive() - Duration::days(90 + 11 * i as i64)),
            order_number: Some(format!("JD{}", 880000 + i)),
            title: title.into(),
            description: description.into(),
            desired_outcome: outcome,
            contact_name: customer.name.clone(),
            contact_phone: Some(format!("1380013{:04}", 8000 + i)),
            contact_email: None,
            address: Some("人民路 100 号 / 100 Renmin Rd".into()),
            region: Some(DEMO_ACCOUNTS[4 + i % 3].3.into()),
        };
        let channel = [Channel::Web, Channel::Phone, Channel::Email, Channel::App][i % 4];
        let ticket = ticket_service::file(&mut conn, customer, channel, &draft, filed_at, tz)
            .await
            .map_err(|e| anyhow::anyhow!("filing demo ticket {i}: {e}"))?;
        let number = ticket.number.clone();
        conn.transaction::<_, AppError, _>(async |conn| {
            for (step, action) in path.iter().enumerate() {
                let who = match action {
                    Action::Confirm | Action::Withdraw | Action::AddInfo | Action::RejectFix => customer,
                    _ => agent,
                };
                let at = filed_at + Duration::minutes(45 * (step as i64 + 1));
                if *action == Action::Withdraw {
                    let reason = WithdrawalReason::ALL[i % WithdrawalReason::ALL.len()];
                    let text =
                        if reason == WithdrawalReason::Other { "已在门店处理 / Sorted out in store" } else { "" };
                    let input = WithdrawInput { reason: reason.code().into(), text: text.into(), ..Default::default() };
                    withdrawal::withdraw(conn, &number, who, &input, ANSWER_WITHIN, at).await?;
                    continue;
                }
                let mut change = Change::new(*action);
                change.text = step_text(*action);
                ticket_service::apply(conn, &number, By::Person(who), change, at).await?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("demo ticket {i}: {e}"))?;
        // The third path ends in progress (taken, started, replied).
        in_progress.extend((i % STATE_PATHS.len() == 2).then(|| (number, customer.clone(), agent.clone())));
    }
    seed_withdrawal_requests(&mut conn, &in_progress).await.map_err(|e| anyhow::anyhow!("demo requests: {e}"))?;
    Ok(true)
}

const ANSWER_WITHIN: Duration = Duration::hours(4);

/// Pending withdrawal requests on in-progress tickets: one waiting for its
/// assignee, two disputed (one with a voucher given), so the approvals page
/// and the ticket's request panel show something.
async fn seed_withdrawal_requests(
    conn: &mut crate::store::Conn,
    in_progress: &[(String, SessionUser, SessionUser)],
) -> Result<(), AppError> {
    let now = Utc::now();
    let disputes = [
        (DisputeReason::PartsShipped, "替换主板已于昨日发出，运单号 SF1234567890。/ The new board shipped yesterday."),
        (DisputeReason::WorkDone, "工程师已上门两次并更换了水泵。/ Two visits done, pump replaced."),
    ];
    for (k, (number, customer, agent)) in in_progress.iter().take(3).enumerate() {
        let asked_at = now - Duration::minutes(30 + 90 * k as i64);
        if k == 2 {
            let ticket = crate::store::tickets::find_by_number(conn, number).await?.ok_or(AppError::NotFound)?;
            let voucher = NewCompensation {
                ticket_id: ticket.id,
                kind: CompensationKind::Voucher,
                amount_cents: Some(5000),
                description: "延误补偿代金券 / Voucher for the delay",
                given_by: agent.id,
                given_at: asked_at - Duration::hours(2),
            };
            compensations::insert(conn, &voucher).await?;
        }
        let reason =
            [WithdrawalReason::SolvedMyself, WithdrawalReason::OtherChannel, WithdrawalReason::NeedsChanged][k];
        let input = WithdrawInput { reason: reason.code().into(), ..Default::default() };
        let request = withdrawal::withdraw(conn, number, customer, &input, ANSWER_WITHIN, asked_at).await?;
        if let Some((dispute, text)) = k.checked_sub(1).map(|d| disputes[d]) {
            let step =
                StepInput { request: Some(request.id.0), text: text.into(), dispute_reason: dispute.code().into() };
            let at = asked_at + Duration::minutes(20);
            withdrawal::step(conn, number, agent, Step::Dispute, &step, ANSWER_WITHIN, at).await?;
        }
    }
    Ok(())
}

/// A few catalogue models (matching the demo tickets' products), keyword rules,
/// a ticket template and reply templates, so the settings pages and the
/// warranty badge show something.
async fn seed_settings(pool: &Pool) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    const SQL: &[&str] = &[
        "INSERT INTO products (model_code, name_zh, name_en, product_line, warranty_months) VALUES
            ('DW-600 洗碗机', '嵌入式洗碗机', 'Built-in dishwasher', '厨房电器 Kitchen', 24),
            ('AC-3500 商用空调', '商用空调', 'Commercial air conditioner', '空调 HVAC', 36),
            ('RB-20 扫地机器人', '扫地机器人', 'Robot vacuum', '清洁 Cleaning', 12),
            ('TV-55Q 电视', '55 英寸电视', '55-inch TV', '影音 AV', 12),
            ('HP-9 耳机', '无线耳机', 'Wireless earbuds', '影音 AV', 6),
            ('WM-80 洗衣机', '滚筒洗衣机', 'Front-load washer', '洗护 Laundry', 24),
            ('MW-25 微波炉', '微波炉', 'Microwave oven', '厨房电器 Kitchen', 12),
            ('WP-200 净水器', '净水器', 'Water purifier', '厨房电器 Kitchen', 12),
            ('RF-450 冰箱', '双门冰箱', 'Two-door fridge', '冰箱 Refrigeration', 36)",
        "INSERT INTO keyword_rules (keywords, ticket_type, urgency, priority) VALUES
            ('{漏水,不进水,不出水,leak,error}', 'fault_repair', NULL, 10),
            ('{停机,报警,冒烟,smoke,alarm}', 'fault_repair', 'critical', 5),
            ('{发票,invoice}', 'service_process', 'normal', 20),
            ('{退货,换货,破损,refund,damaged}', 'return_exchange', 'urgent', 15)",
        "INSERT INTO ticket_templates (name_zh, name_en, ticket_type, urgency, desired_outcome, title_zh, title_en, description_zh, description_en) VALUES
            ('上门维修', 'On-site repair', 'fault_repair', 'normal', 'repair', '需要上门维修', 'Need an on-site repair',
             '故障现象：\n出现时间：\n方便上门的时间：', 'What happens:\nSince when:\nGood times for a visit:')",
        "INSERT INTO reply_macros (name, body_zh, body_en) VALUES
            ('已收到 / Received', '{customer_name}您好，您的工单 {ticket_number}（{product}）已收到，我们会尽快安排处理。—— {agent_name}',
             'Hello {customer_name}, we have your ticket {ticket_number} ({product}) and are on it. — {agent_name}')",
    ];
    let mut conn = pool.get().await?;
    for sql in SQL {
        diesel::sql_query(*sql).execute(&mut conn).await?;
    }
    Ok(())
}
