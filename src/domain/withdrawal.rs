//! Withdrawal (撤单, DESIGN.md "Withdrawal policy"): the reasons, the request's
//! own small life (pending with the assignee or the supervisors, then decided),
//! and compensation. What happens to the *ticket* is asked of `workflow`.

use super::TicketState;
use super::workflow::{self, Action, Actor, Refusal};

crate::text_enum! {
    /// 撤单原因
    WithdrawalReason, "withdrawal-reason" {
        SolvedMyself => "solved_myself",
        NeedsChanged => "needs_changed",
        UnhappyWithService => "unhappy_with_service",
        ByMistake => "by_mistake",
        Duplicate => "duplicate",
        AgreedWithMerchant => "agreed_with_merchant",
        OtherChannel => "other_channel",
        Other => "other",
    }
}

crate::text_enum! {
    /// Why the assignee disputes a request.
    DisputeReason, "dispute-reason" {
        WorkDone => "work_done",
        PartsShipped => "parts_shipped",
        CostsIncurred => "costs_incurred",
        Other => "other",
    }
}

crate::text_enum! {
    /// Where a withdrawal stands. The first two are a pending request.
    WithdrawalStatus, "withdrawal-status" {
        WithAssignee => "with_assignee",
        WithSupervisors => "with_supervisors",
        /// Withdrawn at once, before work started.
        Immediate => "immediate",
        /// The assignee accepted the request.
        Accepted => "accepted",
        /// A supervisor approved the request.
        Approved => "approved",
        /// A supervisor rejected it: the ticket goes on.
        Rejected => "rejected",
        /// The customer took the request back.
        Cancelled => "cancelled",
        /// The ticket was closed another way while the request waited.
        Lapsed => "lapsed",
    }
}

impl WithdrawalStatus {
    pub fn is_pending(self) -> bool {
        matches!(self, WithdrawalStatus::WithAssignee | WithdrawalStatus::WithSupervisors)
    }
    /// The ticket was withdrawn by this record.
    pub fn withdrew(self) -> bool {
        matches!(self, WithdrawalStatus::Immediate | WithdrawalStatus::Accepted | WithdrawalStatus::Approved)
    }
}

crate::text_enum! {
    /// Why a request is with the supervisors.
    Referral, "referral" {
        /// Asked while the ticket was resolved: always a supervisor's call.
        Resolved => "resolved",
        /// The assignee disputed it.
        Disputed => "disputed",
        /// The assignee did not answer in time.
        Escalated => "escalated",
    }
}

crate::text_enum! {
    /// 回访: the customer's view of the withdrawal itself (not the service survey).
    WithdrawalFeedback, "withdrawal-feedback" {
        Satisfied => "satisfied",
        Neutral => "neutral",
        Unsatisfied => "unsatisfied",
    }
}

crate::text_enum! {
    /// Compensation given on a ticket.
    CompensationKind, "compensation-kind" {
        Refund => "refund",
        Replacement => "replacement",
        Voucher => "voucher",
        Other => "other",
    }
}

/// Three or more withdrawals in this many days flag the customer to staff.
pub const FREQUENT_WINDOW_DAYS: i64 = 90;
pub const FREQUENT_COUNT: i64 = 3;

/// What asking to withdraw does, for the ticket's state now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Withdrawn at once.
    Immediate,
    /// A request the assignee accepts or disputes.
    Request(WithdrawalStatus, Option<Referral>),
}

/// What asking to withdraw a ticket in `state` does, or why it is refused.
pub fn opening(state: TicketState, actor: Actor) -> Result<Opening, Refusal> {
    match workflow::decide(state, Action::Withdraw, actor) {
        Ok(_) => Ok(Opening::Immediate),
        Err(Refusal::NeedsWithdrawalRequest) => {
            workflow::decide(state, Action::RequestWithdrawal, actor)?;
            Ok(match state {
                TicketState::Resolved => Opening::Request(WithdrawalStatus::WithSupervisors, Some(Referral::Resolved)),
                _ => Opening::Request(WithdrawalStatus::WithAssignee, None),
            })
        }
        Err(refusal) => Err(refusal),
    }
}

