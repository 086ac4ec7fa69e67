//! The ticket state machine (DESIGN.md "States"): the one place that says which
//! action may move a ticket from which state, and for whom. Everything else asks it.

use super::TicketState::{self, *};

/// Who is acting. The system acts for timers (auto-close).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Customer,
    Agent,
    Supervisor,
    System,
}

impl Actor {
    pub const ALL: [Actor; 4] = [Actor::Customer, Actor::Agent, Actor::Supervisor, Actor::System];

    fn is_staff(self) -> bool {
        match self {
            Actor::Agent | Actor::Supervisor => true,
            Actor::Customer | Actor::System => false,
        }
    }
}

impl From<super::Role> for Actor {
    fn from(role: super::Role) -> Self {
        match role {
            super::Role::Customer => Actor::Customer,
            super::Role::Agent => Actor::Agent,
            super::Role::Supervisor => Actor::Supervisor,
        }
    }
}

/// What someone wants to do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A staff member assigns an unassigned ticket to themselves.
    Take,
    /// A staff member gives the ticket to someone (else).
    Reassign,
    /// The assignee starts work.
    Start,
    /// A public reply from staff; the state does not change.
    Reply,
    /// The customer adds information; while awaiting the customer it answers the question.
    AddInfo,
    /// Staff ask the customer for information; the SLA clock pauses.
    RequestInfo,
    /// Staff give a solution.
    Resolve,
    /// The customer confirms the solution.
    Confirm,
    /// The customer rejects the solution: the ticket is reopened.
    RejectFix,
    /// No answer within the auto-close period.
    AutoClose,
    /// Withdrawal that takes effect at once (before work starts).
    Withdraw,
    /// Change the ticket's details: staff while it is open (type, urgency),
    /// the customer only before work starts (every field).
    EditDetails,
    /// A supervisor puts a ticket left in a wrong state into the right one, with a reason.
    Correct(TicketState),
    /// The customer's satisfaction survey, once the ticket is closed.
    Rate,
    /// The assignment rule gives a new ticket to an agent (the system, never a person).
    AutoAssign,
    /// Staff merge a duplicate into another open ticket of the same customer:
    /// the duplicate closes and points to the surviving ticket.
    Merge,
    /// The customer asks to withdraw once work has started (a pending request,
    /// not a state: the ticket goes on as it is).
    RequestWithdrawal,
    /// The customer takes their pending request back.
    CancelWithdrawal,
    /// The assignee accepts the request: the ticket is withdrawn.
    AcceptWithdrawal,
    /// The assignee disputes the request: a supervisor decides.
    DisputeWithdrawal,
    /// A supervisor approves a request: the ticket is withdrawn.
    ApproveWithdrawal,
    /// A supervisor rejects a request: the ticket goes on where it was.
    RejectWithdrawal,
    /// An unanswered request goes to the supervisors (the system, on a timer).
    EscalateWithdrawal,
    /// 回访: the customer's one answer about the withdrawal itself.
    RateWithdrawal,
    /// 问题复现: the customer (or staff for them) files a follow-up of a finished ticket.
    FollowUp,
    /// Staff record compensation given (refund, replacement, voucher).
    Compensate,
}

impl Action {
    /// Every action, with a correction to each state.
    pub fn all() -> Vec<Action> {
        let mut all = vec![
            Action::Take,
            Action::Reassign,
            Action::Start,
            Action::Reply,
            Action::AddInfo,
            Action::RequestInfo,
            Action::Resolve,
            Action::Confirm,
            Action::RejectFix,
            Action::AutoClose,
            Action::Withdraw,
            Action::EditDetails,
            Action::Rate,
            Action::AutoAssign,
            Action::Merge,
            Action::RequestWithdrawal,
            Action::CancelWithdrawal,
            Action::AcceptWithdrawal,
            Action::DisputeWithdrawal,
            Action::ApproveWithdrawal,
            Action::RejectWithdrawal,
            Action::EscalateWithdrawal,
            Action::RateWithdrawal,
            Action::FollowUp,
            Action::Compensate,
        ];
        all.extend(TicketState::ALL.iter().map(|s| Action::Correct(*s)));
        all
    }
}

/// States a supervisor may correct a ticket into. Not `submitted` (that would
/// silently drop the assignee) and not `withdrawn` (withdrawal has its own process).
pub fn correction_targets() -> &'static [TicketState] {
    &[Assigned, InProgress, AwaitingCustomer, Resolved, Closed]
}

