# 分派规则、人员可用状态、代客建单

nav-intake = 代客建单
nav-assignment = 分派规则

assign-rule-manual = 手动分派
assign-rule-skill = 按技能
assign-rule-region = 按区域
assign-rule-workload = 按工作量
assign-rule-round_robin = 轮流分派
assign-rule-manual-help = 新工单不自动分派，留在待受理队列，由专员受理或主管分派。
assign-rule-skill-help = 分给技能包含该问题类型的可用专员（工单最少者优先）；无人匹配时按工作量分派。
assign-rule-region-help = 分给与工单区域相同的可用专员（工单最少者优先）；无人匹配时按工作量分派。
assign-rule-workload-help = 分给未完结工单最少的可用专员；相同时按编号先后。
assign-rule-round_robin-help = 可用专员依次轮流接单，多台服务器共用同一个轮次。

assign-settings-title = 分派规则
assign-settings-rule = 当前规则
assign-settings-help = 新工单提交时按此规则自动分派；专员被标记为不可用时，其未完结工单也按此规则转派。
assign-settings-active = 生效中
assign-settings-save = 保存
assign-settings-saved = 已保存分派规则。
assign-settings-log = 修改记录
assign-settings-log-empty = 还没有修改过分派规则。
assign-col-when = 时间
assign-col-who = 修改人
assign-col-from = 原规则
assign-col-to = 新规则

event-auto_assigned = 自动分派了工单
assign-note-auto = 按「{ $rule }」分派给 { $name }
assign-note-auto-fallback = 「{ $rule }」无匹配的可用专员，按工作量分派给 { $name }
assign-note-unavailable = { $from } 暂不可用，转给 { $name }（{ $rule }）

assign-staff-rule = 分派规则：
assign-staff-change-rule = 修改
assign-staff-stranded = { $name } 不可用，但仍有 { $count } 张未完结工单（手动分派规则或暂无可用专员），请尽快处理。
assign-col-open = 未完结工单
assign-col-availability = 可用状态
assign-available = 可用
assign-unavailable = 不可用
assign-mark-unavailable = 标记为不可用
assign-mark-available = 恢复可用
assign-confirm-unavailable = 将 { $name } 标记为不可用（休假、病假）？其未完结工单会按当前分派规则转给其他专员。
assign-error-availability = 可用状态的值无效。

intake-title = 代客建单
intake-lookup = 查找客户
intake-lookup-placeholder = 手机号或邮箱
intake-lookup-help = 输入客户的手机号或邮箱，找到后即选中该客户。
intake-lookup-submit = 查找
intake-section-customer = 客户
intake-no-login = 无登录账号
intake-no-match = 没有找到该手机号或邮箱的客户：
intake-new-customer = 新客户
intake-new-customer-help = 用下方联系信息建立客户档案（不含登录账号）。
intake-contact-help = 已有客户的联系信息留空时，使用客户档案中的信息。
intake-submit = 提交工单
intake-error-customer = 请先查找客户，或选择“新客户”。
intake-error-customer-exists = 已有客户使用此联系方式，请用上方查找选中该客户。
