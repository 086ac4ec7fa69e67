# 产品目录与保修状态、关键词规则（自动分类建议）

nav-products = 产品目录
nav-keywords = 关键词规则

catalogue-title = 产品目录
catalogue-help = 工单的“产品型号”与目录中的型号相同时（不区分大小写，忽略首尾空格），工单页按购买日期和保修期显示保修状态。
catalogue-empty = 目录中还没有产品。请在下方添加第一个型号。
catalogue-saved = 已保存产品。
catalogue-new = 添加产品
catalogue-add = 添加
catalogue-edit = 编辑
catalogue-edit-title = 编辑产品
catalogue-save = 保存
catalogue-cancel = 取消
catalogue-col-warranty = 保修期
catalogue-col-actions = 操作
catalogue-field-model = 型号
catalogue-field-model-help = 客户在工单中填写的型号，例如 DW-600。每个型号只能登记一次。
catalogue-field-name-zh = 中文名称
catalogue-field-name-en = 英文名称
catalogue-field-name-help = 至少填写一个名称。
catalogue-field-line = 产品线
catalogue-field-months = 保修期（月）
catalogue-field-months-help = 从购买日起计算的整月数，0 表示无保修；例如 1 月 31 日购买、保修 1 个月，保修至 2 月最后一天。
catalogue-months = { $months ->
    [0] 无保修
   *[other] { $months } 个月
}
catalogue-error-name-needed = 请至少填写中文名称或英文名称。
catalogue-error-months = 请输入 0 到 600 之间的整数。
catalogue-error-duplicate = 目录中已有这个型号（不区分大小写），请编辑已有的产品。

warranty-field = 保修状态
warranty-in = 在保
warranty-expired = 已过保
warranty-unknown = 未知
warranty-in-until = 保修至 { $date }
warranty-expired-on = 保修已于 { $date } 到期
warranty-none = 该型号无保修
warranty-unknown-model = 型号不在产品目录中
warranty-unknown-date = 未填写购买日期

kwrule-title = 关键词规则
kwrule-help = 提交工单时，标题或描述中包含某条规则的关键词（不区分大小写），就向提交人建议该规则的问题类型和紧急程度。规则按优先级从小到大依次匹配，问题类型和紧急程度各取第一条匹配的规则。建议只供参考，是否采用由提交人决定。
kwrule-empty = 还没有关键词规则。请在下方添加第一条。
kwrule-saved = 已保存规则。
kwrule-deleted = 已删除规则。
kwrule-new = 添加规则
kwrule-add = 添加
kwrule-edit-title = 编辑关键词规则
kwrule-delete = 删除
kwrule-confirm-delete = 删除关键词为“{ $keywords }”的规则？之后提交工单时不再据此给出建议。
kwrule-field-keywords = 关键词
kwrule-field-keywords-help = 每行一个，也可用逗号或顿号分隔；中英文均可，不区分大小写。
kwrule-field-type = 建议问题类型
kwrule-field-urgency = 建议紧急程度
kwrule-field-suggests-help = 至少选择一项。
kwrule-field-priority = 优先级
kwrule-field-priority-help = 1 到 9999 的整数，数字越小越先匹配。
kwrule-no-suggestion = 不建议
kwrule-error-too-many = 最多 { $max } 个关键词。
kwrule-error-nothing = 请至少选择建议的问题类型或紧急程度。
kwrule-error-priority = 请输入 1 到 9999 之间的整数。
kwrule-suggest = 建议：{ $what }
kwrule-suggest-use = 采用
kwrule-suggest-taken = 已采用
kwrule-suggest-why = 依据关键词：{ $keywords }
