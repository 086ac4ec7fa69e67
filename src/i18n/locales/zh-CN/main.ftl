app-name = 售后工单
nav-skip = 跳到正文
nav-menu = 菜单
nav-main = 主导航
nav-queue = 工单队列
nav-staff = 员工账号
nav-my-tickets = 我的工单
nav-new-ticket = 提交工单
nav-logout = 退出登录
nav-login = 登录
nav-register = 注册
lang-switch-to = English

role-customer = 客户
role-agent = 客服专员
role-supervisor = 服务主管

type-fault_repair = 故障报修
type-consultation = 咨询
type-complaint = 投诉
type-maintenance = 升级维护
type-return_exchange = 退换货
type-account = 账户问题
type-service_process = 服务流程

urgency-normal = 一般
urgency-urgent = 紧急
urgency-critical = 特急

channel-web = 网页门户
channel-phone = 电话
channel-email = 邮件
channel-app = App
channel-social = 社交媒体
channel-store = 门店

outcome-repair = 维修
outcome-replacement = 换货
outcome-refund = 退款
outcome-explanation = 解释说明
outcome-other = 其他

state-submitted = 待受理
state-assigned = 已分配
state-in_progress = 处理中
state-awaiting_customer = 待客户反馈
state-resolved = 已处理待确认
state-closed = 已完成
state-withdrawn = 已撤销

error-not-found = 找不到这个页面或工单。
error-unauthenticated = 请先登录。
error-forbidden = 您没有权限访问这个页面。
error-control-characters = 内容中含有无法保存的控制字符（例如 NUL），请删除后重试。
error-csrf = 表单已过期，请刷新页面后重试。
error-invalid = 提交的内容有误，请检查后重试。
error-too-many-attempts = 尝试次数过多，请稍候再试。
error-sign-in-wait = 登录失败次数过多，请 { $seconds } 秒后再试。在您以前登录过的电脑上可以立即登录。
error-unavailable = 服务暂时不可用，请稍后再试。
error-internal = 服务器出错了，我们已记录此问题，请稍后再试。
error-bad-request = 请求无法处理，请检查输入。
error-method = 不支持此操作。
error-timeout = 请求超时，请重试。
error-too-large = 提交的内容太大。
error-bad-filter = 筛选条件无效。
error-stale = 工单已被其他人修改，页面已显示最新内容，请确认后再操作。
error-bad-cursor = 分页参数无效，请从第一页重新开始。
error-code = 错误代码
error-go-home = 返回首页
error-required = 此项必填。
error-choice = 请从列表中选择。
error-phone = 请输入有效的电话号码。
error-email = 请输入有效的邮箱地址。
error-date = 请输入有效的日期（年-月-日）。
error-date-future = 日期不能晚于今天。
error-contact-needed = 请至少填写电话或邮箱中的一项。
error-too-long = 最多 { $max } 个字符。
error-control-chars = 包含无法识别的字符。
error-password-short = 密码至少 { $max } 位。
error-account-exists = 该账号已被注册，请直接登录。
error-login-failed = 账号或密码不正确。

refusal-not-your-role = 您的角色不能执行此操作。
refusal-finished = 工单已完成或已撤销，不能再修改。
refusal-already-assigned = 该工单已被其他人受理，页面已更新为最新状态。
refusal-needs-withdrawal-request = 工单已在处理中，撤单需要提交申请。
refusal-wrong-state = 工单当前状态下不能执行此操作。

login-title = 登录
login-submit = 登录
login-no-account = 还没有账号？
field-login = 邮箱或手机号
field-password = 密码

register-title = 注册客户账号
register-help = 注册后即可在线提交售后工单并随时查看进度。
register-password-help = 至少 8 位。
register-submit = 注册
register-have-account = 已有账号？

field-name = 姓名
field-email = 邮箱
field-phone = 手机号
field-company = 公司（选填）
field-role = 角色
field-region = 地区
field-skills = 技能（以逗号分隔）

portal-title = 我的工单
portal-empty = 您还没有提交过工单。遇到产品问题？提交一个工单，我们会尽快处理。
col-number = 工单编号
col-title = 标题
col-state = 状态
col-updated = 最近更新
col-customer = 客户
pager-more = 更多
pager-next = 下一页

new-ticket-title = 提交售后工单
form-has-errors = 有几项需要修改，请查看标红的字段。
section-problem = 问题
section-product = 产品
section-contact = 联系方式
choose = 请选择
field-ticket-type = 问题类型
field-urgency = 紧急程度
field-title = 标题
field-description = 问题描述
field-desired-outcome = 期望解决方案
field-product-model = 产品型号
field-serial-number = 序列号
field-purchase-date = 购买日期
field-order-number = 订单/合同号
field-contact-name = 联系人
field-contact-phone = 联系电话
field-contact-email = 联系邮箱
field-address = 地址
new-ticket-submit = 提交工单

action-take = 受理此工单
section-details = 工单信息
field-channel = 受理渠道
field-assignee = 处理人
unassigned = 未分配
field-created = 创建时间
section-progress = 处理进度
actor-system = 系统
internal-note = 内部备注
field-reply = 回复客户
field-add-info = 补充信息
field-internal = 仅内部可见（客户看不到）
action-send = 发送

event-filed = 提交了工单
event-assigned = 受理了工单
event-reply = 回复
event-note = 添加了内部备注
event-customer_info = 补充了信息
event-started = 开始处理
event-info_requested = 请客户补充信息
event-resolved = 给出了解决方案
event-confirmed = 确认已解决
event-reopened = 驳回了解决方案
event-auto_closed = 超时自动关闭
event-withdrawn = 撤销了工单

queue-title = 工单队列
filter-text = 搜索
filter-text-placeholder = 编号、标题、描述、产品、客户姓名或电话
filter-open = 未完成
filter-all = 全部
filter-everyone = 所有人
filter-mine = 我的
filter-unassigned = 未分配
filter-apply = 筛选
queue-empty = 没有符合条件的工单。换个筛选条件试试。

staff-title = 员工账号
staff-new = 新建员工账号
staff-create = 创建账号

nav-settings = 设置
settings-help-assignment = 新工单按什么规则分派给客服：技能、地区、工作量、轮流或手动。
settings-help-causes = 解决工单时选择的问题原因；可添加新的类别。
settings-help-products = 产品型号与保修期，用于判断工单是否在保。
settings-help-keywords = 客户填写工单时，按关键词建议问题类型和紧急程度。
settings-help-ticket-templates = 按问题类型预先填好的工单内容，客户提交时可选用。
settings-help-reply-macros = 客服常用回复，可插入客户姓名、工单编号和产品。

# 一次性表单标识（同一表单提交两次只处理一次）。
error-submission-key = 无法读取此表单，请刷新页面后重新提交。
error-submission-pending = 此表单已提交，正在处理中。请先查看页面，再决定是否重新提交。
error-submission-reused = 此表单已用于其他操作，请刷新页面后重新提交。