/// Why an action was refused; each has a message for people (the i18n key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This kind of person may never do this.
    NotYourRole,
    /// The ticket is closed or withdrawn: nothing more happens to it.
    Finished,
    /// Somebody already has it.
    AlreadyAssigned,
    /// Work has started: withdrawing needs a request that the assignee answers.
    NeedsWithdrawalRequest,
    /// Not possible in the ticket's current state.
    WrongState(TicketState),
    /// Work has started: only staff change the ticket now.
    WorkStarted,
    /// Another agent has this ticket; only they (or a supervisor) work it.
    NotAssignee,
    /// A withdrawal request for the ticket is waiting already.
    RequestPending,
    /// The withdrawal request was cancelled or decided meanwhile.
    NoPendingRequest,
    /// The request is for a supervisor to decide (resolved, disputed or escalated).
    SupervisorDecides,
    /// The customer answered this once already.
    AlreadyAnswered,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NotYourRole => "refusal-not-your-role",
            Refusal::Finished => "refusal-finished",
            Refusal::AlreadyAssigned => "refusal-already-assigned",
            Refusal::NeedsWithdrawalRequest => "refusal-needs-withdrawal-request",
            Refusal::WrongState(_) => "refusal-wrong-state",
            Refusal::WorkStarted => "refusal-work-started",
            Refusal::NotAssignee => "refusal-not-assignee",
            Refusal::RequestPending => "refusal-request-pending",
            Refusal::NoPendingRequest => "refusal-no-pending-request",
            Refusal::SupervisorDecides => "refusal-supervisor-decides",
            Refusal::AlreadyAnswered => "refusal-already-answered",
        }
    }
}

/// Actions only the ticket's assignee (or a supervisor) may take.
pub fn assignee_only(action: Action) -> bool {
    match action {
        Action::Start
        | Action::RequestInfo
        | Action::Resolve
        | Action::Reassign
        | Action::Merge
        | Action::AcceptWithdrawal
        | Action::DisputeWithdrawal
        | Action::Compensate => true,
        Action::Take
        | Action::Reply
        | Action::AddInfo
        | Action::Confirm
        | Action::RejectFix
        | Action::AutoClose
        | Action::Withdraw
        | Action::EditDetails
        | Action::Correct(_)
        | Action::Rate
        | Action::AutoAssign
        | Action::RequestWithdrawal
        | Action::CancelWithdrawal
        | Action::ApproveWithdrawal
        | Action::RejectWithdrawal
        | Action::EscalateWithdrawal
        | Action::RateWithdrawal
        | Action::FollowUp => false,
    }
}

