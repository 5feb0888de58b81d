"""Demo organisations and users for `make run` and the tests. Running it twice changes nothing."""

from django.contrib.auth import get_user_model
from django.db import transaction

from server.accounts.models import Membership, Organisation, Role

DEMO_PASSWORD = "lexflow-demo"

# (code, name, English name, level, parent code)
DEMO_ORGANISATIONS = [
    ("LN", "辽宁省司法厅", "Liaoning Provincial Department of Justice", "province", None),
    ("LN-SY", "沈阳市司法局", "Shenyang Municipal Justice Bureau", "city", "LN"),
    ("LN-SY-HP", "和平区司法局", "Heping District Justice Bureau", "county", "LN-SY"),
    ("LN-SY-SH", "沈河区司法局", "Shenhe District Justice Bureau", "county", "LN-SY"),
    ("LN-SY-HP-NH", "南湖街道司法所", "Nanhu Subdistrict Justice Station", "township", "LN-SY-HP"),
]

# username -> (role, organisation code, full name)
DEMO_USERS = {
    "applicant": (Role.APPLICANT, "LN-SY-HP", "张三 Zhang San"),
    "applicant2": (Role.APPLICANT, "LN-SY-HP", "李四 Li Si"),
    "caseworker": (Role.CASEWORKER, "LN-SY-HP", "王芳 Wang Fang"),
    "caseworker2": (Role.CASEWORKER, "LN-SY-HP", "赵磊 Zhao Lei"),
    "reviewer": (Role.REVIEWER, "LN-SY-HP", "陈静 Chen Jing"),
    "director": (Role.DIRECTOR, "LN-SY-HP", "黄伟 Huang Wei"),
    "lawyer": (Role.LAWYER, "LN-SY-HP", "吴敏 Wu Min"),
    "lawyer2": (Role.LAWYER, "LN-SY-HP", "郑浩 Zheng Hao"),
    "notary": (Role.NOTARY, "LN-SY-HP", "冯丽 Feng Li"),
    "notary2": (Role.NOTARY, "LN-SY-HP", "何军 He Jun"),
    "mediator": (Role.MEDIATOR, "LN-SY-HP", "许燕 Xu Yan"),
    "mediator2": (Role.MEDIATOR, "LN-SY-HP", "邓刚 Deng Gang"),
    "station": (Role.CASEWORKER, "LN-SY-HP-NH", "曹琳 Cao Lin"),
    "supervisor": (Role.SUPERVISOR, "LN-SY", "刘洋 Liu Yang"),
    "designer": (Role.DESIGNER, "LN-SY-HP", "孙悦 Sun Yue"),
    "auditor": (Role.AUDITOR, "LN-SY-HP", "钱坤 Qian Kun"),
    "admin": (Role.ADMIN, "LN-SY-HP", "周强 Zhou Qiang"),
}


@transaction.atomic
def seed_demo() -> dict[str, Organisation]:
    organisations: dict[str, Organisation] = {}
    for code, name, name_en, level, parent_code in DEMO_ORGANISATIONS:
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            org = Organisation(code=code, name=name, name_en=name_en, level=level)
            org.parent = organisations.get(parent_code) if parent_code else None
            org.save()
        organisations[code] = org
    user_model = get_user_model()
    for username, (role, org_code, full_name) in DEMO_USERS.items():
        user = user_model.objects.filter(username=username).first()
        if user is None:
            first, _, last = full_name.partition(" ")
            user = user_model(username=username, first_name=first, last_name=last)
            user.email = f"{username}@demo.lexflow.invalid"
            user.set_password(DEMO_PASSWORD)
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisations[org_code], role=role)
    return organisations
