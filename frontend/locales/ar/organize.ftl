## التنظيم (صفحات فريق العمل)
organize-heading = التنظيم
organize-new-event = فعالية جديدة
organize-rooms = أماكن الانعقاد والقاعات
organize-edit-event = تعديل الفعالية
organize-add-session = إضافة جلسة
organize-conflicts = التعارضات
organize-edit-session = تعديل هذه الجلسة
invite-heading = دعوة أعضاء فريق العمل
invite-intro = ادعُ منظمًا أو مشرفًا. ستحصل على رابط صالح لمرة واحدة لتُسلّمه إليه.
invite-button = أنشئ رابط الدعوة
invite-created = أُنشئت الدعوة.
invite-link-label = رابط دعوة صالح لمرة واحدة
invite-no-email = لا يرسل Plenary رسائل بريد إلكتروني: انسخ هذا الرابط وأرسله إلى الشخص المعني بنفسك. لن يُعرض إلا مرة واحدة.
field-staff-role = الدور

## نموذج الفعالية
event-new-heading = فعالية جديدة
event-edit-heading = تعديل الفعالية
field-event-name = الاسم
field-slug = اسم مختصر يظهر في العنوان
slug-hint = أحرف لاتينية صغيرة وأرقام وشَرطات، مثل igf-2025.
field-event-kind = نوع الفعالية
field-time-zone = المنطقة الزمنية للبلد المضيف
time-zone-hint = منطقة زمنية من قاعدة بيانات IANA مثل Europe/Oslo أو UTC. تُدخَل الجلسات وتُعرض بتوقيت هذه المنطقة.
field-starts-on = اليوم الأول
field-ends-on = اليوم الأخير
field-venue = مكان الانعقاد
field-description = الوصف
field-report-due-hours = موعد تسليم التقرير (بالساعات بعد انتهاء الجلسة)
report-due-hint = يرى المقررون هذا الموعد؛ وتظهر الجلسات التي تتجاوزه دون تقرير مقدَّم في قائمة التقارير الناقصة. 336 ساعة تعادل أسبوعين.
save-button = احفظ
choice-none = لا شيء
choice-pick = اختر…
choice-nobody = لا أحد

## أماكن الانعقاد والقاعات
venues-none = لا توجد أماكن انعقاد بعد. أضف مكانًا أدناه.
rooms-none = لا توجد قاعات بعد.
room-add-heading = إضافة قاعة
room-add-button = أضف القاعة
venue-add-heading = إضافة مكان انعقاد
venue-add-button = أضف مكان الانعقاد
field-room-name = اسم القاعة
field-venue-name = اسم مكان الانعقاد
field-city = المدينة
field-country = البلد
field-capacity = السعة
field-layout = ترتيب المقاعد

## نموذج الجلسة
session-new-heading = جلسة جديدة
session-edit-heading = تعديل الجلسة
session-what = بيانات الجلسة
session-where-when = المكان والموعد
session-online = عبر الإنترنت
field-session-type = نوع الجلسة
durations-allowed = { $list } دقيقة
field-number = الرقم
number-hint = للأنواع المرقّمة، مثل 403 للجلسة «WS #403».
field-title = العنوان
field-policy-questions = أسئلة السياسات
policy-questions-hint = سؤال واحد في كل سطر.
field-track = المحور أو المحور الفرعي
field-format = الشكل
field-status = الحالة
field-room = القاعة
field-day = اليوم
field-start = وقت البدء
field-duration = المدة
duration-use-end = استخدم وقت الانتهاء بدلًا من ذلك
field-end = وقت الانتهاء
end-hint = لا يُستخدم إلا إذا لم تُختر أي مدة.
times-entered-in = الأوقات بتوقيت المنطقة الزمنية للبلد المضيف ({ $zone }).
roles-hint = اختر في كل صف شخصًا ودوره، واترك الصفوف التي لا تحتاج إليها فارغة.
field-person = الشخص
field-role = الدور
person-n = الشخص { $n }
role-n = دور الشخص { $n }
field-join-url = رابط الانضمام عبر الإنترنت
join-url-hint = رابط يبدأ بـ https://، ولا يظهر إلا لفريق العمل.
override-legend = التجاوز
field-override = احفظ رغم التعارضات المانعة
field-override-reason = سبب التجاوز
override-hint = مطلوب عند التجاوز، ويُسجَّل.
form-errors-heading = يُرجى تصحيح ما يلي
form-conflicts-heading = يتعارض هذا التغيير مع البرنامج
form-conflicts-override-hint = لم يُحفظ أي شيء. عدّل الجلسة، أو حدّد «احفظ رغم التعارضات المانعة» واذكر السبب.
conflicts-heading = التعارضات في { $event }
conflicts-none = لا توجد تعارضات في هذا البرنامج.
conflicts-count = عدد التعارضات المكتشفة: { $n } (تظهر المانعة منها أولًا).
edit-named = تعديل { $name }