/// A step on a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Cancel,
    Accept,
    Dispute,
    Approve,
    Reject,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Cancel, Step::Accept, Step::Dispute, Step::Approve, Step::Reject];

    pub fn parse(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Step::Cancel => "cancel",
            Step::Accept => "accept",
            Step::Dispute => "dispute",
            Step::Approve => "approve",
            Step::Reject => "reject",
        }
    }

    /// The workflow action the step is for the ticket.
    pub fn action(self) -> Action {
        match self {
            Step::Cancel => Action::CancelWithdrawal,
            Step::Accept => Action::AcceptWithdrawal,
            Step::Dispute => Action::DisputeWithdrawal,
            Step::Approve => Action::ApproveWithdrawal,
            Step::Reject => Action::RejectWithdrawal,
        }
    }
}

/// The request's status after `step`. The ticket's side (its state now, the
/// person's role) is `workflow::decide(state, step.action(), actor)`.
pub fn next_status(status: WithdrawalStatus, step: Step) -> Result<WithdrawalStatus, Refusal> {
    use WithdrawalStatus::*;
    if !status.is_pending() {
        return Err(Refusal::NoPendingRequest);
    }
    match (step, status) {
        (Step::Cancel, _) => Ok(Cancelled),
        (Step::Accept, WithAssignee) => Ok(Accepted),
        (Step::Dispute, WithAssignee) => Ok(WithSupervisors),
        (Step::Accept | Step::Dispute, _) => Err(Refusal::SupervisorDecides),
        (Step::Approve, _) => Ok(Approved),
        (Step::Reject, _) => Ok(Rejected),
    }
}

/// Parses a money amount typed in yuan ("12", "12.5", "12.50") into fen.
pub fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches(['¥', '￥']).trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 10
        || frac.len() > 2
        || !(whole.chars().chain(frac.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    let cents = whole * 100 + frac;
    (cents > 0).then_some(cents)
}

/// Fen as yuan for people: 1250 → "12.50".
pub fn format_amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketState::*;
    use WithdrawalStatus as W;

    #[test]
    fn the_policy_table() {
        for actor in [Actor::Customer, Actor::Agent, Actor::Supervisor] {
            assert_eq!(opening(Submitted, actor), Ok(Opening::Immediate));
            assert_eq!(opening(Assigned, actor), Ok(Opening::Immediate));
            assert_eq!(opening(Closed, actor), Err(Refusal::Finished));
            assert_eq!(opening(Withdrawn, actor), Err(Refusal::Finished));
        }
        for state in [InProgress, AwaitingCustomer] {
            assert_eq!(opening(state, Actor::Customer), Ok(Opening::Request(W::WithAssignee, None)));
            // Once work started only the customer asks; staff cannot withdraw for them.
            assert_eq!(opening(state, Actor::Agent), Err(Refusal::NotYourRole));
        }
        assert_eq!(
            opening(Resolved, Actor::Customer),
            Ok(Opening::Request(W::WithSupervisors, Some(Referral::Resolved)))
        );
        assert_eq!(opening(Submitted, Actor::System), Err(Refusal::NotYourRole));
    }

    #[test]
    fn request_steps() {
        assert_eq!(next_status(W::WithAssignee, Step::Accept), Ok(W::Accepted));
        assert_eq!(next_status(W::WithAssignee, Step::Dispute), Ok(W::WithSupervisors));
        assert_eq!(next_status(W::WithSupervisors, Step::Accept), Err(Refusal::SupervisorDecides));
        assert_eq!(next_status(W::WithSupervisors, Step::Dispute), Err(Refusal::SupervisorDecides));
        for pending in [W::WithAssignee, W::WithSupervisors] {
            assert_eq!(next_status(pending, Step::Cancel), Ok(W::Cancelled));
            assert_eq!(next_status(pending, Step::Approve), Ok(W::Approved));
            assert_eq!(next_status(pending, Step::Reject), Ok(W::Rejected));
        }
        for done in W::ALL.iter().filter(|s| !s.is_pending()) {
            for step in Step::ALL {
                assert_eq!(next_status(*done, step), Err(Refusal::NoPendingRequest), "{done:?} {step:?}");
            }
        }
        for step in Step::ALL {
            assert_eq!(Step::parse(step.code()), Some(step));
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("12"), Some(1200));
        assert_eq!(parse_amount("12.5"), Some(1250));
        assert_eq!(parse_amount(" ¥12.05 "), Some(1205));
        for bad in ["", "0", "0.00", "-1", "1.234", "abc", "1e3", ".5", "12345678901"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(format_amount(1205), "12.05");
        assert_eq!(format_amount(100), "1.00");
    }
}
