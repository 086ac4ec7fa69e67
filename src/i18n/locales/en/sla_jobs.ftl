# The SLA sweep's reminders (催办) and escalations, and their staff-only events.

notice-sla_warning = Reminder: ticket { $number } is nearly due; 80 % of its SLA time is used.
notice-sla_breached = Ticket { $number } is overdue: it missed its SLA target.

event-sla_warning = flagged the ticket as nearly due (SLA warning)
event-sla_breached = recorded a missed SLA target and told the supervisors