/// The state after `action`, or why it is refused.
pub fn decide(state: TicketState, action: Action, actor: Actor) -> Result<TicketState, Refusal> {
    let staff = actor.is_staff();
    let customer = actor == Actor::Customer;
    let finished = matches!(state, Closed | Withdrawn);
    match action {
        // The two actions that reach finished tickets come first.
        Action::Correct(target) => {
            require(actor == Actor::Supervisor)?;
            if target != state && correction_targets().contains(&target) {
                Ok(target)
            } else {
                Err(Refusal::WrongState(state))
            }
        }
        Action::Rate => {
            require(customer)?;
            only(state, Closed, Closed)
        }
        Action::RateWithdrawal => {
            require(customer)?;
            only(state, Withdrawn, Withdrawn)
        }
        Action::FollowUp => {
            require(customer || staff)?;
            if finished { Ok(state) } else { Err(Refusal::WrongState(state)) }
        }
        _ if finished => Err(Refusal::Finished),
        Action::Take => {
            require(staff)?;
            match state {
                Submitted => Ok(Assigned),
                Assigned | InProgress | AwaitingCustomer | Resolved => Err(Refusal::AlreadyAssigned),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::Reassign => {
            // The system hands on the tickets of an agent marked unavailable.
            require(staff || actor == Actor::System)?;
            match state {
                Submitted => Ok(Assigned),
                Assigned | InProgress | AwaitingCustomer | Resolved => Ok(state),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::Start => {
            require(staff)?;
            only(state, Assigned, InProgress)
        }
        Action::Reply => {
            require(staff)?;
            match state {
                Submitted | Assigned | InProgress | AwaitingCustomer | Resolved => Ok(state),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::AddInfo => {
            require(customer)?;
            match state {
                AwaitingCustomer => Ok(InProgress),
                Submitted | Assigned | InProgress | Resolved => Ok(state),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::RequestInfo => {
            require(staff)?;
            only(state, InProgress, AwaitingCustomer)
        }
        Action::Resolve => {
            require(staff)?;
            only(state, InProgress, Resolved)
        }
        Action::Confirm => {
            require(customer)?;
            only(state, Resolved, Closed)
        }
        Action::RejectFix => {
            require(customer)?;
            only(state, Resolved, InProgress)
        }
        Action::AutoClose => {
            require(actor == Actor::System)?;
            only(state, Resolved, Closed)
        }
        Action::Withdraw => {
            require(customer || staff)?;
            match state {
                Submitted | Assigned => Ok(Withdrawn),
                InProgress | AwaitingCustomer | Resolved => Err(Refusal::NeedsWithdrawalRequest),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::EditDetails => {
            require(customer || staff)?;
            match state {
                Submitted | Assigned => Ok(state),
                InProgress | AwaitingCustomer | Resolved if staff => Ok(state),
                InProgress | AwaitingCustomer | Resolved => Err(Refusal::WorkStarted),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::AutoAssign => {
            require(actor == Actor::System)?;
            match state {
                Submitted => Ok(Assigned),
                Assigned | InProgress | AwaitingCustomer | Resolved => Err(Refusal::AlreadyAssigned),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::Merge => {
            require(staff)?;
            match state {
                Submitted | Assigned | InProgress | AwaitingCustomer | Resolved => Ok(Closed),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        // Requests open once work has started; before that withdrawal is immediate.
        Action::RequestWithdrawal => {
            require(customer)?;
            match state {
                InProgress | AwaitingCustomer | Resolved => Ok(state),
                Submitted | Assigned => Err(Refusal::WrongState(state)),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::CancelWithdrawal => {
            require(customer)?;
            Ok(state)
        }
        // The rules follow the state at decision time: a ticket resolved while
        // the request waited is a supervisor's call, like one asked when resolved.
        Action::AcceptWithdrawal => {
            require(staff)?;
            match state {
                Submitted | Assigned | InProgress | AwaitingCustomer => Ok(Withdrawn),
                Resolved => Err(Refusal::SupervisorDecides),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::DisputeWithdrawal => {
            require(staff)?;
            match state {
                Submitted | Assigned | InProgress | AwaitingCustomer => Ok(state),
                Resolved => Err(Refusal::SupervisorDecides),
                Closed | Withdrawn => Err(Refusal::Finished),
            }
        }
        Action::ApproveWithdrawal => {
            require(actor == Actor::Supervisor)?;
            Ok(Withdrawn)
        }
        Action::RejectWithdrawal => {
            require(actor == Actor::Supervisor)?;
            Ok(state)
        }
        Action::EscalateWithdrawal => {
            require(actor == Actor::System)?;
            Ok(state)
        }
        Action::Compensate => {
            require(staff)?;
            Ok(state)
        }
    }
}

fn require(allowed: bool) -> Result<(), Refusal> {
    if allowed { Ok(()) } else { Err(Refusal::NotYourRole) }
}

fn only(state: TicketState, from: TicketState, to: TicketState) -> Result<TicketState, Refusal> {
    if state == from { Ok(to) } else { Err(Refusal::WrongState(state)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Actor::*;

    /// Every allowed (state, action, actor) and its result; all else must be refused.
    fn allowed() -> Vec<(TicketState, Action, Actor, TicketState)> {
        let mut rows = Vec::new();
        for who in [Agent, Supervisor, System] {
            rows.push((Submitted, A::Reassign, who, Assigned));
            for s in [Assigned, InProgress, AwaitingCustomer, Resolved] {
                rows.push((s, A::Reassign, who, s));
            }
        }
        for who in [Agent, Supervisor] {
            rows.push((Submitted, A::Take, who, Assigned));
            rows.push((Assigned, A::Start, who, InProgress));
            for s in [Submitted, Assigned, InProgress, AwaitingCustomer, Resolved] {
                rows.push((s, A::Reply, who, s));
            }
            rows.push((InProgress, A::RequestInfo, who, AwaitingCustomer));
            rows.push((InProgress, A::Resolve, who, Resolved));
            rows.push((Submitted, A::Withdraw, who, Withdrawn));
            rows.push((Assigned, A::Withdraw, who, Withdrawn));
        }
        for s in [Submitted, Assigned, InProgress, Resolved] {
            rows.push((s, A::AddInfo, Customer, s));
        }
        rows.push((AwaitingCustomer, A::AddInfo, Customer, InProgress));
        rows.push((Resolved, A::Confirm, Customer, Closed));
        rows.push((Resolved, A::RejectFix, Customer, InProgress));
        rows.push((Submitted, A::Withdraw, Customer, Withdrawn));
        rows.push((Assigned, A::Withdraw, Customer, Withdrawn));
        rows.push((Resolved, A::AutoClose, System, Closed));
        for s in [Submitted, Assigned, InProgress, AwaitingCustomer, Resolved] {
            rows.push((s, A::EditDetails, Agent, s));
            rows.push((s, A::EditDetails, Supervisor, s));
        }
        rows.push((Submitted, A::EditDetails, Customer, Submitted));
        rows.push((Assigned, A::EditDetails, Customer, Assigned));
        rows.push((Closed, A::Rate, Customer, Closed));
        for &from in TicketState::ALL {
            for &to in correction_targets() {
                if from != to {
                    rows.push((from, A::Correct(to), Supervisor, to));
                }
            }
        }
        rows.push((Submitted, A::AutoAssign, System, Assigned));
        let open = [Submitted, Assigned, InProgress, AwaitingCustomer, Resolved];
        for s in [InProgress, AwaitingCustomer, Resolved] {
            rows.push((s, A::RequestWithdrawal, Customer, s));
        }
        for s in open {
            rows.push((s, A::CancelWithdrawal, Customer, s));
            rows.push((s, A::ApproveWithdrawal, Supervisor, Withdrawn));
            rows.push((s, A::RejectWithdrawal, Supervisor, s));
            rows.push((s, A::EscalateWithdrawal, System, s));
            for who in [Agent, Supervisor] {
                rows.push((s, A::Compensate, who, s));
                if s != Resolved {
                    rows.push((s, A::AcceptWithdrawal, who, Withdrawn));
                    rows.push((s, A::DisputeWithdrawal, who, s));
                }
            }
        }
        rows.push((Withdrawn, A::RateWithdrawal, Customer, Withdrawn));
        for s in [Closed, Withdrawn] {
            for who in [Customer, Agent, Supervisor] {
                rows.push((s, A::FollowUp, who, s));
            }
        }
        for who in [Agent, Supervisor] {
            for s in [Submitted, Assigned, InProgress, AwaitingCustomer, Resolved] {
                rows.push((s, A::Merge, who, Closed));
            }
        }
        rows
    }

    #[test]
    fn every_combination_matches_the_table() {
        let table = allowed();
        let mut checked = 0;
        for &state in TicketState::ALL {
            for action in Action::all() {
                for actor in Actor::ALL {
                    let expected = table
                        .iter()
                        .find(|(s, a, who, _)| *s == state && *a == action && *who == actor)
                        .map(|row| row.3);
                    match (decide(state, action, actor), expected) {
                        (Ok(got), Some(want)) => assert_eq!(got, want, "{state:?} {action:?} {actor:?}"),
                        (Err(_), None) => {}
                        (got, want) => panic!("{state:?} {action:?} {actor:?}: got {got:?}, table says {want:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * Action::all().len() * 4);
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(decide(Closed, A::Reply, Agent), Err(Refusal::Finished));
        assert_eq!(decide(Withdrawn, A::Withdraw, Customer), Err(Refusal::Finished));
        assert_eq!(decide(Assigned, A::Take, Agent), Err(Refusal::AlreadyAssigned));
        assert_eq!(decide(Submitted, A::Take, Customer), Err(Refusal::NotYourRole));
        assert_eq!(decide(InProgress, A::Withdraw, Customer), Err(Refusal::NeedsWithdrawalRequest));
        assert_eq!(decide(Submitted, A::Resolve, Agent), Err(Refusal::WrongState(Submitted)));
        assert_eq!(decide(InProgress, A::EditDetails, Customer), Err(Refusal::WorkStarted));
        assert_eq!(decide(Closed, A::Correct(InProgress), Agent), Err(Refusal::NotYourRole));
        assert_eq!(decide(Closed, A::Correct(InProgress), Supervisor), Ok(InProgress));
        assert_eq!(decide(Closed, A::Correct(Withdrawn), Supervisor), Err(Refusal::WrongState(Closed)));
        assert_eq!(decide(Resolved, A::Rate, Customer), Err(Refusal::WrongState(Resolved)));
        assert_eq!(decide(Submitted, A::AutoAssign, Supervisor), Err(Refusal::NotYourRole));
        assert_eq!(decide(Assigned, A::AutoAssign, System), Err(Refusal::AlreadyAssigned));
        assert_eq!(decide(InProgress, A::Merge, Customer), Err(Refusal::NotYourRole));
        assert_eq!(decide(Withdrawn, A::Merge, Supervisor), Err(Refusal::Finished));
        assert!(assignee_only(A::Merge), "merging is work on the ticket: its assignee's or a supervisor's");
        assert_eq!(decide(Resolved, A::AcceptWithdrawal, Agent), Err(Refusal::SupervisorDecides));
        assert_eq!(decide(InProgress, A::ApproveWithdrawal, Agent), Err(Refusal::NotYourRole));
        assert_eq!(decide(Closed, A::ApproveWithdrawal, Supervisor), Err(Refusal::Finished));
        assert_eq!(decide(Assigned, A::RequestWithdrawal, Customer), Err(Refusal::WrongState(Assigned)));
        assert_eq!(decide(InProgress, A::FollowUp, Customer), Err(Refusal::WrongState(InProgress)));
    }
}
