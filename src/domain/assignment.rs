//! Assignment rules (DESIGN.md "Assignment"): which agent a ticket goes to under
//! the rule supervisors chose. Pure: the caller loads the candidates and the
//! round-robin cursor, this module only decides.

use super::{TicketType, UserId};

crate::text_enum! {
    /// The active assignment rule (分派规则); one at a time.
    Rule, "assign-rule" {
        Manual => "manual",
        Skill => "skill",
        Region => "region",
        Workload => "workload",
        RoundRobin => "round_robin",
    }
}

/// An agent who might get the ticket, with what the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: UserId,
    /// Ticket type codes the agent handles, e.g. `fault_repair`.
    pub skills: Vec<String>,
    pub region: Option<String>,
    /// Open tickets (neither closed nor withdrawn) assigned to the agent now.
    pub open_count: i64,
    /// On leave or sick: never picked.
    pub available: bool,
}

impl Candidate {
    fn has_skill(&self, ticket_type: TicketType) -> bool {
        self.skills.iter().any(|s| s.trim().eq_ignore_ascii_case(ticket_type.code()))
    }

    fn serves_region(&self, region: Option<&str>) -> bool {
        match (self.region.as_deref().map(str::trim), region.map(str::trim)) {
            (Some(mine), Some(theirs)) => !mine.is_empty() && mine.to_lowercase() == theirs.to_lowercase(),
            _ => false,
        }
    }
}

/// What the rules know about the ticket being assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts<'a> {
    pub ticket_type: TicketType,
    pub region: Option<&'a str>,
}

/// The chosen agent, and whether the rule had to fall back to workload
/// because no available agent matched the ticket's skill or region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub agent: UserId,
    pub fallback: bool,
}

/// The agent `rule` gives the ticket to, or None (manual rule, or nobody available).
/// `last_pick` is the round-robin cursor: the agent round robin chose last.
pub fn choose(
    rule: Rule,
    candidates: &[Candidate],
    ticket: TicketFacts<'_>,
    last_pick: Option<UserId>,
) -> Option<Pick> {
    let available = || candidates.iter().filter(|c| c.available);
    let matched = |fits: &dyn Fn(&Candidate) -> bool| match least_loaded(available().filter(|c| fits(c))) {
        Some(agent) => Some(Pick { agent, fallback: false }),
        // Nobody with the skill (or in the region) is available: the ticket
        // should still reach someone, so the least loaded available agent gets it.
        None => least_loaded(available()).map(|agent| Pick { agent, fallback: true }),
    };
    match rule {
        Rule::Manual => None,
        Rule::Skill => matched(&|c| c.has_skill(ticket.ticket_type)),
        Rule::Region => matched(&|c| c.serves_region(ticket.region)),
        Rule::Workload => least_loaded(available()).map(|agent| Pick { agent, fallback: false }),
        Rule::RoundRobin => next_in_turn(available(), last_pick).map(|agent| Pick { agent, fallback: false }),
    }
}

/// Fewest open tickets; ties go to the lowest id, so the choice is stable.
fn least_loaded<'a>(agents: impl Iterator<Item = &'a Candidate>) -> Option<UserId> {
    agents.min_by_key(|c| (c.open_count, c.id)).map(|c| c.id)
}

