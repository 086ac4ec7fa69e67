# 主管审批页（审批）及导航角标。

nav-approvals = 审批
badge-approvals = { $count } 个撤单申请待审批

approvals-title = 撤单审批
approvals-intro = 需要主管决定的撤单申请，等待最久的在前。批准即撤销工单；驳回则工单按当前状态继续处理。客户会看到您的备注。
approvals-empty = 没有待审批的撤单申请。
approvals-waiting = 已等待
approvals-waited-minutes = { $minutes } 分钟
approvals-waited-hours = { $hours } 小时 { $minutes } 分钟
approvals-waited-days = { $days } 天 { $hours } 小时
approvals-referral = 转主管原因
approvals-state-at-request = 申请时状态
approvals-state-now = 当前状态
approvals-state-changed = 客户申请后，工单已从“{ $then }”变为“{ $now }”：按当前状态的规则处理。
approvals-customer-reason = 客户的撤单原因
approvals-dispute = 处理人的异议
approvals-compensation = 已给补偿
approvals-no-compensation = 无。
approvals-returned = 已于 { $time } 退回
approvals-return-open = 须退回（尚未退回）
approvals-return-if-approved = 批准后须退回
approvals-history = 客户的撤单记录
approvals-recent-withdrawals = 近 90 天撤单 { $count } 次
approvals-frequent = 频繁撤单
approvals-log = 最近处理记录
approvals-whole-log = 查看完整工单
approvals-approve = 批准：撤销工单
approvals-reject = 驳回：工单继续处理
approvals-confirm-approve = 确定批准撤单吗？工单将被撤销，服务终止，已给的补偿须退回。
approvals-confirm-reject = 确定驳回撤单申请吗？工单将按当前状态继续处理。
approvals-note-optional = 给客户的备注（选填）
approvals-note-required = 驳回理由
approvals-note-help = 客户会看到这条备注。
approvals-done-approve = 已批准：工单 { $number } 已撤销。
approvals-done-reject = 已驳回：工单 { $number } 继续处理。
