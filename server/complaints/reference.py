"""The grounds for not accepting a complaint, as shipped (admins may reword them, see models)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ground:
    code: str
    name: str
    name_en: str
    explanation: str
    explanation_en: str
    basis: str = ""

    @property
    def title(self) -> str:
        return f"{self.name} / {self.name_en}"


_PLAN = "《辽宁省司法行政“十三五”规划》：对符合条件的投诉案件100%受理、100%回复 / five-year plan"

DEFAULT_GROUNDS: tuple[Ground, ...] = (
    Ground(
        "anonymous_no_contact",
        "匿名且无联系方式",
        "Anonymous, no contact given",
        "投诉人未留下任何联系方式，无法核实投诉事实，也无法送达答复。",
        "You left no way to reach you, so the facts cannot be checked and no reply can be delivered.",
        _PLAN,
    ),
    Ground(
        "in_proceedings",
        "已进入诉讼或仲裁",
        "Before a court or arbitration",
        "投诉事项已由人民法院或仲裁机构受理，应依照诉讼或仲裁程序解决。",
        "A court or arbitration body is already dealing with the matter; it is resolved there.",
        _PLAN,
    ),
    Ground(
        "not_legal_service",
        "不属于法律服务投诉",
        "Not about a legal-service provider",
        "投诉对象不是公证机构、律师、法律援助机构、人民调解组织或司法行政工作人员，不属本机关处理范围。",
        "The complaint is not about a notary, lawyer, legal-aid centre, mediator or justice-bureau "
        "staff member, so this bureau cannot handle it.",
        _PLAN,
    ),
    Ground(
        "repeat_answered",
        "同一投诉已答复",
        "Same complaint already answered",
        "同一投诉人就同一事项的投诉已依法答复，且未提出新的事实和理由。",
        "Your complaint about the same matter was already answered and brings no new facts or reasons.",
        _PLAN,
    ),
    Ground(
        "other",
        "其他理由",
        "Other ground",
        "具体理由见下文。",
        "The reason is given below.",
        _PLAN,
    ),
)

GROUNDS_BY_CODE = {ground.code: ground for ground in DEFAULT_GROUNDS}


def ground_for(code: str) -> Ground | None:
    """The ground `code` as the administrator worded it, else as shipped; None when unknown."""
    from server.complaints.models import IneligibilityGround

    row = IneligibilityGround.objects.filter(code=code).first()
    if row is not None:
        return Ground(row.code, row.name, row.name_en, row.explanation, row.explanation_en, row.basis)
    return GROUNDS_BY_CODE.get(code)


def known_codes() -> list[str]:
    from server.complaints.models import IneligibilityGround

    return sorted(set(GROUNDS_BY_CODE) | set(IneligibilityGround.objects.values_list("code", flat=True)))
