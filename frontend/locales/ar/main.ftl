## إطار الصفحات
site-name = Plenary
skip-link = انتقل إلى المحتوى الرئيسي
nav-label = التنقل الرئيسي
nav-programme = البرنامج
nav-meetings = الاجتماعات بين الدورات
nav-my-schedule = جدولي
nav-organize = التنظيم
lang-switch = اللغة
footer-about = ‏Plenary هو فضاء البرنامج والنقاش للائتلاف الدينامي المعني بسلامة الأطفال على الإنترنت.
staff-login-link = دخول فريق العمل
signed-in-as = تم تسجيل الدخول باسم { $name }
logout-button = تسجيل الخروج

## الأخطاء
error-status = خطأ { $status }
error-back-home = العودة إلى البرنامج
error-not-found-heading = الصفحة غير موجودة
error-not-found-text = لا يوجد شيء في هذا العنوان. ربما نُقلت الصفحة أو حُذفت.
error-forbidden-heading = غير مسموح
error-forbidden-text = لا يتيح حسابك فتح هذه الصفحة. اطلب الإذن من أحد المنظمين.
error-bad-request-heading = تعذّر التعامل مع الطلب
error-bad-request-text = هناك شيء في الطلب لم يكن كما هو متوقع. ارجع وحاول مرة أخرى.
error-server-error-heading = حدث خطأ ما
error-server-error-text = حدث خطأ من جهتنا ولم يتغيّر أي شيء. يُرجى المحاولة بعد قليل.
error-too-many-heading = تمهّل قليلًا
error-too-many-text = محاولات كثيرة من اتصالك في وقت قصير. لم يتغيّر أي شيء؛ يُرجى الانتظار دقيقة ثم المحاولة مجددًا.

## التواريخ والأوقات
weekday-1 = الاثنين
weekday-2 = الثلاثاء
weekday-3 = الأربعاء
weekday-4 = الخميس
weekday-5 = الجمعة
weekday-6 = السبت
weekday-7 = الأحد
weekday-short-1 = الاثنين
weekday-short-2 = الثلاثاء
weekday-short-3 = الأربعاء
weekday-short-4 = الخميس
weekday-short-5 = الجمعة
weekday-short-6 = السبت
weekday-short-7 = الأحد
month-1 = يناير
month-2 = فبراير
month-3 = مارس
month-4 = أبريل
month-5 = مايو
month-6 = يونيو
month-7 = يوليو
month-8 = أغسطس
month-9 = سبتمبر
month-10 = أكتوبر
month-11 = نوفمبر
month-12 = ديسمبر
month-short-1 = يناير
month-short-2 = فبراير
month-short-3 = مارس
month-short-4 = أبريل
month-short-5 = مايو
month-short-6 = يونيو
month-short-7 = يوليو
month-short-8 = أغسطس
month-short-9 = سبتمبر
month-short-10 = أكتوبر
month-short-11 = نوفمبر
month-short-12 = ديسمبر
day-heading = { $weekday } { $day } { $month } { $year }
day-short = { $weekday } { $day } { $month }
date-range = من { $start } إلى { $end }
minutes = { $n } دقيقة
utc = بالتوقيت العالمي (UTC)
your-time = توقيتك: { $time }
times-shown-in = تُعرض الأوقات بالتوقيت المحلي للبلد المضيف ({ $zone }).
times-utc-too = يظهر التوقيت العالمي المنسق (UTC) بجانب كل وقت.
times-viewer-chosen = المنطقة الزمنية التي اخترتها: { $zone }.
tz-differs = تختلف المنطقة الزمنية لجهازك ({ $zone }) عن منطقة البلد المضيف: أُضيف توقيتك المحلي بجانب كل جلسة.
tz-choose-label = اعرض الأوقات أيضًا بتوقيت
tz-host-only = توقيت البلد المضيف والتوقيت العالمي فقط
tz-apply = اعرض

## الصفحة الرئيسية
home-title = البرنامج
home-heading = البرنامج
home-intro = جلسات أسبوع منتدى حوكمة الإنترنت وأعمال الائتلاف بين الدورات، مفتوحة للجميع.
events-heading = الفعاليات
events-none = لم تُنشر أي فعالية بعد.
meetings-heading = الاجتماعات بين الدورات
meetings-intro = بين أسابيع المنتدى يجتمع الائتلاف في مكالمات منتظمة عبر الإنترنت.
meetings-link = اطّلع على الاجتماعات بين الدورات
meetings-none = لم تُحدَّد أي اجتماعات دورية بعد.
meeting-rule = قاعدة التكرار
meeting-first = الاجتماع الأول (بالتوقيت المحلي)
meeting-duration = المدة
meeting-zone = المنطقة الزمنية

## البرنامج
programme-days = أيام الفعالية
programme-caption = جلسات يوم { $day }
programme-empty-day = لا توجد جلسات في هذا اليوم.
view-by-time = حسب الوقت
view-by-room = حسب القاعة
col-time = الوقت
col-session = الجلسة
col-room = القاعة
room-none = بلا قاعة (عبر الإنترنت)