/// The first agent after `last` in id order, wrapping around. Ids (not list
/// positions) make the turn survive agents joining, leaving or being away.
fn next_in_turn<'a>(agents: impl Iterator<Item = &'a Candidate> + Clone, last: Option<UserId>) -> Option<UserId> {
    let after = last.and_then(|last| agents.clone().filter(|c| c.id > last).map(|c| c.id).min());
    after.or_else(|| agents.map(|c| c.id).min())
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketType::*;

    fn agent(id: i64, skills: &[&str], region: Option<&str>, open_count: i64) -> Candidate {
        Candidate {
            id: UserId(id),
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            region: region.map(str::to_owned),
            open_count,
            available: true,
        }
    }

    fn away(mut c: Candidate) -> Candidate {
        c.available = false;
        c
    }

    fn facts(ticket_type: TicketType, region: Option<&str>) -> TicketFacts<'_> {
        TicketFacts { ticket_type, region }
    }

    fn pick(id: i64) -> Option<Pick> {
        Some(Pick { agent: UserId(id), fallback: false })
    }

    fn fallback(id: i64) -> Option<Pick> {
        Some(Pick { agent: UserId(id), fallback: true })
    }

    /// A team: 1 repairs in 上海 (busy), 2 repairs in 北京, 3 handles complaints in 上海, 4 is idle.
    fn team() -> Vec<Candidate> {
        vec![
            agent(1, &["fault_repair", "maintenance"], Some("上海"), 5),
            agent(2, &["fault_repair"], Some("北京"), 2),
            agent(3, &["complaint"], Some("上海"), 1),
            agent(4, &[], None, 0),
        ]
    }

    #[test]
    fn manual_never_picks() {
        for t in TicketType::ALL {
            assert_eq!(choose(Rule::Manual, &team(), facts(*t, Some("上海")), None), None);
            assert_eq!(choose(Rule::Manual, &team(), facts(*t, None), Some(UserId(2))), None);
        }
    }

    #[test]
    fn nobody_available_means_no_pick_under_every_rule() {
        let everyone_away: Vec<_> = team().into_iter().map(away).collect();
        for rule in Rule::ALL {
            assert_eq!(choose(*rule, &[], facts(FaultRepair, Some("上海")), None), None, "{rule:?} empty");
            assert_eq!(choose(*rule, &everyone_away, facts(FaultRepair, Some("上海")), None), None, "{rule:?} away");
        }
    }

    #[test]
    fn skill_picks_the_least_loaded_agent_with_the_skill() {
        assert_eq!(choose(Rule::Skill, &team(), facts(FaultRepair, None), None), pick(2), "2 has fewer than 1");
        assert_eq!(choose(Rule::Skill, &team(), facts(Maintenance, None), None), pick(1), "only 1, however busy");
        assert_eq!(choose(Rule::Skill, &team(), facts(Complaint, None), None), pick(3));
        // Skills are codes; spacing and case typed on the staff form don't matter.
        let sloppy = vec![agent(7, &[" Fault_Repair "], None, 9), agent(8, &[], None, 0)];
        assert_eq!(choose(Rule::Skill, &sloppy, facts(FaultRepair, None), None), pick(7));
    }

    #[test]
    fn skill_ties_go_to_the_lowest_id() {
        let twins = vec![agent(9, &["account"], None, 3), agent(5, &["account"], None, 3), agent(6, &[], None, 0)];
        assert_eq!(choose(Rule::Skill, &twins, facts(Account, None), None), pick(5));
    }

    #[test]
    fn skill_falls_back_to_workload_when_nobody_matches() {
        // Nobody handles consultations: the least loaded available agent (4) gets it.
        assert_eq!(choose(Rule::Skill, &team(), facts(Consultation, None), None), fallback(4));
        // The only agent with the skill is away: fall back too, never to them.
        let mut t = team();
        t[0] = away(t[0].clone());
        t[3] = away(t[3].clone());
        assert_eq!(choose(Rule::Skill, &t, facts(Maintenance, None), None), fallback(3));
    }

    #[test]
    fn region_picks_the_least_loaded_agent_in_the_region() {
        assert_eq!(choose(Rule::Region, &team(), facts(FaultRepair, Some("上海")), None), pick(3), "3 beats busy 1");
        assert_eq!(choose(Rule::Region, &team(), facts(FaultRepair, Some("北京")), None), pick(2));
        let latin = vec![agent(1, &[], Some("Shanghai"), 4), agent(2, &[], None, 0)];
        assert_eq!(choose(Rule::Region, &latin, facts(Complaint, Some(" shanghai ")), None), pick(1));
    }

    #[test]
    fn region_falls_back_to_workload_when_nobody_matches() {
        assert_eq!(choose(Rule::Region, &team(), facts(FaultRepair, Some("广州")), None), fallback(4));
        assert_eq!(choose(Rule::Region, &team(), facts(FaultRepair, None), None), fallback(4), "no region given");
        // An agent without a region never matches a ticket without one.
        let blank = vec![agent(1, &[], Some(""), 0), agent(2, &[], None, 1)];
        assert_eq!(choose(Rule::Region, &blank, facts(FaultRepair, Some("")), None), fallback(1));
        let mut t = team();
        t[2] = away(t[2].clone());
        assert_eq!(choose(Rule::Region, &t, facts(FaultRepair, Some("上海")), None), pick(1), "3 is away");
    }

    #[test]
    fn workload_picks_the_fewest_open_tickets_then_the_lowest_id() {
        assert_eq!(choose(Rule::Workload, &team(), facts(FaultRepair, Some("上海")), None), pick(4));
        let tied = vec![agent(8, &[], None, 2), agent(3, &[], None, 2), agent(5, &[], None, 7)];
        assert_eq!(choose(Rule::Workload, &tied, facts(FaultRepair, None), None), pick(3));
        let mut t = team();
        t[3] = away(t[3].clone());
        assert_eq!(choose(Rule::Workload, &t, facts(FaultRepair, None), None), pick(3), "idle 4 is away");
    }

    #[test]
    fn round_robin_takes_turns_by_id_and_wraps() {
        let t = team();
        let mut last = None;
        let mut order = Vec::new();
        for _ in 0..6 {
            let p = choose(Rule::RoundRobin, &t, facts(FaultRepair, None), last).expect("a pick");
            assert!(!p.fallback);
            order.push(p.agent.0);
            last = Some(p.agent);
        }
        assert_eq!(order, [1, 2, 3, 4, 1, 2], "workload and skills don't matter");
    }

    #[test]
    fn round_robin_skips_agents_who_are_away_and_survives_a_gone_cursor() {
        let mut t = team();
        t[1] = away(t[1].clone());
        assert_eq!(choose(Rule::RoundRobin, &t, facts(FaultRepair, None), Some(UserId(1))), pick(3));
        // The cursor points at an agent who is away (or no longer listed): the next one on.
        assert_eq!(choose(Rule::RoundRobin, &t, facts(FaultRepair, None), Some(UserId(2))), pick(3));
        assert_eq!(choose(Rule::RoundRobin, &t, facts(FaultRepair, None), Some(UserId(99))), pick(1));
        let unsorted = vec![agent(30, &[], None, 0), agent(10, &[], None, 0), agent(20, &[], None, 0)];
        assert_eq!(choose(Rule::RoundRobin, &unsorted, facts(FaultRepair, None), None), pick(10));
        assert_eq!(choose(Rule::RoundRobin, &unsorted, facts(FaultRepair, None), Some(UserId(10))), pick(20));
        assert_eq!(choose(Rule::RoundRobin, &unsorted, facts(FaultRepair, None), Some(UserId(30))), pick(10));
        let alone = vec![agent(4, &[], None, 0)];
        assert_eq!(choose(Rule::RoundRobin, &alone, facts(FaultRepair, None), Some(UserId(4))), pick(4));
    }

    /// Over every rule, ticket type and region, with each agent away in turn:
    /// the pick is always an available agent, and exists whenever one does.
    #[test]
    fn no_rule_ever_picks_an_unavailable_agent() {
        let regions = [None, Some("上海"), Some("北京"), Some("广州")];
        for away_mask in 0u8..16 {
            let t: Vec<_> = team()
                .into_iter()
                .enumerate()
                .map(|(i, c)| if away_mask & (1 << i) != 0 { away(c) } else { c })
                .collect();
            let anyone = t.iter().any(|c| c.available);
            for rule in Rule::ALL {
                for ticket_type in TicketType::ALL {
                    for region in regions {
                        for last in [None, Some(UserId(1)), Some(UserId(3)), Some(UserId(4))] {
                            let got = choose(*rule, &t, facts(*ticket_type, region), last);
                            match got {
                                Some(p) => assert!(
                                    t.iter().any(|c| c.id == p.agent && c.available),
                                    "{rule:?} picked {p:?} with mask {away_mask:04b}"
                                ),
                                None => assert!(*rule == Rule::Manual || !anyone, "{rule:?} found nobody"),
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn rule_codes_round_trip() {
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.code()), Ok(*rule));
        }
        assert!(Rule::parse("random").is_err());
        assert_eq!(Rule::RoundRobin.label_key(), "assign-rule-round_robin");
    }
}
