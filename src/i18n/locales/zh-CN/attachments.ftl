# Attachments (附件): the ticket page's list and upload form, and refusals.
attachments-title = 附件
attachments-empty = 还没有附件。
attachment-choose = 选择文件
attachment-help = 可上传照片、视频、PDF、文本日志或 ZIP 压缩包；每个文件不超过 { $max } MB，每个工单最多 { $files } 个，还可添加 { $left } 个。
attachment-upload = 上传
attachment-download = 下载
attachment-back = 返回工单
attachment-too-large = “{ $name }”太大：每个文件不能超过 { $max } MB。没有保存任何文件。
attachment-too-many = 附件太多：每个工单最多 { $max } 个，这个工单还能添加 { $left } 个。没有保存任何文件。
attachment-type-refused = 不支持“{ $name }”的文件类型。可以上传照片（JPEG、PNG、GIF、WebP、HEIC）、视频（MP4、MOV、WebM）、PDF、UTF-8 编码的文本日志或 ZIP 压缩包。没有保存任何文件。
attachment-executable = “{ $name }”是程序或脚本，出于安全考虑不能上传。没有保存任何文件。
attachment-disguised = “{ $name }”的内容与文件名不符（例如改了扩展名的其他文件），不能上传。没有保存任何文件。
attachment-empty = “{ $name }”是空文件。没有保存任何文件。
attachment-none = 请先选择要上传的文件。
attachment-bad-form = 无法读取上传的内容，请重新选择文件再试。
attachment-store-unavailable = 文件存储暂时不可用，本次上传未保存任何内容。请过几分钟再试。
event-attachment_added = 添加了附件