## الجلسة
session-type = النوع
session-status = الحالة
session-when = الموعد
session-format = الشكل
session-track = المحور
session-support = الخدمات
session-join-url = رابط الانضمام عبر الإنترنت (لفريق العمل فقط)
session-description = عن هذه الجلسة
session-policy-questions = أسئلة السياسات
session-people = المشاركون
support-webcast-yes = بث عبر الإنترنت
support-webcast-no = لا يوجد بث عبر الإنترنت
support-captions-yes = ترجمة نصية مباشرة
support-captions-no = لا توجد ترجمة نصية مباشرة
support-interpretation-yes = ترجمة شفوية
support-interpretation-no = لا توجد ترجمة شفوية
add-to-calendar = أضف إلى التقويم
session-live-link = الأسئلة والأجوبة المباشرة
add-to-schedule = أضف إلى جدولي
remove-from-schedule = احذف من جدولي
in-my-schedule = هذه الجلسة في جدولك.
session-saved = حُفظت الجلسة.
session-saved-warnings = يستحق المراجعة:

## جدولي
my-schedule-heading = جدولي
my-schedule-intro = الجلسات التي أضفتها على هذا الجهاز. لا حاجة إلى حساب.
my-schedule-empty = لم تُضف أي جلسة بعد. افتح جلسة واختر «أضف إلى جدولي».
my-schedule-subscribe = اشترك من تطبيق التقويم
my-schedule-subscribe-text = أضف هذا الرابط إلى تطبيق التقويم ليبقى جدولك محدّثًا.
my-schedule-link-label = رابط التقويم الخاص بك
my-schedule-private = هذا الرابط خاص: يستطيع كل من يملكه رؤية جدولك ومتابعته. لا تشاركه.

## تسجيل الدخول
login-heading = دخول فريق العمل
login-intro = للمنظمين والمشرفين. لا يحتاج المشاركون إلى حساب.
login-failed = البريد الإلكتروني أو كلمة المرور غير صحيحة.
login-button = تسجيل الدخول
field-email = البريد الإلكتروني
field-password = كلمة المرور
field-password-again = تأكيد كلمة المرور
field-display-name = اسمك كما سيراه الآخرون
password-hint = ‏12 حرفًا على الأقل.
invitation-heading = قبول الدعوة
invitation-intro = دُعيت للانضمام بصفة { $role } بالعنوان { $email }. اختر اسمك وكلمة مرور.
invitation-button = أنشئ حسابي
invitation-password-mismatch = كلمتا المرور غير متطابقتين.
staff-role-organizer = منظم
staff-role-moderator = مشرف

## التعارضات
severity-block = مانع
severity-warn = تنبيه

## المفردات
event-kind-annual_meeting = الاجتماع السنوي
event-kind-intersessional_meeting = اجتماع بين الدورات
event-kind-open_consultation = مشاورة مفتوحة
event-kind-webinar = ندوة عبر الإنترنت
format-panel = حلقة نقاش
format-roundtable = مائدة مستديرة
format-debate = مناظرة
format-breakout_groups = مجموعات عمل
format-presentation = عرض
format-fishbowl = حوار مفتوح (حوض السمك)
format-birds_of_a_feather = لقاء غير رسمي
format-other = أخرى
status-draft = مسودة
status-scheduled = مُجدولة
status-live = مباشرة الآن
status-ended = انتهت
status-cancelled = أُلغيت
role-organizer = المنظمون
role-onsite_moderator = مدير الجلسة في القاعة
role-online_moderator = مدير الجلسة عبر الإنترنت
role-rapporteur = المقرر
role-speaker = المتحدثون
stakeholder-government = الحكومات
stakeholder-civil_society = المجتمع المدني
stakeholder-private_sector = القطاع الخاص
stakeholder-technical_community = المجتمع التقني
stakeholder-academia = الأوساط الأكاديمية
stakeholder-intergovernmental = منظمة حكومية دولية
region-african = مجموعة الدول الأفريقية
region-asia_pacific = مجموعة دول آسيا والمحيط الهادئ
region-eastern_european = مجموعة دول أوروبا الشرقية
region-grulac = مجموعة دول أمريكا اللاتينية والكاريبي
region-weog = مجموعة دول أوروبا الغربية ودول أخرى

## الاجتماعات المتكررة والتناوب
ordinal-1 = الأول
ordinal-2 = الثاني
ordinal-3 = الثالث
ordinal-4 = الرابع
ordinal--1 = الأخير
meeting-upcoming = الاجتماعات القادمة
meeting-none-upcoming = لا توجد اجتماعات خلال الاثني عشر شهرًا القادمة.
occurrence-moved = نُقل
occurrence-cancelled = أُلغي
occurrence-scheduled = مقرر
rotation-link = توزيع أوقات الاجتماعات بإنصاف بين المناطق الزمنية
rotation-heading = التناوب المنصف لأوقات الاجتماعات