## أخطاء الإدخال
error-required = هذا الحقل مطلوب.
error-number = أدخل عددًا صحيحًا.
error-choice = اختر أحد الخيارات.
error-date = أدخل التاريخ بالصيغة YYYY-MM-DD.
error-time = أدخل الوقت بالصيغة HH:MM.
error-duration-or-end = اختر مدة أو أدخل وقت الانتهاء.
error-role-missing = اختر دورًا لهذا الشخص.
error-time-nonexistent = هذا الوقت غير موجود في المنطقة الزمنية { $zone } (إذ تُقدَّم الساعة في ذلك اليوم فيُتخطّى). اختر وقتًا آخر.
error-time-ambiguous = هذا الوقت يتكرر مرتين في المنطقة الزمنية { $zone } (إذ تُؤخَّر الساعة في ذلك اليوم). اختر وقتًا آخر.

## التعارضات
conflict-room_double_booked = القاعة { $room } محجوزة بالفعل للجلسة { $other } في ذلك الوقت.
conflict-person_double_booked = لدى { $person } أيضًا دور في الجلسة { $other } في ذلك الوقت.
conflict-person_unavailable = أُفيد بعدم توفّر { $person } في ذلك الوقت.
conflict-outside_event_days = تُعقد الجلسة خارج أيام الفعالية.
conflict-crosses_midnight = تمتد الجلسة إلى ما بعد منتصف الليل بتوقيت البلد المضيف؛ قسّمها أو انقلها.
conflict-duration_not_allowed = هذه المدة غير مسموح بها لهذا النوع من الجلسات.
conflict-track_overlap = تُعقد الجلسة { $other } من المحور نفسه في الوقت ذاته.

## المفردات: ترتيب المقاعد
layout-theatre = مسرحي
layout-u_shape = على شكل حرف U
layout-roundtable = مائدة مستديرة
layout-classroom = على طراز الفصل الدراسي
layout-boardroom = على طراز قاعة الاجتماعات
layout-online = عبر الإنترنت

## الاجتماعات المتكررة والتناوب
rule-weekly = كل أسبوع يوم { $weekday } الساعة { $time } ({ $zone })
rule-weekly-n = كل { $interval } أسابيع يوم { $weekday } الساعة { $time } ({ $zone })
rule-monthly-weekday = يوم { $weekday } { $ordinal } من كل شهر الساعة { $time } ({ $zone })
rule-monthly-weekday-n = يوم { $weekday } { $ordinal } من الشهر كل { $interval } أشهر الساعة { $time } ({ $zone })
rule-monthly-date = في اليوم { $day } من كل شهر الساعة { $time } ({ $zone })
rule-monthly-date-n = في اليوم { $day } من الشهر كل { $interval } أشهر الساعة { $time } ({ $zone })
meeting-subscribe = اشترك في هذه السلسلة من تطبيق التقويم (iCalendar)
meeting-originally = الموعد الأصلي: { $when }
rotation-intro = حدّد أماكن وجود الأعضاء، وسيقترح Plenary أوقاتًا للاجتماعات يُتناوب عليها، حتى تتوزع الاجتماعات في الصباح الباكر أو في ساعات الليل المتأخرة على المناطق بالتساوي بدلًا من أن تقع دائمًا على المناطق نفسها.
rotation-zones = المناطق الزمنية للأعضاء
rotation-zones-hint = منطقة زمنية واحدة من قاعدة بيانات IANA لكل عضو، مفصولة بأسطر جديدة أو بفواصل، مثل Europe/Zurich, Africa/Nairobi, America/New_York.
rotation-slots = عدد أوقات الاجتماعات التي يُتناوب عليها
rotation-propose = اقترح أوقاتًا للاجتماعات
rotation-proposal = أوقات الاجتماعات المقترحة
rotation-slot = الساعة { $time } بالتوقيت العالمي (UTC)
rotation-local = التوقيت المحلي
rotation-inconvenience = درجة عدم الملاءمة (0 = ضمن ساعات العمل)
rotation-burden = مجموع عدم الملاءمة لكل منطقة زمنية على مدار التناوب
