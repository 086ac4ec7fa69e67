# 我的工单：客户的搜索框。
portal-search = 搜索我的工单
portal-search-placeholder = 编号、标题、描述、产品或电话
portal-search-submit = 搜索
portal-search-none = 没有符合搜索条件的工单。
