## الصفحات المباشرة، إضافات: المشرفون والبلاغات وصفحات الحماية والسجل

mod-moderators = مشرفو هذه الجلسة
mod-moderator-remove = إزالة
mod-moderator-who = عضو الفريق
mod-moderator-as = بصفة
mod-moderator-add = إضافة مشرف
moderator-role-onsite_moderator = مشرف في القاعة
moderator-role-online_moderator = مشرف عبر الإنترنت
live-reports-heading = بلاغاتي
report-status-open = وصل
report-status-in_review = قيد المراجعة
report-status-referred = أُحيل إلى السلطات
report-status-closed = مُغلق
sg-title = بلاغات الحماية
sg-intro = البلاغات عن أسئلة الجلسات التي تتابعها، الأقدم أولًا. لا تُعرض هنا أبدًا المواد المشتبه في أنها اعتداء جنسي على الأطفال: أحِلها إلى خط الإبلاغ الوطني في بلدك.
sg-none = لا توجد بلاغات.
sg-note = ملاحظة المُبلِّغ
sg-status = الحالة
sg-save = حفظ
audit-title = سجل الإشراف
audit-intro = كل إجراء إشراف وحماية في هذه الجلسة، الأحدث أولًا: من، وماذا، وعلى أي عنصر، ورمز السبب. لا يحتوي أبدًا على ما كتبه أحد.
audit-when = متى
audit-who = من
audit-what = الإجراء
audit-target = على
audit-reason = السبب أو الإعداد
mod-youth = جلسة شباب (إشراف مسبق دائمًا، والأسماء مخفية)
