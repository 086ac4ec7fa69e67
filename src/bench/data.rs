//! Made-up but realistic data: Chinese and English titles and descriptions from product and fault
//! vocabularies, Chinese names and phones, spread over states, types, urgencies, channels, agents,
//! regions and two years of dates. Deterministic (seeded), so runs at the same size are comparable.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const PRODUCTS: &[(&str, &str)] = &[
    ("DW-600 洗碗机", "dishwasher"),
    ("WM-800 滚筒洗衣机", "washing machine"),
    ("RF-450 对开门冰箱", "refrigerator"),
    ("AC-35 变频空调", "air conditioner"),
    ("MW-20 微波炉", "microwave oven"),
    ("WH-60 电热水器", "water heater"),
    ("RH-90 油烟机", "range hood"),
    ("GS-5 燃气灶", "gas stove"),
    ("AP-300 空气净化器", "air purifier"),
    ("VC-12 扫地机器人", "robot vacuum"),
    ("TV-65 智能电视", "smart TV"),
    ("WP-7 净水器", "water purifier"),
];

pub const FAULTS_ZH: &[&str] = &[
    "不加热",
    "不进水",
    "漏水",
    "噪音大",
    "无法开机",
    "显示屏不亮",
    "遥控器失灵",
    "制冷效果差",
    "异味",
    "指示灯闪烁",
    "门关不上",
    "排水慢",
    "报错代码E3",
    "频繁跳闸",
    "滤网堵塞",
    "安装后无法启动",
    "外壳破损",
    "运行时震动",
    "连接不上WiFi",
    "定时功能失效",
];

pub const FAULTS_EN: &[&str] = &[
    "does not heat",
    "leaks water",
    "makes a loud noise",
    "will not turn on",
    "display is blank",
    "error code E3",
    "poor cooling",
    "strange smell",
    "door will not close",
    "drains slowly",
    "cannot connect to WiFi",
    "trips the breaker",
];

const DETAILS_ZH: &[&str] = &[
    "上周刚买的，用了三天就出现这个问题。",
    "已经按照说明书重启过，还是一样。",
    "家里老人在用，比较着急，请尽快安排师傅上门。",
    "之前维修过一次，现在又出现了。",
    "晚上使用时更明显，希望能远程指导一下。",
    "包装完好，安装师傅走后就发现了。",
];

const DETAILS_EN: &[&str] = &[
    "Bought it last month and it started after a week.",
    "I already restarted it as the manual says, no change.",
    "Please send a technician as soon as possible.",
    "It was repaired once before and the problem is back.",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高",
];
const GIVEN: &[&str] = &[
    "芳", "伟", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "秀英", "桂英", "建华", "晓东",
    "丽娟", "志强",
];
const ENGLISH_NAMES: &[&str] = &["Emma Smith", "Liam Brown", "Olivia Jones", "Noah Wilson", "Ava Taylor"];

pub const REGIONS: &[&str] = &["上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆"];
const STREETS: &[&str] = &["人民路", "解放路", "中山路", "建设路", "和平路", "长江路"];

const TYPES: &[(&str, u32)] = &[
    ("fault_repair", 45),
    ("consultation", 15),
    ("complaint", 8),
    ("maintenance", 10),
    ("return_exchange", 12),
    ("account", 4),
    ("service_process", 6),
];
const URGENCIES: &[(&str, u32)] = &[("normal", 75), ("urgent", 20), ("critical", 5)];
const CHANNELS: &[(&str, u32)] = &[("web", 40), ("phone", 25), ("app", 15), ("email", 8), ("social", 7), ("store", 5)];
const OUTCOMES: &[(&str, u32)] =
    &[("repair", 50), ("replacement", 15), ("refund", 10), ("explanation", 20), ("other", 5)];
/// States of tickets filed in the last month; older ones are closed or withdrawn.
const RECENT_STATES: &[(&str, u32)] = &[
    ("submitted", 12),
    ("assigned", 13),
    ("in_progress", 30),
    ("awaiting_customer", 15),
    ("resolved", 20),
    ("closed", 10),
];
const RECENT_DAYS: i64 = 30;
pub const DAYS: i64 = 730;

pub const AGENTS: i64 = 50;
pub const SUPERVISORS: i64 = 3;
/// The first customer's id: agents are 1..=50, supervisors 51..=53.
pub const FIRST_CUSTOMER: i64 = AGENTS + SUPERVISORS + 1;

pub fn agent_email(i: i64) -> String {
    format!("agent{i}@bench.test")
}
/// Staff are named by number (坐席 7, 主管 2), so the events that name them agree with the accounts.
pub fn staff_name(id: i64) -> String {
    if id <= AGENTS { format!("坐席 {id}") } else { format!("主管 {}", id - AGENTS) }
}
pub fn customer_email(id: i64) -> String {
    format!("customer{id}@bench.test")
}

/// Customers for `tickets` tickets: about ten tickets each.
pub fn customer_count(tickets: u64) -> i64 {
    (tickets as i64 / 10).max(10)
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn weighted<'a>(rng: &mut StdRng, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    items[0].0
}

