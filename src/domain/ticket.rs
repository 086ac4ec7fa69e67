//! The closed value sets of a ticket (DESIGN.md "The ticket").

crate::text_enum! {
    /// 问题类型
    TicketType, "type" {
        FaultRepair => "fault_repair",
        Consultation => "consultation",
        Complaint => "complaint",
        Maintenance => "maintenance",
        ReturnExchange => "return_exchange",
        Account => "account",
        ServiceProcess => "service_process",
    }
}

crate::text_enum! {
    /// 紧急程度; drives the SLA targets and the queue order.
    Urgency, "urgency" {
        Normal => "normal",
        Urgent => "urgent",
        Critical => "critical",
    }
}

impl Urgency {
    /// Queue order: most urgent first. Mirrors the `urgency_rank` column.
    pub fn rank(self) -> i16 {
        match self {
            Urgency::Critical => 0,
            Urgency::Urgent => 1,
            Urgency::Normal => 2,
        }
    }
}

crate::text_enum! {
    /// 受理渠道
    Channel, "channel" {
        Web => "web",
        Phone => "phone",
        Email => "email",
        App => "app",
        Social => "social",
        Store => "store",
    }
}

crate::text_enum! {
    /// 期望解决方案
    DesiredOutcome, "outcome" {
        Repair => "repair",
        Replacement => "replacement",
        Refund => "refund",
        Explanation => "explanation",
        Other => "other",
    }
}

crate::text_enum! {
    /// 工单状态. Transitions between them live in `workflow` and nowhere else.
    TicketState, "state" {
        Submitted => "submitted",
        Assigned => "assigned",
        InProgress => "in_progress",
        AwaitingCustomer => "awaiting_customer",
        Resolved => "resolved",
        Closed => "closed",
        Withdrawn => "withdrawn",
    }
}

impl TicketState {
    /// Open tickets are still someone's work; closed and withdrawn ones are done.
    pub fn is_open(self) -> bool {
        match self {
            TicketState::Submitted
            | TicketState::Assigned
            | TicketState::InProgress
            | TicketState::AwaitingCustomer
            | TicketState::Resolved => true,
            TicketState::Closed | TicketState::Withdrawn => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_errors() {
        for s in TicketState::ALL {
            assert_eq!(TicketState::parse(s.code()), Ok(*s));
        }
        for t in TicketType::ALL {
            assert_eq!(t.code().parse::<TicketType>(), Ok(*t));
        }
        assert!(Urgency::parse("URGENT").is_err());
        assert!(Channel::parse("").is_err());
        assert_eq!(Urgency::Critical.label_key(), "urgency-critical");
    }

    #[test]
    fn rank_orders_most_urgent_first() {
        assert!(Urgency::Critical.rank() < Urgency::Urgent.rank());
        assert!(Urgency::Urgent.rank() < Urgency::Normal.rank());
    }
}
