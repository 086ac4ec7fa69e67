# 服务时限巡检的催办与升级，以及对应的内部处理记录。

notice-sla_warning = 催办：工单 { $number } 即将超时，服务时限已用去 80%。
notice-sla_breached = 工单 { $number } 已超时，未达到服务时限要求。

event-sla_warning = 标记工单即将超时（服务时限预警）
event-sla_breached = 记录工单超时，并已通知服务主管
