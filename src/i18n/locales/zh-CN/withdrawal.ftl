# 撤单：政策用语，工单页、审批和通知共用。

refusal-request-pending = 此工单已有一个撤单申请在等待答复。
refusal-no-pending-request = 该撤单申请已被取消或已有决定，未做任何更改。
refusal-supervisor-decides = 该撤单申请现在由服务主管决定。
refusal-already-answered = 您已经回答过了。

withdrawal-reason-solved_myself = 自行解决
withdrawal-reason-needs_changed = 需求变更
withdrawal-reason-unhappy_with_service = 对服务不满
withdrawal-reason-by_mistake = 误操作
withdrawal-reason-duplicate = 重复工单
withdrawal-reason-agreed_with_merchant = 与商家协商一致
withdrawal-reason-other_channel = 转其他渠道
withdrawal-reason-other = 其他

dispute-reason-work_done = 已完成工作
dispute-reason-parts_shipped = 配件已发出
dispute-reason-costs_incurred = 已产生费用
dispute-reason-other = 其他

withdrawal-status-with_assignee = 等待处理人答复
withdrawal-status-with_supervisors = 等待服务主管审批
withdrawal-status-immediate = 已直接撤销
withdrawal-status-accepted = 处理人已同意
withdrawal-status-approved = 服务主管已批准
withdrawal-status-rejected = 服务主管已驳回
withdrawal-status-cancelled = 客户已取消
withdrawal-status-lapsed = 已终止：工单已关闭

referral-resolved = 工单已处理后提出
referral-disputed = 处理人有异议
referral-escalated = 超时未答复

withdrawal-feedback-satisfied = 满意
withdrawal-feedback-neutral = 一般
withdrawal-feedback-unsatisfied = 不满意

compensation-kind-refund = 退款
compensation-kind-replacement = 已寄出换货
compensation-kind-voucher = 代金券
compensation-kind-other = 其他

event-withdrawal_requested = 申请撤单
event-withdrawal_cancelled = 取消了撤单申请
event-withdrawal_accepted = 同意了撤单申请
event-withdrawal_disputed = 对撤单申请提出异议
event-withdrawal_escalated = 撤单申请超时未答复，已转服务主管
event-withdrawal_referred = 撤单申请已转服务主管（工单已处理）
event-withdrawal_approved = 批准了撤单
event-withdrawal_rejected = 驳回了撤单申请
event-withdrawal_lapsed = 撤单申请终止（工单已关闭）
event-withdrawal_feedback = 回答了撤单回访问题
event-compensation_given = 记录了已给予的补偿
event-compensation_returned = 记录补偿已退回
event-follow_up_filed = 提交了问题复现工单

notice-withdrawn = 工单 { $number } 已撤销。
notice-withdrawal_requested = 客户申请撤销工单 { $number }：请同意或提出异议。
notice-withdrawal_to_decide = 工单 { $number } 的撤单申请需要服务主管决定。
notice-withdrawal_referred = 您对工单 { $number } 的撤单申请已转交服务主管决定。
notice-withdrawal_escalated = 工单 { $number } 的撤单申请超时未答复，已转服务主管。
notice-withdrawal_rejected = 工单 { $number } 的撤单申请被驳回，工单继续处理。
notice-withdrawal_cancelled = 客户取消了工单 { $number } 的撤单申请。
notice-withdrawal_lapsed = 工单 { $number } 已关闭，撤单申请随之终止。
notice-follow_up_filed = 工单 { $number } 的问题复现，已提交跟进工单。