pub fn chinese_name(rng: &mut StdRng) -> String {
    format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN))
}

pub fn phone(id: i64) -> String {
    format!("13{:09}", id)
}

/// One generated ticket with what the loader needs to write it and its events.
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    pub day: NaiveDate,
    pub seq: i32,
    pub customer_id: i64,
    pub ticket_type: &'static str,
    pub urgency: &'static str,
    pub channel: &'static str,
    pub state: &'static str,
    pub title: String,
    pub description: String,
    pub desired_outcome: &'static str,
    pub product_model: &'static str,
    pub serial_number: String,
    pub purchase_date: NaiveDate,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub region: &'static str,
    pub assignee_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Generates the tickets in filing order, numbering them per day as the app does.
pub struct TicketGen {
    rng: StdRng,
    total: u64,
    next: u64,
    start: DateTime<Utc>,
    tz: Tz,
    customers: i64,
    day: Option<NaiveDate>,
    seq: i32,
    pub now: DateTime<Utc>,
}

impl TicketGen {
    pub fn new(total: u64, now: DateTime<Utc>, tz: Tz) -> Self {
        TicketGen {
            rng: StdRng::seed_from_u64(7),
            total,
            next: 0,
            start: now - Duration::days(DAYS),
            tz,
            customers: customer_count(total),
            day: None,
            seq: 0,
            now,
        }
    }

    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }
}

impl Iterator for TicketGen {
    type Item = TicketRow;

    fn next(&mut self) -> Option<TicketRow> {
        if self.next >= self.total {
            return None;
        }
        let i = self.next;
        self.next += 1;
        // Evenly spread over two years, ending a little before now.
        let span = (DAYS * 86_400 - 3_600) as f64;
        let created_at = self.start + Duration::seconds((span * i as f64 / self.total as f64) as i64);
        let day = created_at.with_timezone(&self.tz).date_naive();
        if self.day != Some(day) {
            self.day = Some(day);
            self.seq = 0;
        }
        self.seq += 1;
        let rng = &mut self.rng;
        let recent = self.now - created_at < Duration::days(RECENT_DAYS);
        let state = if recent {
            weighted(rng, RECENT_STATES)
        } else if rng.random_range(0..100) < 6 {
            "withdrawn"
        } else {
            "closed"
        };
        let (product, product_en) = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
        let english = rng.random_range(0..100) < 15;
        let (title, description) = if english {
            let fault = pick(rng, FAULTS_EN);
            (format!("The {product_en} {fault}"), format!("My {product_en} {fault}. {}", pick(rng, DETAILS_EN)))
        } else {
            let fault = pick(rng, FAULTS_ZH);
            let short = product.split(' ').nth(1).unwrap_or(product);
            (format!("{short}{fault}"), format!("{short}{fault}，{}", pick(rng, DETAILS_ZH)))
        };
        let customer_id = FIRST_CUSTOMER + rng.random_range(0..self.customers);
        let assignee_id = (state != "submitted" && !(state == "withdrawn" && rng.random_bool(0.5)))
            .then(|| rng.random_range(1..=AGENTS));
        let contact_name = if english { pick(rng, ENGLISH_NAMES).to_owned() } else { chinese_name(rng) };
        let region = pick(rng, REGIONS);
        Some(TicketRow {
            id: i as i64 + 1,
            number: format!("AS{}-{:06}", day.format("%Y%m%d"), self.seq),
            day,
            seq: self.seq,
            customer_id,
            ticket_type: weighted(rng, TYPES),
            urgency: weighted(rng, URGENCIES),
            channel: weighted(rng, CHANNELS),
            state,
            title,
            description,
            desired_outcome: weighted(rng, OUTCOMES),
            product_model: product,
            serial_number: format!("SN{:08}", rng.random_range(0..100_000_000)),
            purchase_date: (created_at - Duration::days(rng.random_range(3..700))).date_naive(),
            contact_name,
            contact_phone: phone(customer_id),
            address: format!("{}{} {} 号", region, pick(rng, STREETS), rng.random_range(1..999)),
            region,
            assignee_id,
            created_at,
        })
    }
}

/// Chinese search terms of 1–4 characters that occur in the data, and an English one.
pub const SEARCH_ZH: [&str; 4] = ["漏", "漏水", "洗衣机", "对开门冰"];
pub const SEARCH_EN: &str = "leaks";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_restart_each_day_and_follow_filing_order() {
        let now = Utc::now();
        let rows: Vec<TicketRow> = TicketGen::new(5_000, now, chrono_tz::Asia::Shanghai).collect();
        assert_eq!(rows.len(), 5_000);
        for pair in rows.windows(2) {
            assert!(pair[0].created_at <= pair[1].created_at);
            if pair[0].day == pair[1].day {
                assert_eq!(pair[1].seq, pair[0].seq + 1);
            } else {
                assert_eq!(pair[1].seq, 1);
            }
        }
        assert!(rows.iter().any(|r| r.title.contains("漏水")));
        assert!(rows.iter().any(|r| r.state == "in_progress"));
    }
}
